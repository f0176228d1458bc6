"""Which evidence units answer the question: close in meaning, of the kind the intent asks for, and
about the licences at stake.

A unit about another licence never answers ("EDI的注册资本" is not answered by the ICP figure); a
unit of the wrong kind never answers ("要多久" is not answered by a penalty); a question sentence
asserts nothing. What is left is ranked by e5 similarity, and only units not far below the best one
are quoted, each once (a list and an item of it are not both quoted).

Every step here works on the question's candidates only: the kind scan is a vector operation over
positions indexed at load (`KindIndex`), a hit finds its list among its own article's lists
(`ListIndex`), and overlaps are checked within one article. Nothing compares units across the corpus,
so answering costs what retrieval costs, however many articles are indexed (a test counts this).
"""

from __future__ import annotations

from typing import AbstractSet

import re
from dataclasses import dataclass, field

import numpy as np

from bot.index.units import Unit
from bot.answering.retrieve import Hit
from bot.core.text import fold
from bot.kb.evidence import UnitMeaning

MIN_RELEVANCE = 0.82  # cosine similarity; calibrated on the eval suites (bench prints the curve)
SPREAD = 0.04  # quote units within this of the best one
LICENSE_BONUS = 0.02  # names a licence the question is about
TOPIC_BONUS = 0.03  # about the kind asked for (its heading or lead-in says so), not only mentioning it
LIST_BONUS = 0.01
MAX_QUOTES = 3
MIN_UNIT_CHARS = 8


@dataclass
class Evidence:
    hit: Hit
    meaning: UnitMeaning
    score: float

    @property
    def unit(self) -> Unit:
        return self.hit.unit


def _overlaps(a: Unit, b: Unit) -> bool:
    return a.doc_id == b.doc_id and a.start < b.end and b.start < a.end


def _contains(lst: Unit, unit: Unit) -> bool:
    return lst.doc_id == unit.doc_id and lst.start <= unit.start and unit.end <= lst.end


@dataclass
class ListIndex:
    """Each article's list units (position, unit), in index order: a hit looks for its list among
    its own article's lists only."""

    by_doc: dict[str, list[tuple[int, Unit]]] = field(default_factory=dict)

    @classmethod
    def build(cls, units: list[Unit]) -> "ListIndex":
        by_doc: dict[str, list[tuple[int, Unit]]] = {}
        for pos, unit in enumerate(units):
            if unit.kind == "list":
                by_doc.setdefault(unit.doc_id, []).append((pos, unit))
        return cls(by_doc)

    def of(self, doc_id: str) -> list[tuple[int, Unit]]:
        return self.by_doc.get(doc_id, [])


def _with_lists(hits: list[Hit], lists: ListIndex, whole_lists: bool) -> list[Hit]:
    """A lead-in ("主要包括：") is never quoted without its list: a hit on the lead-in sentence
    stands for the list that starts with it. With `whole_lists`, a hit on any item of a list stands
    for the whole list too (the penalty question is answered by all the penalties), at the best
    similarity of its parts."""
    out = []
    for hit in hits:
        unit = hit.unit
        if unit.kind == "sentence":
            lead_in = unit.text.rstrip().endswith((":", "："))
            for pos, lst in lists.of(unit.doc_id) if whole_lists or lead_in else ():
                if _contains(lst, unit) and (whole_lists or lst.start == unit.start):
                    hit = Hit(lst, pos, hit.score, hit.similarity, hit.lexical_rank, hit.dense_rank, via=hit.position)
                    break
        out.append(hit)
    return out


def _without_overlaps(ranked: list[Evidence]) -> list[Evidence]:
    """Best first, dropping a unit that overlaps one already kept (only units of one article can)."""
    chosen: list[Evidence] = []
    kept: dict[str, list[Unit]] = {}
    for e in ranked:
        same_article = kept.setdefault(e.unit.doc_id, [])
        if not any(_overlaps(e.unit, c) for c in same_article):
            chosen.append(e)
            same_article.append(e.unit)
    return chosen


def relevant(
    hits: list[Hit],
    meanings: list[UnitMeaning],
    kinds: set[str],
    licenses: set[str],
    focus: tuple[re.Pattern, ...] = (),
    floor: float = MIN_RELEVANCE,
    prefer_lists: bool = False,
    lists: ListIndex | None = None,
    comparing: bool = False,
    whole_lists: bool = False,
) -> list[Evidence]:
    """Units that may be quoted for this question, best first, without overlaps. With
    `prefer_lists` (conditions, materials, steps, penalties) a list outranks a single sentence of
    it that is about as close; with `whole_lists` a hit on an item stands for its list; when
    `comparing`, a unit that names two of the licences compared is evidence whatever its kind."""
    ranked: list[Evidence] = []
    best: dict[int, Hit] = {}
    for hit in _with_lists(hits, lists, prefer_lists or whole_lists) if lists is not None else hits:
        if hit.position not in best or hit.similarity > best[hit.position].similarity:
            best[hit.position] = hit
    for hit in best.values():
        meaning, text = meanings[hit.position], hit.unit.text
        if hit.similarity < floor or len(text) < MIN_UNIT_CHARS or text.rstrip().endswith(("?", "？")):
            continue
        both = comparing and len(set(meaning.licenses) & licenses) >= 2
        item = meanings[hit.via].topic if hit.via is not None else frozenset()  # the list item that was hit
        if kinds and not (meaning.topic | item) & kinds and not both:  # about the kind asked for, not a passing mention
            continue
        if focus and not any(p.search(fold(text)) for p in focus):
            continue
        if licenses and meaning.licenses and not set(meaning.licenses) & licenses:
            continue
        named = meaning.named and bool(licenses and set(meaning.licenses) & licenses)
        bonus = (
            LICENSE_BONUS * named
            + TOPIC_BONUS * bool(meaning.topic & kinds)
            + LIST_BONUS * (prefer_lists and hit.unit.kind == "list")
        )
        ranked.append(Evidence(hit, meaning, hit.similarity + bonus))
    ranked.sort(key=lambda e: -e.score)
    return _without_overlaps(ranked)


def to_quote(evidence: list[Evidence], each_of: AbstractSet[str] = frozenset()) -> list[Evidence]:
    """The best few, none far below the best one, at most two from one article; with `each_of`
    (licences compared), also the best unit about each of them."""
    out: list[Evidence] = []
    for slug in sorted(each_of):
        e = next((e for e in evidence if slug in e.meaning.licenses and e.meaning.named), None)
        if e is not None and e not in out:
            out.append(e)
    out.sort(key=lambda e: -e.score)
    close = [e for e in evidence if e not in out and (not out or e.score >= out[0].score - SPREAD)]
    for per_article in (2, MAX_QUOTES):  # prefer a second article; fill up from the same one if none is close
        for e in close:
            if len(out) == MAX_QUOTES:
                return out
            if e not in out and sum(1 for o in out if o.unit.doc_id == e.unit.doc_id) < per_article:
                out.append(e)
    return out


@dataclass
class KindIndex:
    """Positions of the units about each kind, and which units name which licences, as arrays built
    once at load: selecting the units of a kind is then a few vector operations, not a pass over
    every unit's meaning per question."""

    about: dict[str, np.ndarray]  # kind -> sorted positions of the units whose topic is that kind
    licensed: dict[str, np.ndarray]  # licence slug -> bool per unit: the unit is about it
    unlicensed: np.ndarray  # bool per unit: about no licence

    @classmethod
    def build(cls, meanings: list[UnitMeaning]) -> "KindIndex":
        about: dict[str, list[int]] = {}
        licensed: dict[str, list[int]] = {}
        unlicensed = np.ones(len(meanings), dtype=bool)
        for pos, m in enumerate(meanings):
            for kind in m.topic:
                about.setdefault(kind, []).append(pos)
            for slug in m.licenses:
                licensed.setdefault(slug, []).append(pos)
        for positions in licensed.values():
            unlicensed[positions] = False
        masks = {}
        for slug, positions in licensed.items():
            masks[slug] = np.zeros(len(meanings), dtype=bool)
            masks[slug][positions] = True
        return cls({k: np.asarray(v, dtype=np.int64) for k, v in about.items()}, masks, unlicensed)


def of_kind(index: KindIndex, kinds: set[str], licenses: set[str], limit: int = 5000) -> list[int]:
    """Positions of the units of a kind about these licences (or about none), for an exact scan;
    empty when there are more than `limit` (the fused ranking alone then finds candidates)."""
    if not kinds:
        return []
    found = [index.about[k] for k in kinds if k in index.about]
    if not found:
        return []
    positions = np.unique(np.concatenate(found))
    if licenses:
        keep = index.unlicensed[positions].copy()
        for slug in licenses:
            if slug in index.licensed:
                keep |= index.licensed[slug][positions]
        positions = positions[keep]
    return positions.tolist() if len(positions) <= limit else []


def covered(terms: list[str], evidence: list[Evidence]) -> float:
    """Share of the question's content words that the quoted units (or their headings) address."""
    if not terms:
        return 1.0
    text = fold(" ".join(f"{e.unit.section} {e.unit.heading} {e.unit.text}" for e in evidence))
    return sum(any(alt in text for alt in term.split("|")) for term in terms) / len(terms)
