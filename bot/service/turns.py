"""One answered message as the service keeps it, and what the conversation remembers after it."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.models import Answer, Context, Reading, Verdict


@dataclass
class TurnRecord:
    """One answered message as the service knows it: the Answer every surface shows, the licences
    it was about (for the session) and its row in the question log (for a rating or a failed
    hand-off). The Answer carries none of this."""

    answer: Answer
    asked: list[str] = field(default_factory=list)
    log_id: str | None = None
    reading: Reading | None = None  # how the question was read (the knowledge page's hit test)


def remembered(stored: Context, seen: Context, result: Answer, asked: list[str]) -> Context:
    """The session after this turn: what is stored now (another turn may have written since this one
    read `seen`), minus the features this turn replaced, plus this turn's features and licences, and
    this turn's question (the follow-up student reads the next message beside it)."""
    now = list(dict.fromkeys(result.carried_over + result.features))
    dropped = set(seen.features) - set(now) if now else set()
    features = [f for f in stored.features if f not in dropped] + [f for f in now if f not in stored.features]
    misses = 0 if result.handoff or result.verdict != Verdict.unknown else stored.misses + 1
    return Context(
        features=features,
        licenses=asked or stored.licenses or seen.licenses,
        misses=misses,
        question=result.question,
    )
