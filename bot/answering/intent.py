"""What kind of answer a question asks for: a verdict, or a definition, the conditions, the materials,
the steps, the time, the cost, the penalty, a comparison, the authority, or something else.

The intent student (bot/kb/learned/intent.py, learned from the labelled corpus) reads it from the
whole message and decides when it is sure (from the threshold chosen out of fold at training). An
unsure reading leaves the question to the rules: cue patterns (knowledge/intents.yaml) in file
order, because "罚多少" is a penalty question whatever else it resembles; then the nearest of each
intent's wordings by meaning; else a verdict question when it describes a product or names a
licence, `other` otherwise. Figures on the held-out writer (README): rules alone read the main intent
right 0.75 of the time; the student decides most messages and the combination more of them right.
A sure `other` that states product facts asks for a verdict on them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from bot.kb.intents import WORDING_SIMILARITY, IntentBook
from bot.kb.learned.intent import IntentStudent, cued


@dataclass(frozen=True)
class IntentGuess:
    name: str
    focus: str | None
    by: str  # "student" | "cue" | "meaning" | "default"
    similarity: float = 0.0  # the student's probability, or the nearest wording's similarity
    also: str | None = None  # a second thing the question asks ("要不要办，要多久？", "多久？怎么罚？"): answered too


class IntentClassifier:
    def __init__(self, book: IntentBook, vectors: np.ndarray, owners: list[str], student: IntentStudent | None):
        """`vectors`: one row per intent wording, `owners[i]` the intent of row i."""
        self.book, self.vectors, self.owners, self.student = book, vectors, owners, student

    def reading(self, question: str, vector: np.ndarray):
        """The student's reading of the whole message (`vector`: the e5 vector of its folded text), or
        None without a student."""
        return self.student.read(question, vector) if self.student is not None else None

    def sure(self, reading) -> str | None:
        """The reading's intent when the student is sure enough to overrule a cue, else None."""
        if reading is None or self.student is None:
            return None
        return reading.label if reading.probability >= self.student.threshold else None

    def cued(self, folded: str) -> str | None:
        """The first intent whose cue fires, or None."""
        return cued(self.book, folded)

    def focus(self, folded: str) -> str | None:
        return next((name for name, cues in self.book.focus.items() if any(c.search(folded) for c in cues)), None)

    def classify(
        self, folded: str, qvec: np.ndarray | None, describes_product: bool, reading=None, about_licences: bool = False
    ) -> IntentGuess:
        """`about_licences`: the message names a licence or a licence word; then a sure `other` does not
        overrule a cue ("if we launch without those licences, what's the worst that can happen?")."""
        guess = self._main(folded, qvec, describes_product, reading, about_licences)
        if guess.name == "verdict":
            guess = replace(guess, also=self.also(folded, reading))
        elif guess.name != "other":  # "要等多久？没证先收钱会怎么罚？": a second kind of answer, by its cue
            guess = replace(guess, also=self.cued_besides(folded, guess.name))
        return guess

    def cued_besides(self, folded: str, main: str) -> str | None:
        """An intent other than `main` whose cue fires in a question that asks for `main`."""
        beside = ("verdict", "other", main)
        return next((i.name for i in self.book.intents if i.name not in beside and i.cued(folded)), None)

    def also(self, folded: str, reading=None) -> str | None:
        """What else a verdict question asks, answered after the verdict: an intent whose cue fires
        ("要多久" beside "要不要办"), else the student's runner-up where it is at least `floor` sure (the
        sureness at which the student's reading is taken at all)."""
        beside = ("verdict", "other")
        cue = next((i.name for i in self.book.intents if i.name not in beside and i.cued(folded)), None)
        if cue or reading is None or self.student is None or reading.runner_up is None:
            return cue
        label, p = reading.runner_up
        return label if label not in beside and p >= self.student.floor else None

    def _main(
        self, folded: str, qvec: np.ndarray | None, describes_product: bool, reading=None, about_licences: bool = False
    ) -> IntentGuess:
        """`reading`: the student's (`reading()`); taken where it is sure (it overrules a cue), else a cue
        that fires, else the reading again where it is at least the student's `floor` sure, then the
        nearest intents.yaml wording, then the default. Both thresholds were chosen together at
        training, out of fold over the training writers (bot/kb/learned/intent.py)."""
        focus = self.focus(folded)
        student = self.sure(reading)
        if student == "other" and about_licences and self.cued(folded) not in (None, "verdict"):
            student = None  # "other" is what the student says of words it has not seen asked about a licence
        cue = None if student else self.cued(folded)
        if cue:
            return IntentGuess(cue, focus, "cue")
        if (
            student is None
            and reading is not None
            and self.student is not None
            and reading.probability >= self.student.floor
        ):
            student = reading.label
        if student:
            return IntentGuess("verdict" if student == "other" and describes_product else student, focus, "student")
        if qvec is not None and len(self.owners):
            scores = self.vectors @ qvec
            best = int(np.argmax(scores))
            if scores[best] >= WORDING_SIMILARITY:
                return IntentGuess(self.owners[best], focus, "meaning", float(scores[best]))
        return IntentGuess("verdict" if describes_product else "other", focus, "default")
