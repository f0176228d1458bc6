"""Finding catalogue terms (licence aliases, feature synonyms) in a question.

Users type fast: 多放通信 for 多方通信, 商家入住 for 商家入驻. A Han term of four or more
characters also matches with one wrong character, except at its first position and except where
the two characters are opposites (内/外, 付/免, 有/无 ...), since 境内用户 is not 境外用户.
A term right after a negation (没有/不做/without) does not count: "没有语音聊天房" is not a voice room.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.text import fold

OPPOSITES = set("内外免付无有单多个群私公自他不非正负前后上下")
NEGATION = re.compile(r"(没有|没|不含|不涉及|不做|不提供|不带|不会有|无需|不需要|并非|不是|\bno\b|\bnot\b|without|don't have|doesn't have)\s*$")
_HAN = re.compile(r"^[\u3400-\u9fff]+$")


@dataclass(frozen=True)
class TermHit:
    key: str
    term: str
    start: int
    end: int
    fuzzy: bool = False


def _negated(text: str, start: int) -> bool:
    window = text[max(0, start - 8):start]
    window = re.split(r"[,，。;；!?！？、]", window)[-1]
    return bool(NEGATION.search(window))


def _fuzzy_positions(text: str, term: str):
    n = len(term)
    for i in range(0, len(text) - n + 1):
        window = text[i:i + n]
        if window[0] != term[0]:
            continue
        diffs = [(a, b) for a, b in zip(window, term) if a != b]
        if len(diffs) == 1 and _HAN.match(window) and not ({diffs[0][0], diffs[0][1]} & OPPOSITES):
            yield i


class TermMatcher:
    """Longest-first, non-overlapping matching of many keyed terms."""

    def __init__(self, terms: dict[str, list[str]]):
        entries = [(fold(t).strip(), key) for key, ts in terms.items() for t in ts if t and t.strip()]
        self._entries = sorted(set(entries), key=lambda e: -len(e[0]))

    def find(self, text: str, fuzzy: bool = True) -> list[TermHit]:
        folded = fold(text)
        taken = [False] * len(folded)
        hits: list[TermHit] = []

        def claim(key: str, term: str, start: int, is_fuzzy: bool) -> None:
            end = start + len(term)
            if any(taken[start:end]) or _negated(folded, start):
                return
            for i in range(start, end):
                taken[i] = True
            hits.append(TermHit(key, term, start, end, is_fuzzy))

        for term, key in self._entries:
            if re.match(r"^[a-z0-9]", term):
                pattern = re.compile(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])")
                for m in pattern.finditer(folded):
                    claim(key, term, m.start(), False)
            else:
                start = folded.find(term)
                while start != -1:
                    claim(key, term, start, False)
                    start = folded.find(term, start + 1)
        if fuzzy:
            for term, key in self._entries:
                if len(term) >= 4 and _HAN.match(term):
                    for start in _fuzzy_positions(folded, term):
                        claim(key, term, start, True)
        return sorted(hits, key=lambda h: h.start)

    def keys(self, text: str, fuzzy: bool = True) -> list[str]:
        seen: list[str] = []
        for hit in self.find(text, fuzzy):
            if hit.key not in seen:
                seen.append(hit.key)
        return seen
