"""in_scope: what puts a question without licence words in scope."""

from bot.answering.facts import Fact
from bot.answering.intent import IntentGuess
from bot.answering.scope import in_scope
from bot.answering.understand import Understanding


def understanding(*scores: float, clause: str | None = None) -> Understanding:
    facts = [Fact(f"feature{i}", False, clause or f"clause {i}", "meaning", s) for i, s in enumerate(scores)]
    return Understanding("q", "q", "en", IntentGuess("verdict", None, "default"), facts=facts)


def test_two_readings_of_the_feature_student_together_put_a_question_in_scope():
    """ "…let other farms list their tea there and we charge them a fee per order, what changes?": each
    clause read at 0.77, below the student's sure level, but two independent readings together are sure."""
    assert in_scope(understanding(0.77, 0.77), [], sure=0.85)
    assert not in_scope(understanding(0.77), [], sure=0.85)
    assert not in_scope(understanding(0.5, 0.5), [], sure=0.85)  # 1 - 0.5 × 0.5 = 0.75: not sure
    assert in_scope(understanding(0.9), [], sure=0.85)
    assert not in_scope(understanding(0.77, 0.77, clause="one clause"), [], sure=0.85)  # one reading, not two
