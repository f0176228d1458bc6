"""How the two calibrated decisions behave on the labelled eval cases: the intent classifier (the
intent student where sure, else cue patterns, then e5 wordings) and the relevance threshold that says whether anything in the
knowledge base is about a question at all (precision/recall of "in scope" by the best unit's
similarity)."""

from __future__ import annotations

import numpy as np

from bot.answering.scope import IN_SCOPE_SIMILARITY
from bot.answering.knowledge import Knowledge
from bot.core.text import fold
from eval.suite import Case

THRESHOLDS = (0.82, 0.84, 0.85, 0.86, 0.87, 0.88, 0.89, 0.90)


def intent_table(cases: list[Case], knowledge: Knowledge) -> list[list]:
    classifier = knowledge.reader.intents
    labelled = [c for c in cases if c.intent]
    rows = []
    for name, guess in (
        ("cue patterns only", lambda f, v: classifier.cued(f)),
        ("e5 wordings only", lambda f, v: classifier.owners[int(np.argmax(classifier.vectors @ v))]),
        ("as used (the student where sure, else cue, wordings, default)", lambda f, v: _as_used(knowledge, f)),
    ):
        right = answered = 0
        for case in labelled:
            folded = fold(case.question)
            got = guess(folded, knowledge.question_vector(folded))
            answered += got is not None
            right += got == case.intent
        rows.append([name, len(labelled), answered / len(labelled), right / len(labelled)])
    return rows


def _as_used(knowledge: Knowledge, question: str) -> str:
    screened = knowledge.reader.screen(question)
    texts = knowledge.reader.to_embed(screened)
    return knowledge.reader.read(screened, knowledge.vectors(texts), _empty()).intent.name


def scope_curve(cases: list[Case], knowledge: Knowledge) -> list[list]:
    """Every question not refused by a pattern: is the best unit close enough to call it in scope?"""
    vectors = knowledge.index.vectors_at(list(range(len(knowledge.index.units))))
    points = []
    for case in cases:
        screened = knowledge.reader.screen(case.question)
        if screened.refusal:
            continue  # refused by pattern before any similarity is looked at
        best = float((vectors @ knowledge.question_vector(screened.folded)).max())
        points.append((best, not case.refuse))
    rows = []
    for t in THRESHOLDS:
        kept = [inside for best, inside in points if best >= t]
        in_scope = sum(inside for _, inside in points)
        precision = sum(kept) / len(kept) if kept else 1.0
        recall = sum(kept) / in_scope if in_scope else 1.0
        rows.append(
            [f"{t:.2f}{' (used)' if abs(t - IN_SCOPE_SIMILARITY) < 1e-9 else ''}", len(kept), precision, recall]
        )
    return rows


def _empty():
    from bot.core.models import Context

    return Context()


INTENT_HEADERS = ["classifier", "labelled cases", "answered", "accuracy"]
SCOPE_HEADERS = ["best-unit similarity ≥", "kept", "precision (in scope)", "recall (in scope)"]
