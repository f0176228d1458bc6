"""Turn an article file's bytes into text, or refuse it with a reason.

Scraped pages arrive as UTF-8, UTF-8 with a BOM, or GB18030/GBK from older Chinese sites;
we detect rather than assume, because a wrong guess turns every character into mojibake.
"""

from __future__ import annotations

import hashlib

import os
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes

from ingest.documents import DOCUMENT_SUFFIXES, DocumentError, document_text

ARTICLE_SUFFIXES = {".txt", ".md", ".html", ".htm", *DOCUMENT_SUFFIXES}
MAX_ARTICLE_BYTES = 5 * 1024 * 1024


class UnreadableArticle(ValueError):
    """The file cannot be an article; the message names the file and the reason, `kind` the reason
    as a word (empty, binary, undecodable, too_large), for an upload's status code."""

    def __init__(self, message: str, kind: str = "unreadable"):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class RawArticle:
    path: Path
    text: str
    encoding: str
    sha256: str
    problems: list[str] = field(default_factory=list)  # bad bytes kept out, by line


def _utf16(data: bytes) -> str | None:
    """UTF-16 text (Windows editors save it): by its BOM, or by the zero bytes in every other place."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    sample = data[:4096]
    if len(sample) >= 8 and b"\x00" in sample:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        for zeros, others, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
            if zeros >= 3 * max(others, 1) or (zeros and not others):  # zero bytes mostly in the high half of each unit
                try:
                    text = data.decode(codec)
                except UnicodeDecodeError:
                    return None
                readable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text[:2000])
                return text if readable >= 0.95 * len(text[:2000]) else None
    return None


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data[:4096]:
        return True
    sample = data[:4096]
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > len(sample) * 0.05


def _mostly_utf8(data: bytes, name: str) -> tuple[str, list[str]] | None:
    """UTF-8 with a few bad bytes: keep the text, name the lines (their sentences are dropped later,
    as U+FFFD is never quoted)."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.decode("utf-8", errors="ignore").count("\ufffd")
    if bad > max(3, len(data) // 500):
        return None
    lines = sorted({n for n, line in enumerate(text.splitlines(), 1) if "\ufffd" in line})
    return text, [f"{name}: line {n}: bytes that are not UTF-8, left out of that sentence" for n in lines]


def decode_article(data: bytes, name: str = "<bytes>") -> tuple[str, str, list[str]]:
    """Return (text, encoding, problems). Strict UTF-8 first: it is by far the most common and never lies."""
    if not data.strip():
        raise UnreadableArticle(f"{name}: empty file", "empty")
    utf16 = _utf16(data)
    if utf16 is not None:
        return utf16.lstrip("\ufeff"), "utf-16", []
    if _looks_binary(data):
        raise UnreadableArticle(f"{name}: binary content, not a text article", "binary")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    repaired = _mostly_utf8(data, name)
    if repaired is not None:
        return repaired[0], "utf-8", repaired[1]
    try:
        return data.decode("gb18030"), "gb18030", []
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise UnreadableArticle(
            f"{name}: undecodable bytes (not UTF-8, GB18030 or any detectable encoding)", "undecodable"
        )
    return str(best), best.encoding, []


def read_bytes(path: Path, shown: str | None = None) -> bytes:
    name = shown or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableArticle(f"{name}: cannot read ({exc.strerror})") from exc
    if len(data) > MAX_ARTICLE_BYTES:
        raise UnreadableArticle(f"{name}: {len(data)} bytes is over the {MAX_ARTICLE_BYTES} byte article limit")
    return data


def article_from_bytes(data: bytes, path: Path, shown: str | None = None) -> RawArticle:
    name = shown or str(path)
    problems: list[str] = []
    if path.suffix.lower() in DOCUMENT_SUFFIXES:
        try:
            text, encoding = document_text(data, path.suffix.lower(), name), path.suffix[1:].lower()
        except DocumentError as exc:
            raise UnreadableArticle(str(exc), exc.kind) from None
    else:
        text, encoding, problems = decode_article(data, name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return RawArticle(
        path=path, text=text, encoding=encoding, sha256=hashlib.sha256(data).hexdigest(), problems=problems
    )


def read_article(path: Path, shown: str | None = None) -> RawArticle:
    return article_from_bytes(read_bytes(path, shown), path, shown)


@dataclass(frozen=True)
class Found:
    path: Path
    shown: str  # how the source is shown to users: relative to the repository or to its corpus root


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _shown(path: Path, root: Path, repo: Path) -> str:
    try:
        return path.absolute().relative_to(repo).as_posix()
    except ValueError:
        base = root if root.is_dir() else root.parent
        return (Path(base.name) / path.absolute().relative_to(base.absolute())).as_posix()


def corpus_paths(bundled: Path, uploads: Path) -> list[Path]:
    """What an ingest of the whole corpus reads: the bundled articles and the uploaded ones, an
    uploaded file replacing the bundled file of the same name (an editor's fix of a shipped article
    lives outside the package, so a reinstall neither loses it nor is blocked by it)."""
    if not uploads.is_dir():
        return [bundled]
    replaced = {f.name for f in uploads.iterdir() if f.is_file()}
    if not replaced & {f.name for f in bundled.rglob("*") if f.is_file()}:
        return [bundled, uploads]
    kept = sorted(
        f for f in bundled.rglob("*") if f.is_file() and f.suffix.lower() in ARTICLE_SUFFIXES and f.name not in replaced
    )
    return [*kept, uploads]


def find_articles(paths: list[Path], repo: Path, skipped: list[str] | None = None) -> list[Found]:
    """Article files under the given paths, sorted so that ingest order (and unit ids) are stable.

    A symlink that leads out of the given paths is skipped with a message naming it: a link to
    /etc/passwd in the articles folder must never be indexed and quoted. Sources are shown
    relative to the repository or to the corpus root, never as absolute server paths."""
    roots = [p.resolve() for p in paths]
    found: dict[Path, Found] = {}

    def consider(file: Path, root: Path) -> None:
        if file.name.startswith(".") or (file.suffix.lower() not in ARTICLE_SUFFIXES and file not in paths):
            return
        if file.is_symlink() and not _inside(file.resolve(), roots):
            if skipped is not None:
                skipped.append(f"{_shown(file, root, repo)}: a link out of the corpus, not followed")
            return
        if file.is_file():
            found.setdefault(file.resolve(), Found(file, _shown(file, root, repo)))

    for root in paths:
        if root.is_dir():
            for folder, dirs, files in os.walk(root, followlinks=False):
                for name in sorted(dirs):
                    link = Path(folder) / name
                    if link.is_symlink() and skipped is not None:
                        skipped.append(f"{_shown(link, root, repo)}: a linked folder, not followed")
                for name in files:
                    consider(Path(folder) / name, root)
        elif root.exists():
            consider(root, root)
    return sorted(found.values(), key=lambda f: f.shown)
