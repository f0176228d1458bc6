"""Finding catalogue terms (licence aliases, feature synonyms) in a question.

Users type fast: 多放通信 for 多方通信, 商家入住 for 商家入驻. A Han term of four or more
characters also matches with one wrong character, except at its first position and except where
the two characters are opposites (内/外, 付/免, 有/无 ...), since 境内用户 is not 境外用户.
A term right after a negation (没有/不做/without: the `term_negations` of glossary.yaml, which the
matcher is given) does not count: "没有语音聊天房" is not a voice room.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.core.text import fold

OPPOSITES = set("内外免付无有单多个群私公自他不非正负前后上下")
_HAN = re.compile(r"^[\u3400-\u9fff]+$")
_HAN_CHAR = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class TermHit:
    key: str
    term: str
    start: int
    end: int
    fuzzy: bool = False


def _negated(text: str, start: int, negation: re.Pattern[str]) -> bool:
    window = text[max(0, start - 8) : start]
    window = re.split(r"[,，。;；!?！？、]", window)[-1]
    return bool(negation.search(window))


def _fuzzy_positions(text: str, term: str, first_han: int) -> Iterator[int]:
    """Where `term` stands with one Han character typed wrong (not the first character, not its
    first Han character, not one of a pair of opposites): "ICP备按" for "ICP备案"."""
    n = len(term)
    i = text.find(term[0])
    while i != -1 and i + n <= len(text):
        diff = -1
        for j in range(1, n):
            if text[i + j] != term[j]:
                if diff != -1:
                    break
                diff = j
        else:
            if diff not in (-1, first_han):
                a, b = text[i + diff], term[diff]
                if _HAN_CHAR.match(a) and _HAN_CHAR.match(b) and a not in OPPOSITES and b not in OPPOSITES:
                    yield i
        i = text.find(term[0], i + 1)


@dataclass(frozen=True)
class _Entry:
    """One term, prepared once: how it is found exactly, and whether (from where) it is found with a typo."""

    term: str
    key: str
    pattern: re.Pattern[str] | None  # a term starting with a letter or digit stands between word boundaries
    first_han: int | None  # a typo-tolerant term: its first Han character, which must be typed right


def _entry(term: str, key: str) -> _Entry:
    pattern = re.compile(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])") if re.match(r"^[a-z0-9]", term) else None
    fuzzy = len(term) >= 4 and len(_HAN_CHAR.findall(term)) >= 2 and bool(_HAN.match(term) or len(term) >= 5)
    first_han = next(i for i, ch in enumerate(term) if _HAN_CHAR.match(ch)) if fuzzy else None
    return _Entry(term, key, pattern, first_han)


class TermMatcher:
    """Longest-first, non-overlapping matching of many keyed terms."""

    def __init__(self, terms: dict[str, list[str]], negation: re.Pattern[str] | None = None):
        """`negation`: what, at the end of the words before a term, says it is absent (without it, nothing does)."""
        self.negation = negation
        entries = [(fold(t).strip(), key) for key, ts in terms.items() for t in ts if t and t.strip()]
        self._entries = [_entry(term, key) for term, key in sorted(set(entries), key=lambda e: -len(e[0]))]

    def find(self, text: str, fuzzy: bool = True, negation: bool = True) -> list[TermHit]:
        """Hits in `text`, longest first and never overlapping (a typo of a long term beats an exact
        short one inside it: "ICP备按" is the filing, not "ICP"); with `negation`, a term right
        after a negation is not a hit."""
        folded = fold(text)
        candidates: list[TermHit] = []
        for e in self._entries:
            term, key = e.term, e.key
            if e.pattern is not None:
                candidates += [TermHit(key, term, m.start(), m.end()) for m in e.pattern.finditer(folded)]
            else:
                start = folded.find(term)
                while start != -1:
                    candidates.append(TermHit(key, term, start, start + len(term)))
                    start = folded.find(term, start + 1)
            if fuzzy and e.first_han is not None:
                candidates += [
                    TermHit(key, term, s, s + len(term), True) for s in _fuzzy_positions(folded, term, e.first_han)
                ]
        taken = [False] * len(folded)
        hits: list[TermHit] = []
        for hit in sorted(candidates, key=lambda h: (-(h.end - h.start), h.fuzzy, h.start)):
            if any(taken[hit.start : hit.end]) or (
                negation and self.negation is not None and _negated(folded, hit.start, self.negation)
            ):
                continue
            for i in range(hit.start, hit.end):
                taken[i] = True
            hits.append(hit)
        return sorted(hits, key=lambda h: h.start)

    def keys(self, text: str, fuzzy: bool = True, negation: bool = True) -> list[str]:
        seen: list[str] = []
        for hit in self.find(text, fuzzy, negation):
            if hit.key not in seen:
                seen.append(hit.key)
        return seen
