"""What a sentence of an answer states about needing a licence, so it can be held to the verdicts.

A model contradicts the computed verdict without naming a catalogue licence as often as with one:
"这种情况可以不办任何证照", "无须办理…", "You do not need any licence". So each clause (a sentence,
or the part after "但"/"but") is read for an obligation it states or negates, about the licences it
names or, naming none, about licences in general. A clause that only asks or hedges ("是否需要",
"whether you need", "如果…", "may need") states nothing. Text is expected folded (`fold`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.core.text import fold
from bot.kb.catalog import Catalog
from bot.kb.terms import TermMatcher

# A colon ends a clause ("EDI许可证（不需要）：…"), except after the verdict's own label ("结论：不需要").
CLAUSE_END = re.compile(
    r"[。；;！!？?\n]|(?<!结论)(?<!answer)[:：]|\.(?:\s|$)|[，,]\s*(?=但|而|可是|不过|but\b|however\b|yet\b)"
)
# A Chinese obligation word states a licence duty only when what follows is getting one (办理, 申请,
# a licence name, …证) or nothing (结论：需要): "需要准备的材料" and "必须是内资公司" state none.
_OBJECT = (
    r"(?=\s*(?:办理|办|申请|取得|获得|持有|提供|拿|做|[a-z]|[\u3400-\u9fff]{0,12}?(?:证|许可|备案|资质|牌照|执照)"
    r"|[\s.。,，:：;；!！?？)）\]]|$))"
)
_NEGATES = (
    r"不需要|不需|无需|无须|毋须|不必|不用|可以不|可不|免于|免办|没有必要|没必要|不要求|不强制|非必须|不是必须|用不着"
)
_STATES = r"需要|必须|必需|应当|应该|强制要求|要求|须|要办|得办|要申请|得申请"
# An English one, when a licence follows within a few words, or nothing does ("Answer: Required."),
# or it is said of a licence ("a licence is not required"): "must be domestically funded" states none.
# What follows is a licence: a generic word, or one of the catalogue's one-word Latin names (its slug,
# "ICP", "wenwangwen"), so a licence added to licenses.yaml is an object here too.
_GENERIC_EN = r"licen[cs]es?|permits?|filing"


def _cues(names: tuple[str, ...]) -> re.Pattern[str]:
    words = "|".join([_GENERIC_EN, *(re.escape(n) for n in names)])
    obj = rf"(?=(?:\s+[\w'-]+){{0,4}}?\s+(?:{words})\b|\s*(?:[.,;:!?)\]]|$))"
    negates = (
        rf"(?:\b(?:do|does|did|will|would)\s*(?:not|n't)\s+(?:need|require|have to)|\bneedn't|\bno need|\bexempt\b|\bnot\s+(?:required|needed|necessary|mandatory)){obj}|"
        rf"\b(?:{_GENERIC_EN})\s+(?:is|are)\s+not\s+(?:required|needed|necessary|mandatory)|"
        r"\bno\s+(?:\w+\s+)?licen[cs]es?\b"
    )
    states = (
        rf"(?:\brequired|\brequires?|\bmust(?:\s+(?:get|obtain|hold|have|apply for))?|\bneeds?|\bhave to|\bhas to|\bmandatory)"
        rf"{obj}|\b(?:{_GENERIC_EN})\s+(?:is|are)\s+(?:required|needed|necessary|mandatory)"
    )
    return re.compile(rf"(?P<no>(?:{_NEGATES}){_OBJECT}|{negates})|(?P<yes>(?:{_STATES}){_OBJECT}|{states})")


@lru_cache(maxsize=8)
def cues_for(catalog: Catalog) -> re.Pattern[str]:
    folded = {fold(n).lower() for slug, l in catalog.licenses.items() for n in (slug, *l.aliases)}
    names = {n for n in folded if re.fullmatch(r"[a-z0-9][a-z0-9-]*", n)}
    return _cues(tuple(sorted(names)))


HEDGED = re.compile(
    r"是否|要不要|需不需要|如果|假如|若|视情况|取决于|可能|也许|或许|\bwhether\b|\bif\b|\bdepends?\b|\bmay\b|\bmight\b|"
    r"\bcould\b|\bunless\b"
)
ALL = re.compile(r"任何|一切|所有|都不|\bany\b|\ball\b|\bno\s+(?:\w+\s+)?licen[cs]es?\b")
# Without a licence named, an obligation word is about licensing only next to one of these.
ABOUT_LICENCES = re.compile(r"办|申请|取得|证|许可|资质|牌照|执照|备案|结论|licen[cs]e|permit|filing|apply|answer")


@dataclass(frozen=True)
class Claim:
    """One clause's statement: `says` is "yes" or "no"; `slugs` the licences named (empty: any)."""

    clause: str
    says: str
    slugs: tuple[str, ...]
    universal: bool


@lru_cache(maxsize=8)
def licence_names(catalog: Catalog) -> TermMatcher:
    return TermMatcher(
        {slug: [l.name, l.name_en, l.full_name, *l.aliases] for slug, l in catalog.licenses.items()},
        catalog.glossary.wording.term_negation,
    )


def claims(folded: str, catalog: Catalog) -> list[Claim]:
    """The obligations the folded text states, clause by clause. A licence takes the obligation word
    before it ("不需要EDI许可证，但需要ICP备案"), or the first one after it ("EDI许可证（不需要）")."""
    found = []
    for clause in CLAUSE_END.split(folded):
        cues = [(m.start(), "no" if m.group("no") else "yes") for m in cues_for(catalog).finditer(clause)]
        if not cues or HEDGED.search(clause):
            continue
        hits = licence_names(catalog).find(clause, fuzzy=False, negation=False)
        for hit in hits:
            before = [says for at, says in cues if at < hit.start]
            says = before[-1] if before else next(says for at, says in cues if at >= hit.start)
            found.append(Claim(clause.strip(), says, (hit.key,), False))
        if not hits and ABOUT_LICENCES.search(clause):
            found.append(Claim(clause.strip(), cues[0][1], (), bool(ALL.search(clause))))
    return found
