"""Whether a message is answered at all: refused for what it asks (forgery, renting, evasion, a task
unrelated to licences, steering the bot) or as out of scope, and the reply that says why and what the
bot does answer (the catalogue's licences)."""

from __future__ import annotations

import math

from bot.answering.knowledge import Knowledge
from bot.answering.understand import Screened, Understanding
from bot.core.models import Answer, Mode, Verdict
from bot.kb.glossary import Refusal
from bot.kb.learned.refusal import NONE as NO_REFUSAL

# Cosine similarity of the best unit above which a question without licence words is in scope:
# calibrated on the eval suites' in-scope and out-of-scope questions (bench prints the curve).
IN_SCOPE_SIMILARITY = 0.87
IN_SCOPE_WITH_CONTEXT_WORD = 0.865
UNRELATED = "unrelated"  # the refusal class of a task that has nothing to do with licences
SURE_UNRELATED = (
    0.5  # the student's probability of "unrelated" from which product words do not save a message (no eval,
)
# blind or held-out-writer licence question reaches it; every message that does is a task or topic to refuse)


def in_scope(u: Understanding, hits, sure: float) -> bool:
    """A licence, a product feature in so many words, a licence word or leaning on the conversation
    before puts a question in scope; a
    feature read only by meaning does not on its own ("红烧肉怎么做" is near some wording of
    something), so then, as for every other question, some unit must be close in meaning."""
    if u.asked or u.topics or u.domain == "strong" or u.carried_over or any(f.by == "words" for f in u.facts):
        return True
    if u.follow_up and u.intent.name not in ("verdict", "other"):  # asks the conversation's licence for a
        return True  # time, a cost, the steps … ("And how long does it take to get it?"); not "what about the weather"
    if any(f.by == "meaning" and f.score >= sure for f in u.facts):  # a reading of the feature student that is sure
        return True
    # two clauses each read as a feature, neither sure alone, are sure together
    readings: dict[str, float] = {}
    for f in u.facts:
        if f.by == "meaning":
            readings[f.matched] = max(f.score, readings.get(f.matched, 0.0))
    if len(readings) >= 2 and 1.0 - math.prod(1.0 - p for p in readings.values()) >= sure:
        return True
    best = max((h.similarity for h in hits), default=0.0)
    if u.domain == "context":
        return u.intent.name != "cost" and best >= IN_SCOPE_WITH_CONTEXT_WORD
    return best >= IN_SCOPE_SIMILARITY


def learned_refusal(s: Screened, knowledge: Knowledge, vector) -> tuple[Refusal | None, float]:
    """The refusal class the shipped student reads in a message no pattern matched, when it is sure
    enough (its threshold was chosen for precision at training), with that class's reason; and how
    sure it is."""
    if knowledge.refusals is None:
        return None, 0.0
    reading = knowledge.refusals.read(s.question, vector)
    if reading.label == NO_REFUSAL:
        return None, 0.0
    refusal = next((r for r in knowledge.catalog.glossary.refusals if r.kind == reading.label), None)
    return refusal, reading.probability


def out_of_scope_reason(s: Screened, knowledge: Knowledge, vector) -> str:
    """A question refused for being out of scope says it is a task unrelated to licences when the
    refusal student leans that way, even below its threshold: scope has settled the refusal already
    ("Write a short cover letter"); the student only names the reason."""
    if knowledge.refusals is None or knowledge.refusals.leaning(s.question, vector) != UNRELATED:
        return ""
    return next((refusal_reason(s, r) for r in knowledge.catalog.glossary.refusals if r.kind == UNRELATED), "")


def names_the_domain(u: Understanding, knowledge: Knowledge, sure: bool = False) -> bool:
    """A licence, a licence word or a product feature in so many words: then a message the student
    reads as an unrelated task is still answered (it may be a licence question worded oddly). When the
    student leans to it (SURE_UNRELATED), product words alone do not save it: "帮我写一段小程序的广告文案"
    names a mini program and ads and is still a copywriting task; a licence or licence word does, unless
    the message turns away from it ("资质的事先不聊了，帮我写…": the word stands only in negated clauses)."""
    if u.asked or u.topics or u.carried_over:
        return True
    if u.domain == "strong" and not (sure and _turns_away_from_the_domain(u, knowledge)):
        return True
    return not sure and bool(u.domain or any(f.by == "words" for f in u.facts))


def _turns_away_from_the_domain(u: Understanding, knowledge: Knowledge) -> bool:
    """Every clause with a licence word of the glossary is a negated one ("先不聊资质了", "not about licences")."""
    wording = knowledge.catalog.glossary.wording
    holding = [c for c in wording.clauses(u.folded) if knowledge.reader.domain_of(c) == "strong"]
    return bool(holding) and all(wording.negated(c) for c in holding)


def refusal_reason(s: Screened, refusal: Refusal) -> str:
    return refusal.reason_en if s.language == "en" else refusal.reason


def refused(s: Screened, reason: str, knowledge: Knowledge) -> Answer:
    """The reason, then what the bot answers about: every licence of the catalogue, by name."""
    scope = knowledge.messages.t(s.language, "out_of_scope").format(
        licences=knowledge.messages.t(s.language, "sep").join(knowledge.catalog.names(s.language))
    )
    text = (reason + "\n" if reason else "") + scope
    return Answer(question=s.question, verdict=Verdict.out_of_scope, answer=text, mode=Mode.refusal, confidence=0.9)
