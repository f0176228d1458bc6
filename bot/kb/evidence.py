"""What each evidence unit of the index means: the licences it concerns (named in it, else named
in its headings, else in its article's title), the kinds of information it gives, and how it
speaks of needing each licence. Derived from the unit's own words with knowledge/evidence.yaml and
the licence catalogue, the same way for every article, so a new article needs no code.

Reading meaning is term matching over every unit (seconds per ten thousand units), so ingest stores
each segment's rows with the `version` of what they were read with (the licence terms and the cues);
loading takes stored rows as data and reads again only the segments whose version differs, which
keeps the promise that editing the cues or the catalogue needs no re-ingest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.kb.patterns import compile_patterns
from bot.core.text import fold
from bot.core import knowledge_files as kf
from bot.core.knowledge_files import POLARITIES
from bot.core.yaml_files import load_model
from bot.kb.catalog import Catalog
from bot.index.units import Unit
from bot.kb.terms import TermMatcher

MEANING_FORMAT = 1  # bump when `UnitReader.read` changes what it derives: every stored row is then stale
CLAUSES = re.compile(r"[，,；;。！!？?]|而|但")


@dataclass(frozen=True)
class UnitMeaning:
    licenses: tuple[str, ...]
    named: bool  # the licences are named in the unit itself, not only implied by its headings
    kinds: frozenset[str]  # every kind of information in the unit
    topic: frozenset[str] = frozenset()  # what the unit is about: its headings, a list's lead-in, a sentence itself
    polarity: dict[str, str] = field(default_factory=dict)  # licence slug -> must | need_not | depends
    stance: str | None = None  # the unit's own polarity, whatever licence it is about

    def row(self) -> list[Any]:
        """A JSON-able row, stored in the unit's segment at ingest."""
        return [list(self.licenses), self.named, sorted(self.kinds), sorted(self.topic), self.polarity, self.stance]

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "UnitMeaning":
        """From a stored row, as JSON or as the index holds it (tuples, the polarity as (slug, value) pairs)."""
        licenses, named, kinds, topic, polarity, stance = row
        return cls(tuple(licenses), bool(named), frozenset(kinds), frozenset(topic), dict(polarity), stance)


@dataclass(frozen=True)
class EvidenceCues:
    kinds: dict[
        str, tuple[tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]
    ]  # kind -> (text cues, heading cues)
    polarity: dict[str, tuple[re.Pattern[str], ...]]

    def kinds_of(self, text: str, headings: str) -> frozenset[str]:
        return frozenset(
            k
            for k, (cues, heading_cues) in self.kinds.items()
            if any(p.search(text) for p in cues) or any(p.search(headings) for p in heading_cues)
        )

    def polarity_of(self, clause: str) -> str | None:
        return next((p for p in POLARITIES if any(c.search(clause) for c in self.polarity.get(p, ()))), None)


def load_cues(path: Path) -> EvidenceCues:
    data = load_model(path, kf.EvidenceFile)
    kinds = {
        kind: (
            compile_patterns(e.cues, f"{path}: kinds.{kind}.cues"),
            compile_patterns(e.heading_cues, f"{path}: kinds.{kind}.heading_cues"),
        )
        for kind, e in data.kinds.items()
    }
    polarity = {p: compile_patterns(getattr(data.polarity, p), f"{path}: polarity.{p}") for p in POLARITIES}
    return EvidenceCues(kinds, polarity)


class UnitReader:
    """Reads units with the catalogue's licence names and the cue lists."""

    def __init__(self, catalog: Catalog, cues: EvidenceCues):
        self.cues = cues
        terms = {slug: list(l.aliases) + [l.name] for slug, l in catalog.licenses.items()}
        negation = catalog.glossary.wording.term_negation
        self.licenses = TermMatcher(terms, negation)
        self.version = _version(terms, cues, negation.pattern)

    def stored(self, units: list[dict[str, Any]], title: str) -> dict[str, Any]:
        """One article's units' meaning as stored in its segment (ingest calls this through
        bot.index.segments.MeaningSource): the distinct rows, and which one each unit has."""
        folded = fold(title)
        table: dict[str, int] = {}
        index = [
            table.setdefault(
                json.dumps(
                    self._read(u["text"], u.get("section") or "", u.get("heading") or "", u["kind"], folded).row(),
                    ensure_ascii=False,
                ),
                len(table),
            )
            for u in units
        ]
        return {"version": self.version, "rows": [json.loads(k) for k in table], "index": index}

    def read(self, unit: Unit, title: str) -> UnitMeaning:
        return self._read(unit.text, unit.section, unit.heading, unit.kind, title)

    def _read(self, raw: str, section: str, heading: str, kind: str, title: str) -> UnitMeaning:
        """From the unit's fields: a stored row at ingest, a loaded `Unit` after."""
        text, headings = fold(raw), fold(f"{section} {heading}")
        named = self.licenses.keys(text, fuzzy=False, negation=False)
        licenses = (
            named
            or self.licenses.keys(headings, fuzzy=False, negation=False)
            or self.licenses.keys(title, fuzzy=False, negation=False)
        )
        polarity: dict[str, str] = {}
        stance = None
        for clause in (c for c in CLAUSES.split(text) if c.strip()):
            found = self.cues.polarity_of(clause)
            if found is None:
                continue
            stance = stance or found
            for slug in self.licenses.keys(clause, fuzzy=False, negation=False) or licenses:
                polarity.setdefault(slug, found)
        if kind == "list":  # a list is about what its lead-in and headings say
            first = text.split("\n\n", 1)[0]
            topic = self.cues.kinds_of(first if first.rstrip().endswith((":", "：")) else "", headings)
        else:  # a sentence is about what it says itself
            topic = self.cues.kinds_of(text, "")
        return UnitMeaning(tuple(licenses), bool(named), self.cues.kinds_of(text, headings), topic, polarity, stance)


def _version(terms: dict[str, list[str]], cues: EvidenceCues, negation: str) -> str:
    """Hash of everything a unit's meaning is read with: a stored row of another version is stale."""
    cue_text = {k: [[p.pattern for p in c], [p.pattern for p in h]] for k, (c, h) in cues.kinds.items()}
    polarity = {k: [p.pattern for p in v] for k, v in cues.polarity.items()}
    blob = json.dumps([MEANING_FORMAT, terms, cue_text, polarity, negation], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def unit_meanings(
    parts: list[tuple[list[Unit], str, dict[str, Any] | None, list[UnitMeaning] | None]], reader: UnitReader
) -> list[UnitMeaning]:
    """Every unit's meaning, segment by segment (units, article title, stored meaning, meanings
    already loaded with this reader's version or None): rows stored with this reader's version are
    taken as data (equal rows share one object: most units mean the same few things), the others are
    read again from the words."""
    shared: dict[tuple[Any, ...], UnitMeaning] = {}
    out: list[UnitMeaning] = []
    for units, title, stored, ready in parts:
        if ready is not None:
            out += ready
        elif stored and stored.get("version") == reader.version and len(stored.get("index", ())) == len(units):
            table = []
            for row in stored["rows"]:  # as the index holds them: hashable (bot.index.store._frozen)
                table.append(shared.get(row) or shared.setdefault(row, UnitMeaning.from_row(row)))
            out += [table[i] for i in stored["index"]]
        else:
            folded = fold(title)
            out += [reader.read(u, folded) for u in units]
    return out
