"""Text out of Word (.docx) and PDF articles, before cleaning: editors keep their articles as documents,
and the cleaner reads lines of text whatever the file was.

A .docx gives its paragraphs (and table cells) in order, one per line. A PDF gives its text page by page
(pypdf); a PDF line is where the page ran out of width, not where a sentence ends, so lines are joined
back into paragraphs until one ends a sentence — otherwise a quoted sentence would be cut in two. A scanned
PDF (images only) has no text to give and is refused as empty."""

from __future__ import annotations

import io
import re
import unicodedata
from zipfile import BadZipFile

DOCUMENT_SUFFIXES = {".docx", ".pdf"}

# A line that ends one of these ends its paragraph; any other PDF line break is the page's width.
_ENDS_PARAGRAPH = re.compile(r"[。！？；：!?;:）)」』\]】]\s*$|^\s*$")
_LATIN_EDGE = re.compile(r"[A-Za-z0-9,.]$")
# PDF fonts often map common characters to their Kangxi radical look-alikes (⽹ U+2F79 for 网 U+7F51):
# the same glyph, another code point, which no question and no rule quote would ever match.
_RADICALS = re.compile(r"[\u2e80-\u2eff\u2f00-\u2fdf]")


class DocumentError(ValueError):
    """A document that cannot be read: `kind` is empty or unreadable."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


def document_text(data: bytes, suffix: str, name: str) -> str:
    if suffix == ".docx":
        text = _docx_text(data, name)
    else:
        text = _pdf_text(data, name)
    if not text.strip():
        raise DocumentError(f"{name}: no text in the document (a scan, or empty)", "empty")
    return text


def _docx_text(data: bytes, name: str) -> str:
    import docx  # python-docx: only where a .docx is read
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise DocumentError(f"{name}: not a readable .docx file ({exc})", "unreadable") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text.strip() for cell in row.cells if cell.text.strip()))
    return "\n".join(line.strip() for line in lines)


def _pdf_text(data: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise DocumentError(f"{name}: not a readable PDF ({exc})", "unreadable") from None
    text = _RADICALS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), "\n".join(pages))
    return "\n".join(joined_lines(text.splitlines()))


def joined_lines(lines: list[str]) -> list[str]:
    """PDF lines joined into paragraphs: a line continues on the next unless it ends a sentence or
    stops well short of the page's width (a heading, a date, a paragraph's last line). Latin words
    are joined with a space, Chinese characters without."""
    stripped = [ln.strip() for ln in lines]
    widths = sorted(len(ln) for ln in stripped if ln)
    full = widths[int(0.9 * (len(widths) - 1))] if widths else 0
    paragraphs: list[str] = []
    current = ""
    for line in stripped:
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
            continue
        if current and _LATIN_EDGE.search(current) and line[:1].isascii():
            current += " " + line
        else:
            current += line
        if _ENDS_PARAGRAPH.search(current) or len(line) < 0.75 * full:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs
