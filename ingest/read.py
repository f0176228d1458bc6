"""Turn an article file's bytes into text, or refuse it with a reason.

Scraped pages arrive as UTF-8, UTF-8 with a BOM, or GB18030/GBK from older Chinese sites;
we detect rather than assume, because a wrong guess turns every character into mojibake.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

ARTICLE_SUFFIXES = {".txt", ".md", ".html", ".htm"}
MAX_ARTICLE_BYTES = 5 * 1024 * 1024


class UnreadableArticle(ValueError):
    """The file cannot be an article; the message names the file and the reason."""


@dataclass(frozen=True)
class RawArticle:
    path: Path
    text: str
    encoding: str
    sha256: str


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data[:4096]:
        return True
    sample = data[:4096]
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > len(sample) * 0.05


def decode_article(data: bytes, name: str = "<bytes>") -> tuple[str, str]:
    """Return (text, encoding). Strict UTF-8 first: it is by far the most common and never lies."""
    if not data.strip():
        raise UnreadableArticle(f"{name}: empty file")
    if _looks_binary(data):
        raise UnreadableArticle(f"{name}: binary content, not a text article")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise UnreadableArticle(f"{name}: undecodable bytes (not UTF-8, GB18030 or any detectable encoding)")
    return str(best), best.encoding


def read_article(path: Path) -> RawArticle:
    import hashlib

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableArticle(f"{path}: cannot read ({exc.strerror})") from exc
    if len(data) > MAX_ARTICLE_BYTES:
        raise UnreadableArticle(f"{path}: {len(data)} bytes is over the {MAX_ARTICLE_BYTES} byte article limit")
    text, encoding = decode_article(data, str(path))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return RawArticle(path=path, text=text, encoding=encoding, sha256=hashlib.sha256(data).hexdigest())


def find_articles(paths: list[Path]) -> list[Path]:
    """Files under the given paths, sorted so that ingest order (and chunk ids) are stable."""
    found: set[Path] = set()
    for p in paths:
        if p.is_dir():
            found.update(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in ARTICLE_SUFFIXES and not f.name.startswith("."))
        elif p.is_file():
            found.add(p)
    return sorted(found)
