"""Clean article -> evidence units: the pieces a user is shown whole.

A unit is a claim sentence, or a lead-in ("…主要包括：", "将面临以下后果：") together with the list
items after it, or the items under a heading that ends in a colon ("3. 办理流程概述:"), so that a
quote never stops at "包括：" without its list. Each unit keeps the section and heading it stands
under: a list item saying "注册资本…1000万元" only says which licence it is about through its
heading. Offsets point into the article's stored text, so every unit is a verbatim span of it.

What a unit *means* (licences, kind of information, polarity) is derived from its words by
bot.kb.evidence when the index is loaded; this module only finds the units, the same way for any
article, with nothing listed per article.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field

from bot.core.text import fold
from ingest.clean import LIST_MARKER, CleanArticle, Paragraph, split_sentences

MAX_SENTENCE_CHARS = 150
MAX_LIST_CHARS = 1200
CLAUSE_BREAK = re.compile(r"(?<=[，,：:])")
LEAD_IN_END = re.compile(r"[:：]\s*$")
LABELLED_ITEM = re.compile(r"^[^，,。；;:：]{2,16}[:：]")
CN_NUMBERED = re.compile(r"^[一二三四五六七八九十]+[、.．]")
DIGIT_NUMBERED = re.compile(r"^\d+[.、．]")


@dataclass
class Unit:
    id: str
    doc_id: str
    start: int
    end: int
    text: str
    kind: str  # "sentence" | "list"
    section: str = ""
    heading: str = ""
    parts: list[tuple[int, int]] = field(default_factory=list)  # lead-in and items of a list

    @property
    def context(self) -> str:
        return self.section if self.heading in ("", self.section) else f"{self.section} {self.heading}".strip()

    @property
    def embed_text(self) -> str:
        """What is embedded and searched: the unit under its headings, folded."""
        return fold(f"{self.context}\n{self.text}" if self.context else self.text)

    @property
    def fingerprint(self) -> str:
        """Identifies what gets embedded, so unchanged units reuse their vectors."""
        return hashlib.sha256(self.embed_text.encode("utf-8")).hexdigest()[:32]

    def to_dict(self) -> dict:
        row = asdict(self)
        row["fingerprint"] = self.fingerprint
        return row


def _quotable_pieces(sentence: str) -> list[str]:
    """A very long sentence is split at clause boundaries so a quote stays readable."""
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return [sentence]
    pieces, current = [], ""
    for clause in (c for c in CLAUSE_BREAK.split(sentence) if c):
        if current and len(current) + len(clause) > MAX_SENTENCE_CHARS:
            pieces.append(current)
            current = ""
        current += clause
    if current:
        pieces.append(current)
    return pieces


def sentence_spans(text: str, offset: int) -> list[tuple[int, int]]:
    """(start, end) of each quotable sentence of one paragraph, surrounding spaces left out."""
    spans, pos = [], offset
    for sentence in split_sentences(text):
        for piece in _quotable_pieces(sentence):
            lead = len(piece) - len(piece.lstrip())
            body = piece.strip()
            if body:
                spans.append((pos + lead, pos + lead + len(body)))
            pos += len(piece)
    return spans


def _heading_rank(heading: Paragraph) -> int:
    """0 for "一、", 1 for "1." or "误区一", 2 for an unnumbered heading: which one opens a section."""
    text = heading.text
    return 0 if CN_NUMBERED.match(text) else 1 if DIGIT_NUMBERED.match(text) or heading.numbered else 2


def is_list_item(text: str) -> bool:
    return bool(LIST_MARKER.match(text) or LABELLED_ITEM.match(text))


def build_units(doc_id: str, article: CleanArticle) -> list[Unit]:
    paragraphs, offsets, pos = article.paragraphs, [], 0
    for para in paragraphs:
        offsets.append(pos)
        pos += len(para.text) + 2  # the "\n\n" joining paragraphs in CleanArticle.text
    text = article.text
    top = min((_heading_rank(p) for p in paragraphs if p.heading), default=2)
    units: list[Unit] = []
    section = heading = ""

    def add(kind: str, parts: list[tuple[int, int]]) -> None:
        start, end = parts[0][0], parts[-1][1]
        units.append(
            Unit(
                f"{doc_id}#{len(units)}",
                doc_id,
                start,
                end,
                text[start:end],
                kind,
                section,
                heading,
                parts if kind == "list" else [],
            )
        )

    def items_from(i: int) -> list[int]:
        """Indexes of the list items from paragraph i on, up to a heading or a non-item paragraph."""
        found: list[int] = []
        size = 0
        while i < len(paragraphs) and not paragraphs[i].heading and is_list_item(paragraphs[i].text):
            size += len(paragraphs[i].text)
            if found and size > MAX_LIST_CHARS:
                break
            found.append(i)
            i += 1
        return found

    for i, para in enumerate(paragraphs):
        if para.heading:
            if _heading_rank(para) <= top:
                section = para.text
            heading = para.text
            if LEAD_IN_END.search(para.text):
                items = items_from(i + 1)
                if len(items) >= 2:
                    add("list", [(offsets[j], offsets[j] + len(paragraphs[j].text)) for j in items])
            continue
        spans = sentence_spans(para.text, offsets[i])
        for span in spans:
            add("sentence", [span])
        last = text[spans[-1][0] : spans[-1][1]] if spans else ""
        if LEAD_IN_END.search(last):
            items = items_from(i + 1)
            if items:
                add("list", [spans[-1]] + [(offsets[j], offsets[j] + len(paragraphs[j].text)) for j in items])
    return units
