"""Licences a question names that the knowledge base does not cover ("网络出版服务许可证", "SP证"):
answering them with another licence's figures would be a confident wrong answer, so the bot says the
articles do not cover that licence. A name is covered when the catalogue knows it (a name or alias,
or part of one) or a retrieved unit mentions it; only the retrieved units are looked at, so the check
costs the same on any size of corpus (bm25 brings a unit naming a rare licence to the top)."""

from __future__ import annotations

import re

from bot.answering.knowledge import Knowledge
from bot.answering.retrieve import Hit
from bot.answering.understand import Understanding
from bot.core.models import Answer, Mode, Verdict
from bot.core.text import fold, fold_aligned, to_simplified


def named_licences(question: str, knowledge: Knowledge) -> dict[str, str]:
    """The licence names in a question (glossary.yaml licence_names), without the words before them,
    each with the licence as the question wrote it ("食品" -> "食品经营许可证")."""
    glossary = knowledge.catalog.glossary
    found: dict[str, str] = {}
    for text in dict.fromkeys([question, to_simplified(question)]):
        for pattern in glossary.licence_names:
            for match in pattern.finditer(text):
                name = match.group("name")
                simple = fold_aligned(name)  # the stop words are Simplified: "領取相關牌照" stops at 相關 too
                cut = max((simple.rfind(w) + len(w) for w in glossary.licence_name_stops if w in simple), default=0)
                bare = name[cut:].strip()
                if len(bare) >= 2:
                    found.setdefault(bare, text[match.start("name") + cut : match.end()].strip())
    return found


def uncovered_licences(question: str, knowledge: Knowledge, hits: list[Hit]) -> list[str]:
    known = [fold(w) for lic in knowledge.catalog.licenses.values() for w in (lic.name, lic.full_name, *lic.aliases)]
    mentioned = [fold(h.unit.text) for h in hits]
    out = []
    for name, shown in named_licences(question, knowledge).items():
        if not any(_covered(tail, known, mentioned) for tail in _tails(fold(name))):
            out.append(shown)
    return out


def _tails(name: str) -> list[str]:
    """The name and its endings: words before a name that the stop list misses ("补增值电信") leave
    the licence's own name at the end. Han endings of three characters or more (two say too little:
    "服务"); a Latin acronym whole."""
    if not re.search(r"[\u4e00-\u9fff]", name):
        return [name]
    return [name[i:] for i in range(len(name) - 2)]


def _covered(name: str, known: list[str], mentioned: list[str]) -> bool:
    if any(name in k or k in name for k in known if len(k) >= 2):
        return True
    as_licence = re.compile(re.escape(name) + r".{0,4}?(许可|证|牌照|执照|licen[cs]e|permit)")
    return any(as_licence.search(text) for text in mentioned)  # named as a licence, not just the word


def uncovered_answer(u: Understanding, names: list[str], knowledge: Knowledge) -> Answer:
    lang = u.language
    said = knowledge.messages.t(lang, "uncovered_licence").format(
        name=knowledge.messages.t(lang, "names").join(names),
        licences=knowledge.messages.t(lang, "names").join(knowledge.catalog.names(lang)),
    )
    return Answer(question=u.question, verdict=Verdict.unknown, answer=said, mode=Mode.retrieval, confidence=0.3)
