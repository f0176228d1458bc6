"""What several test files ask of an Answer: the licences' statuses, and the session a first question leaves."""

from bot.answering.answer import answer
from bot.core.models import Context


def statuses(a) -> dict[str, str]:
    return {l.slug: l.status.value for l in a.licenses}


def context_after(first_q: str, knowledge) -> Context:
    """The session after `first_q` was answered, as the service keeps it (features, licences, the question)."""
    first = answer(first_q, knowledge)
    return Context(features=first.features, licenses=[l.slug for l in first.licenses], question=first_q)
