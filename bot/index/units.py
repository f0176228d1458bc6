"""An evidence unit as answering holds it: a typed, slotted record instead of the JSON row a segment
stores. Slots, not a dict per unit: at 145k units the dicts took some 50 MB, and every reader now
names the fields it uses (`unit.doc_id`), so a misspelt key is an error at once. A unit's text is a
span of its article's stored text (ingest cuts it so, and quotes are cut from that text the same way),
so it is read from the article's one string instead of held twice; its id is its article's and its
number, as ingest names it.

An article travels the same way, as a `Doc`: answering, the rule quotes, `kb check` and the article
desk read its fields by name, and a segment's other doc fields (keywords, encoding) are not held."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from bot.core.text import fold_aligned


@dataclass(slots=True)
class Doc:
    doc_id: str
    source: str  # the path answers cite, relative to the repo for shipped articles
    title: str
    date: str | None
    text: str  # the cleaned text units are spans of, and quotes are cut from
    sha256: str = ""  # of the file's bytes: the article desk refuses a second copy of one
    dropped: tuple[dict[str, str], ...] = ()  # what cleaning removed ({"reason", "text"}), for the desk
    _folded: str | None = field(default=None, repr=False, compare=False)

    def folded(self) -> str:
        """The text folded for verbatim search (bot.core.text.fold_aligned): computed on the first
        rule quote looked for in this article, and kept, as only quoted articles need it."""
        if self._folded is None:
            self._folded = fold_aligned(self.text)
        return self._folded

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Doc":
        """From a segment's doc row (or ingest's `read_docs`), named fields only."""
        return cls(
            row["doc_id"],
            row["source"],
            row["title"],
            row.get("date"),
            row["text"],
            row.get("sha256") or "",
            tuple(row.get("dropped") or ()),
        )


@dataclass(slots=True)
class Unit:
    doc_id: str
    number: int  # its place among its article's units
    start: int  # offsets in the article's stored text
    end: int
    kind: str  # "sentence" | "list"
    fingerprint: str  # of what was embedded: the id of its vector
    section: str = ""
    heading: str = ""
    parts: tuple[tuple[int, int], ...] = ()  # a list's lead-in and items
    source: str = field(default="", repr=False, compare=False)  # the article's stored text (shared)

    @property
    def text(self) -> str:
        return self.source[self.start : self.end]

    @property
    def id(self) -> str:
        return f"{self.doc_id}#{self.number}"

    @classmethod
    def from_row(cls, row: dict[str, Any], doc: Doc) -> "Unit":
        """From a segment's JSON row (ingest's `ingest.units.Unit.to_dict`) and its article's doc row:
        the unit shares the article's doc_id and text strings; kind, section and heading are interned
        (a few distinct values). That its text is that span, `read_segment` has checked."""
        doc_id, text = doc.doc_id, doc.text
        return cls(
            doc_id,
            int(row["id"].rsplit("#", 1)[1]),
            row["start"],
            row["end"],
            sys.intern(row["kind"]),
            row["fingerprint"],
            sys.intern(row.get("section") or ""),
            sys.intern(row.get("heading") or ""),
            tuple((a, b) for a, b in row.get("parts") or ()),
            text,
        )
