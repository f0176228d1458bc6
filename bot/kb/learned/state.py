"""The state student: whether a clause that names a product feature says the product has it now, or
does not (never had it, removed it, "冇語音房", "we used to … and took it out"), or plans it.

The learned reader's state task alone, shipped in `knowledge/models/state/` like the refusal student
(refusal.py): a linear model over the clause's e5 vector and character n-grams, so that negation and
dialect particles (不/没/冇/唔/未/撤了/"no longer"/"used to") count, which hand patterns of negation
words miss in every language they were not written for. Answering asks it only about clauses its
rules read as stating a feature (bot/answering/answer.py); `licensebot kb train --state` writes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable


from bot.core.settings import Settings
from bot.index.embedders import Embedder
from bot.kb.learned.models import Row
from bot.kb.learned.refusal import LinearStudent, StudentReading, fit_student, unit_vectors

TASK = "state"
LABELS = ["present", "negated", "past", "planned"]
NOT_THERE = {"negated", "past"}  # the product does not have the feature now
PRECISION = 0.95  # out-of-fold precision of "not present" the run-time threshold must reach


class StateStudent(LinearStudent):
    task = TASK


def load_state_student(settings: Settings) -> StateStudent:
    return StateStudent.shipped(settings)


def train_state_student(settings: Settings, embedder: Embedder, log: Callable[[str], None] = lambda m: None) -> Path:
    """Fit the state of each labelled clause (one row per state it gives its features) on the training
    writers, choose the threshold for precision out of fold, score on the held-out writer, write it."""
    from bot.kb.learned.reader import training_dir
    from bot.kb.learned.train import TaskData, TrainingError, fit_tfidf, load_training

    corpus = load_training(settings)
    heldout = corpus.heldout
    clauses = [(m, c) for m in corpus.messages for c in m.clauses if c.features]
    if not clauses:
        raise TrainingError(f"no clause with features in {training_dir(settings)}")
    tfidf = fit_tfidf([c.text for m, c in clauses if m.writer not in heldout])
    log(f"embedding {len(clauses)} clauses …")
    vectors = unit_vectors(settings, embedder, [c.text for _, c in clauses])
    data = TaskData(TASK, "softmax", LABELS)
    for (m, c), vec in zip(clauses, vectors):
        row = Row(vec, *tfidf.sparse_row(c.text))
        for state in sorted({s.value for s in c.features.values()}):
            data.add(row, [state], m.writer, m.lang)
    meta, arrays, test_targets, predicted = fit_student(
        StateStudent, data, tfidf, settings, embedder.name, heldout, PRECISION, log
    )
    there = test_targets[:, [LABELS.index(s) for s in NOT_THERE]].any(1)
    said = predicted[:, [LABELS.index(s) for s in NOT_THERE]].any(1)
    meta["heldout_not_there"] = {
        "precision": round(float((there & said).sum() / max(said.sum(), 1)), 3),
        "recall": round(float((there & said).sum() / max(there.sum(), 1)), 3),
        "support": int(there.sum()),
    }
    return StateStudent.write(settings, meta, arrays)


def not_there(reading: StudentReading) -> bool:
    return reading.label in NOT_THERE
