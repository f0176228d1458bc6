"""Whether an uploaded file can be an article, before anything changes: a bad upload gets a clear
message and a status (413 too large, 415 not a text article, 422 unreadable or empty, 409 already
there) and the knowledge base stays as it was."""

from __future__ import annotations

from pathlib import Path

from ingest.clean import CleanArticle, clean_page, load_lexicon
from ingest.read import ARTICLE_SUFFIXES, UnreadableArticle, article_from_bytes

SUFFIXES = ", ".join(sorted(ARTICLE_SUFFIXES))


class UploadRejected(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def checked_name(name: str | None) -> str:
    """A plain file name: no folders, nothing hidden, an article's suffix."""
    name = (name or "").strip()
    if not name or name != Path(name).name or "/" in name or "\\" in name or name in (".", ".."):
        raise UploadRejected(422, f"file name {name!r}: a plain name without folders or path separators")
    if name.startswith(".") or "\x00" in name or len(name) > 200:
        raise UploadRejected(
            422, f"file name {name!r}: must not start with a dot, hold control characters or exceed 200 characters"
        )
    if Path(name).suffix.lower() not in ARTICLE_SUFFIXES:
        raise UploadRejected(415, f"{name}: not an article file (articles are {SUFFIXES})")
    return name


def checked_article(name: str, data: bytes, limit: int, cleaning: Path) -> CleanArticle:
    """The article as ingest will read it, or UploadRejected saying why it cannot be one."""
    if len(data) > limit:
        raise UploadRejected(413, f"{name}: {len(data)} bytes is over the {limit}-byte upload limit")
    try:
        raw = article_from_bytes(data, Path(name), name)
    except UnreadableArticle as exc:
        raise UploadRejected(415 if exc.kind == "binary" else 422, str(exc)) from None
    article = clean_page(raw.text, load_lexicon(cleaning), name)
    if not article.paragraphs:
        raise UploadRejected(422, f"{name}: no article text left after cleaning (navigation, spam or empty)")
    return article
