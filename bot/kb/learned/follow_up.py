"""The follow-up student: whether a message leans on the one before it ("那如果只有1对1视频呢？", "and
how long does that take?", "咁如果冇語音房呢") or brings its own subject ("EDI是什么？" after a question
about voice rooms), read from the pair as the learned reader's follow-up task.

A linear model over the second message's e5 vector and character n-grams, beside how close the two
messages are (e5 cosine, n-gram cosine). Two classes, `new` the default: a message is read as a
follow-up only from the threshold chosen at training for precision out of fold over the training
writers, and as new below the mirror threshold; in between (and without a student, or without the
previous question) the rules of bot/answering/understand.py decide. Shipped in
`knowledge/models/follow_up/`; `licensebot kb train --follow-up` writes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from bot.core.settings import Settings
from bot.index.embedders import Embedder
from bot.kb.learned.featurize import CharTfidf
from bot.kb.learned.models import Row
from bot.kb.learned.reader import pair_extras
from bot.kb.learned.refusal import LinearStudent, StudentReading, fit_student, unit_vectors

TASK = "follow_up"
LABELS = ["new", "follow_up"]
PRECISION = 0.9  # out-of-fold precision of "follow-up" the run-time threshold must reach


class FollowUpStudent(LinearStudent):
    task = TASK

    def read_pair(self, first: str, second: str, v1: np.ndarray, v2: np.ndarray) -> StudentReading:
        """`v1`, `v2`: the e5 query vectors of the folded messages."""
        return self.read_row(pair_row(self.tfidf, first, second, _unit(v1), _unit(v2)))

    def says(self, reading: StudentReading) -> bool | None:
        """True: a follow-up; False: surely a new question; None: unsure (the rules decide)."""
        if reading.label == "follow_up":
            return True
        return False if reading.probability >= self.threshold else None


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, np.float32)
    return v / max(float(np.linalg.norm(v)), 1e-9)


def pair_row(tfidf: CharTfidf, first: str, second: str, v1: np.ndarray, v2: np.ndarray) -> Row:
    (c1, x1), (c2, x2) = tfidf.sparse_row(first), tfidf.sparse_row(second)
    common, i1, i2 = np.intersect1d(c1, c2, return_indices=True)
    extras = pair_extras(v1, v2, float(x1[i1] @ x2[i2]) if len(common) else 0.0)
    return Row(np.concatenate([v2, extras]), c2, x2)


def load_follow_up_student(settings: Settings) -> FollowUpStudent:
    return FollowUpStudent.shipped(settings)


def train_follow_up_student(
    settings: Settings, embedder: Embedder, log: Callable[[str], None] = lambda m: None
) -> Path:
    """Fit the labelled pairs of the training writers, choose the threshold for precision out of
    fold, score on the held-out writer, write it."""
    from bot.kb.learned.train import TaskData, TrainingError, fit_tfidf, load_training

    corpus = load_training(settings)
    heldout = corpus.heldout
    if not corpus.pairs:
        raise TrainingError("no conversation pairs in the training data")
    tfidf = fit_tfidf(
        [m.text for m in corpus.messages if m.writer not in heldout]
        + [t for p in corpus.pairs if p.writer not in heldout for t in (p.first, p.second)]
    )
    log(f"embedding {len(corpus.pairs)} pairs …")
    firsts = unit_vectors(settings, embedder, [p.first for p in corpus.pairs])
    seconds = unit_vectors(settings, embedder, [p.second for p in corpus.pairs])
    data = TaskData(TASK, "softmax", LABELS)
    for p, v1, v2 in zip(corpus.pairs, firsts, seconds):
        data.add(pair_row(tfidf, p.first, p.second, v1, v2), [LABELS[int(p.follow_up)]], p.writer, p.lang)
    meta, arrays, _, _ = fit_student(FollowUpStudent, data, tfidf, settings, embedder.name, heldout, PRECISION, log)
    return FollowUpStudent.write(settings, meta, arrays)
