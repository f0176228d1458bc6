"""Whether a message asks for a person ("转人工", "能让顾问直接联系我吗", "talk to a human") rather
than for an answer, read by the shipped person student (bot/kb/learned/person.py) from the message's
e5 vector, which answering has already computed. It replaced margins of similarity to a dozen wordings
that were calibrated on the eval questions: on the held-out writers, F1 of "asks for a person" 0.92
against their 0.65 (bench/reader.py), and no licence question taken for a request. Without a student (a corpus edited and not
yet retrained, or glossary.yaml's person_requests edited; said once at load) a message asks for a
person when it contains one of those wordings; a second unanswered question in a row still is a
hand-off."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.models import Answer, Context, Mode, Verdict
from bot.core.text import fold
from bot.kb.messages import Messages

if TYPE_CHECKING:
    from bot.answering.knowledge import Knowledge


def asks_for_person(result: Answer, knowledge: "Knowledge") -> bool:
    """Whether the message asks for a person rather than for a licence answer."""
    if knowledge.reader.screen(result.question).refusal:
        return False  # refused for what it asks (forgery, evasion, injection)
    folded = fold(result.question)
    if knowledge.persons is None:
        return any(fold(w) in folded for w in knowledge.catalog.glossary.person_requests)
    return knowledge.persons.read(result.question, knowledge.question_vector(folded)).label == "person"


def wants_person(result: Answer, knowledge: "Knowledge", context: Context) -> str | None:
    """'asked' when the message asks for a person; 'unanswered' when the knowledge base did not say,
    the second time in a row."""
    if asks_for_person(result, knowledge):
        return "asked"
    return "unanswered" if result.verdict == Verdict.unknown and context.misses >= 1 else None


def no_person_here(result: Answer, hours: str, contact: str | None, messages: Messages) -> Answer:
    """Where nobody can take the conversation over (page, API, CLI), say where a person can be reached
    instead of answering the request as if it were a licence question (knowledge/messages/)."""
    text = messages.t(result.language, "no_person_here").format(hours=hours)
    if contact:
        text += messages.t(result.language, "contact").format(contact=contact)
    return Answer(
        question=result.question,
        verdict=Verdict.out_of_scope,
        answer=text,
        mode=Mode.refusal,
        confidence=1.0,
        latency_ms=result.latency_ms,
        intent="other",
        language=result.language,
        session_id=result.session_id,
    )
