"""What kind of answer a question asks for: a verdict, or a definition, the conditions, the materials,
the steps, the time, the cost, the penalty, a comparison, the authority, or something else.

Cue patterns (knowledge/intents.yaml) decide first, in file order, because "罚多少" is a penalty
question whatever else it resembles; only when no cue fires is the question compared by meaning
with each intent's wordings. A question with no cue that is not close to any wording is a verdict
question when it describes a product or names a licence, and `other` otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.kb.intents import IntentBook

MIN_SIMILARITY = 0.93  # e5 similarities are compressed: below this a wording is no evidence of an intent


@dataclass(frozen=True)
class IntentGuess:
    name: str
    focus: str | None
    by: str  # "cue" | "meaning" | "default"
    similarity: float = 0.0


class IntentClassifier:
    def __init__(self, book: IntentBook, vectors: np.ndarray, owners: list[str]):
        """`vectors`: one row per intent wording, `owners[i]` the intent of row i."""
        self.book, self.vectors, self.owners = book, vectors, owners

    def cued(self, folded: str) -> str | None:
        """The first intent whose cue fires, or None."""
        return next((i.name for i in self.book.intents if i.cued(folded)), None)

    def classify(self, folded: str, qvec: np.ndarray | None, describes_product: bool) -> IntentGuess:
        focus = next((name for name, cues in self.book.focus.items() if any(c.search(folded) for c in cues)), None)
        cued = self.cued(folded)
        if cued:
            return IntentGuess(cued, focus, "cue")
        if qvec is not None and len(self.owners):
            scores = self.vectors @ qvec
            best = int(np.argmax(scores))
            if scores[best] >= MIN_SIMILARITY:
                return IntentGuess(self.owners[best], focus, "meaning", float(scores[best]))
        return IntentGuess("verdict" if describes_product else "other", focus, "default")
