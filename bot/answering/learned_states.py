"""The state student's say on the product facts the rules read as there: a feature negated in a dialect
or stopped in the past is not counted (the rules' negation words know Mandarin before the term only)."""

from __future__ import annotations

from dataclasses import replace

from bot.answering.knowledge import Knowledge
from bot.answering.understand import Understanding
from bot.kb.learned.state import not_there


def apply_learned_states(u: Understanding, knowledge: Knowledge) -> None:
    """A feature the rules read as there is not there when the state student reads the words up to it
    as negated or stopped ("我哋個app冇語音房", "以前有多人视频") or its clause, with the next one
    when that states no feature and asks nothing, as stopped ("we used to have group video calls,
    but removed them last month"). The negation words of glossary.yaml know Mandarin before the term,
    not dialects or tenses. Left alone: facts the rules read as negated, and facts whose own words
    are a negation ("不招别的商家", "用户基本都不在国内": the feature is an absence)."""
    if knowledge.states is None:
        return
    todo = [
        (i, f, _lead_and_window(f.matched, u, knowledge))
        for i, f in enumerate(u.facts)
        if not f.negated and not knowledge.catalog.glossary.wording.negated(f.matched)
    ]
    vectors = knowledge.vectors(list(dict.fromkeys(t for _, _, pair in todo for t in pair))) if todo else {}
    for i, f, (lead, window) in todo:
        if (
            not_there(knowledge.states.read(lead, vectors[lead]))
            or knowledge.states.read(window, vectors[window]).label == "past"
        ):
            u.facts[i] = replace(f, negated=True)


def _lead_and_window(matched: str, u: Understanding, knowledge: Knowledge) -> tuple[str, str]:
    """The fact's clause up to the end of its words (a negation later in the clause is about
    something else: "我们的社交小程序没有语音"), and the whole clause with the next one when that
    states no feature, asks nothing and has no licence word of the glossary (a later clause can say a
    feature was stopped; one about a licence says how the licence stands: "卖会员两年了，一直没办经营许可证")."""
    wording = knowledge.catalog.glossary.wording
    parts = wording.clauses(u.folded)
    at = next((n for n, c in enumerate(parts) if matched in c), None)
    if at is None:
        return u.folded, u.folded
    clause = parts[at]
    lead = clause[: clause.index(matched) + len(matched)]
    following = parts[at + 1] if at + 1 < len(parts) else ""
    if (
        following
        and not wording.asks(following)
        and not any(f.matched in following for f in u.facts)
        and knowledge.reader.domain_of(following) != "strong"
    ):
        return lead, clause + "，" + following
    return lead, clause
