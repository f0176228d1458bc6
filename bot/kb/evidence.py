"""What each evidence unit of the index means: the licences it concerns (named in it, else named
in its headings, else in its article's title), the kinds of information it gives, and how it
speaks of needing each licence. Derived from the unit's own words with knowledge/evidence.yaml and
the licence catalogue, the same way for every article, so a new article needs no code and editing
the cues needs no re-ingest."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.errors import KnowledgeError
from bot.core.text import fold
from bot.kb.catalog import Catalog, load_yaml
from bot.kb.terms import TermMatcher

POLARITIES = ("depends", "need_not", "must")  # precedence: a condition is not a yes or a no
CLAUSES = re.compile(r"[，,；;。！!？?]|而|但")


@dataclass(frozen=True)
class UnitMeaning:
    licenses: tuple[str, ...]
    named: bool  # the licences are named in the unit itself, not only implied by its headings
    kinds: frozenset[str]  # every kind of information in the unit
    topic: frozenset[str] = frozenset()  # what the unit is about: its headings, a list's lead-in, a sentence itself
    polarity: dict[str, str] = field(default_factory=dict)  # licence slug -> must | need_not | depends
    stance: str | None = None  # the unit's own polarity, whatever licence it is about


@dataclass(frozen=True)
class EvidenceCues:
    kinds: dict[str, tuple[tuple[re.Pattern, ...], tuple[re.Pattern, ...]]]  # kind -> (text cues, heading cues)
    polarity: dict[str, tuple[re.Pattern, ...]]

    def kinds_of(self, text: str, headings: str) -> frozenset[str]:
        return frozenset(k for k, (cues, heading_cues) in self.kinds.items()
                          if any(p.search(text) for p in cues) or any(p.search(headings) for p in heading_cues))

    def polarity_of(self, clause: str) -> str | None:
        return next((p for p in POLARITIES if any(c.search(clause) for c in self.polarity.get(p, ()))), None)


def _compiled(values, where: str) -> tuple[re.Pattern, ...]:
    try:
        return tuple(re.compile(str(v), re.I) for v in values or [])
    except re.error as exc:
        raise KnowledgeError(f"{where}: not a valid regular expression: {exc}") from None


def load_cues(path: Path) -> EvidenceCues:
    data = load_yaml(path)
    kinds = {}
    for kind, entry in (data.get("kinds") or {}).items():
        where = f"{path}: kinds.{kind}"
        if not isinstance(entry, dict):
            raise KnowledgeError(f"{where}: expected cues and heading_cues")
        kinds[kind] = (_compiled(entry.get("cues"), f"{where}.cues"), _compiled(entry.get("heading_cues"), f"{where}.heading_cues"))
    polarity = {p: _compiled((data.get("polarity") or {}).get(p), f"{path}: polarity.{p}") for p in POLARITIES}
    return EvidenceCues(kinds, polarity)


class UnitReader:
    """Reads units with the catalogue's licence names and the cue lists."""

    def __init__(self, catalog: Catalog, cues: EvidenceCues):
        self.cues = cues
        self.licenses = TermMatcher({slug: list(l.aliases) + [l.name] for slug, l in catalog.licenses.items()})

    def read(self, unit: dict, title: str) -> UnitMeaning:
        text, headings = fold(unit["text"]), fold(f'{unit.get("section", "")} {unit.get("heading", "")}')
        named = self.licenses.keys(text, fuzzy=False, negation=False)
        licenses = named or self.licenses.keys(headings, fuzzy=False, negation=False) or self.licenses.keys(title, fuzzy=False, negation=False)
        polarity: dict[str, str] = {}
        stance = None
        for clause in (c for c in CLAUSES.split(text) if c.strip()):
            found = self.cues.polarity_of(clause)
            if found is None:
                continue
            stance = stance or found
            for slug in self.licenses.keys(clause, fuzzy=False, negation=False) or licenses:
                polarity.setdefault(slug, found)
        if unit.get("kind") == "list":  # a list is about what its lead-in and headings say
            first = text.split("\n\n", 1)[0]
            topic = self.cues.kinds_of(first if first.rstrip().endswith((":", "：")) else "", headings)
        else:  # a sentence is about what it says itself
            topic = self.cues.kinds_of(text, "")
        return UnitMeaning(tuple(licenses), bool(named), self.cues.kinds_of(text, headings), topic, polarity, stance)
