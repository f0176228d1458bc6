"""An Answer as WeChat text: plain (WeChat shows Markdown literally), quotes as numbered
footnotes with short titles and dates, and split into messages of at most 2048 UTF-8 bytes."""

from __future__ import annotations

import re

from bot.core.models import Answer
from bot.surfaces.render import quoted_in_answer, short_title

MAX_MESSAGE_BYTES = 2048

_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_MD_MARKS = re.compile(r"(\*\*|__|`+|^#{1,6}\s+|^>\s+|^\s*[-*]\s+(?=\S))", re.MULTILINE)


def strip_markdown(text: str) -> str:
    """An LLM may slip Markdown in; WeChat would show the asterisks. Links become "text url"."""
    return _MD_MARKS.sub("", _MD_LINK.sub(r"\1 \2", text))


def format_answer(answer: Answer) -> str:
    english = answer.language == "en"
    lines = [strip_markdown(answer.answer)]
    if answer.citations:
        lines.append("")
        lines.append("Sources:" if english else "引文：")
        for c in answer.citations:
            source = f"——《{short_title(c.title)}》{c.date or ('undated' if english else '日期不详')}"
            lines.append(f"[{c.id}] {source}" if quoted_in_answer(answer, c.quote) else f"[{c.id}] “{c.quote}”{source}")
    return "\n".join(lines)


def split_utf8(text: str, limit: int = MAX_MESSAGE_BYTES) -> list[str]:
    """Ordered pieces of at most `limit` bytes, cut on character boundaries, preferring line
    ends so a footnote is not torn in half when it can be helped."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if len((current + line).encode()) <= limit:
            current += line
            continue
        if current:
            pieces.append(current)
            current = ""
        while len(line.encode()) > limit:
            cut = _char_cut(line, limit)
            pieces.append(line[:cut])
            line = line[cut:]
        current = line
    if current:
        pieces.append(current)
    return [p.rstrip("\n") for p in pieces if p.strip()]


def _char_cut(line: str, limit: int) -> int:
    """Longest prefix (in characters) whose UTF-8 encoding fits in `limit` bytes."""
    encoded = line.encode()[:limit]
    return len(encoded.decode("utf-8", errors="ignore"))


TRUNCATED = "\n…（回答较长，完整引文请在网页版查看）"


def messages_for(answer: Answer, can_send_more: bool = True) -> list[str]:
    """All pieces when the customer-service API can deliver the rest; otherwise one passive
    reply that says it was shortened."""
    pieces = split_utf8(format_answer(answer))
    if can_send_more or len(pieces) == 1:
        return pieces
    room = MAX_MESSAGE_BYTES - len(TRUNCATED.encode())
    return [split_utf8(pieces[0], room)[0] + TRUNCATED]
