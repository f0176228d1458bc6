"""An evidence unit as answering holds it: a typed, slotted record instead of the JSON row a segment
stores. Slots, not a dict per unit: at 145k units the dicts took some 50 MB, and every reader now
names the fields it uses (`unit.doc_id`), so a misspelt key is an error at once. A unit's text is a
span of its article's stored text (ingest cuts it so, and quotes are cut from that text the same way),
so it is read from the article's one string instead of held twice; its id is its article's and its
number, as ingest names it."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any


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
    def from_row(cls, row: dict[str, Any], doc: dict[str, Any]) -> "Unit":
        """From a segment's JSON row (ingest's `ingest.units.Unit.to_dict`) and its article's doc row:
        the unit shares the article's doc_id and text strings; kind, section and heading are interned
        (a few distinct values). That its text is that span, `read_segment` has checked."""
        doc_id, text = doc["doc_id"], doc["text"]
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
