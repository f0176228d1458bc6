"""The feature student: which product features of rules.yaml a clause describes, whatever words it
uses ("老师自己挂课，我们抽成" is a merchant platform; "people hop into a room and talk while they
play" a voice chat room).

The learned reader's clause-feature task alone (multi-label: one sigmoid per feature), shipped in
`knowledge/models/features/` like the refusal and state students (refusal.py): a linear model over
the clause's e5 vector and its character n-grams, trained on the writers' labelled clauses (a
feature in any state: whether the product has it is the state student's question) and on the
pieces of their messages that state no feature, hard negatives included ("语音客服电话"). It
replaces reading features by meaning as similarity to a few wordings per feature with z-score
thresholds swept on the eval suites (facts.py before): `licensebot kb train --features` writes it
and the model card compares both on the held-out writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from bot.core.settings import Settings
from bot.index.embedders import Embedder
from bot.kb.learned import store
from bot.kb.learned.models import Row
from bot.kb.learned.refusal import LinearStudent, unit_vectors

if TYPE_CHECKING:
    from bot.kb.learned.train import TaskData

TASK = "features"
WORDINGS = "rules.yaml"  # the writer of the rows from rules.yaml's wordings (never held out)
PRECISION = 0.8  # out-of-fold micro precision, message by message, the run-time threshold must reach at least
SURE_PRECISION = 0.9  # out of fold: a reading from this precision up is sure (it stands beside a contradicting one)
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.2, 0.96, 0.05))


class FeatureStudent(LinearStudent):
    task = TASK

    @property
    def sure(self) -> float:
        """The probability from which a reading is sure: the lowest threshold whose out-of-fold
        precision (recorded at training) reaches SURE_PRECISION."""
        curve = self.meta.get("out_of_fold", {})
        return min((float(t) for t, v in curve.items() if v["precision"] >= SURE_PRECISION), default=1.0)

    def read(self, clauses: dict[str, np.ndarray]) -> dict[str, tuple[float, list[str]]]:  # type: ignore[override]
        """The features a message's clauses (text -> e5 vector) describe, from the threshold up, surest
        first: each with its message-level probability (combine) and the clauses that state it surely
        on their own (from the threshold), surest first; at least the surest one."""
        if not clauses:
            return {}
        texts = list(clauses)
        probs = self.clause_probabilities(clauses)
        said = {}
        for j, p in enumerate(combine(probs)):
            if p >= self.threshold:
                order = [int(i) for i in np.argsort(-probs[:, j], kind="stable")]
                stating = [texts[i] for n, i in enumerate(order) if n == 0 or probs[i, j] >= self.threshold]
                said[self.model.labels[j]] = (round(float(p), 4), stating)
        return dict(sorted(said.items(), key=lambda kv: -kv[1][0]))

    def clause_probabilities(self, clauses: dict[str, np.ndarray]) -> np.ndarray:
        """(clauses, features): the probability that each clause states each feature (model.labels)."""
        rows = []
        for text, vector in clauses.items():
            dense = np.asarray(vector, np.float32)
            rows.append(Row(dense / max(float(np.linalg.norm(dense)), 1e-9), *self.tfidf.sparse_row(text)))
        return self.model.proba(rows)


def combine(probs: np.ndarray) -> np.ndarray:
    """Per feature, the chance that at least one of the two clauses surest of it states it (noisy-OR):
    a customer often tells a feature over two clauses ("阿姨自己在上面接单，我们每单抽一成"), each of
    which alone says it only half; two is the most that add up, so a long message's many faint
    clauses do not."""
    top = -np.sort(-probs, axis=0)[:2]
    return np.asarray(1.0 - np.prod(1.0 - top, axis=0))


def load_feature_student(settings: Settings) -> FeatureStudent:
    return FeatureStudent.shipped(settings)


def _by_message(probs: np.ndarray, targets: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Message-level probabilities (combine) and truth (any clause) from rows grouped by message."""
    keys = list(dict.fromkeys(groups.tolist()))
    p = np.vstack([combine(probs[groups == g]) for g in keys])
    t = np.vstack([targets[groups == g].any(0) for g in keys])
    return p, t


def _threshold(
    data: TaskData, writers: np.ndarray, groups: np.ndarray, heldout: list[str], width: int
) -> tuple[float, dict[str, Any]]:
    """The threshold with the best out-of-fold micro F1, message by message, over the training writers
    (each writer's messages read by a model fitted on the others and rules.yaml's wordings), among
    those whose precision reaches PRECISION."""
    from bot.kb.learned.train import fit_logistic

    probs, truth = [], []
    for writer in sorted(set(writers) - set(heldout) - {WORDINGS}):
        rows, targets = data.part(~np.isin(writers, heldout + [writer]))
        test_rows, test_targets = data.part(writers == writer)
        if test_rows:
            p, t = _by_message(
                fit_logistic(data, rows, targets, width).proba(test_rows), test_targets, groups[writers == writer]
            )
            probs.append(p)
            truth.append(t)
    p, t = np.vstack(probs), np.vstack(truth)
    curve = {}
    for th in THRESHOLDS:
        said = p >= th
        curve[th] = (float((said & t).sum() / max(said.sum(), 1)), float((said & t).sum() / max(t.sum(), 1)))
    # the best out-of-fold F1 (a missed feature is as wrong an answer as an invented one: "unknown"
    # where the articles answer), among thresholds precise enough
    precise = [th for th in THRESHOLDS if curve[th][0] >= PRECISION] or [THRESHOLDS[-1]]
    chosen = max(precise, key=lambda th: (round(2 * curve[th][0] * curve[th][1] / max(sum(curve[th]), 1e-9), 3), th))
    return chosen, {str(th): {"precision": round(a, 3), "recall": round(b, 3)} for th, (a, b) in curve.items()}


def train_feature_student(settings: Settings, embedder: Embedder, log: Callable[[str], None] = lambda m: None) -> Path:
    """Fit on the training writers' clauses and feature-less pieces, choose the threshold out of fold,
    score per feature on the held-out writer, write it to knowledge/models/features/."""
    from bot.kb.catalog import load_catalog
    from bot.kb.learned.card import scores
    from bot.kb.learned.clauses import negatives
    from bot.kb.learned.reader import training_dir
    from bot.kb.learned.train import TaskData, fit_logistic, fit_tfidf, load_training

    corpus = load_training(settings)
    heldout = corpus.heldout
    catalog = load_catalog(settings.knowledge_dir)
    labels = sorted(catalog.features)
    texts = [(m, c.text, list(c.features)) for m in corpus.messages for c in m.clauses]
    texts += [(m, piece, []) for m in corpus.messages for piece in negatives(m.text, [c.text for c in m.clauses])]
    texts.sort(key=lambda t: t[0].id)  # a message's rows together
    tfidf = fit_tfidf([t for m, t, _ in texts if m.writer not in heldout])
    log(f"embedding {len(texts)} clauses and pieces …")
    vectors = unit_vectors(settings, embedder, [t for _, t, _ in texts])
    data = TaskData(TASK, "sigmoid", labels, balanced=True)
    for (m, text, features), vec in zip(texts, vectors):
        data.add(Row(vec, *tfidf.sparse_row(text)), features, m.writer, m.lang)
    # rules.yaml's wordings of each feature teach too (a feature new to the catalogue starts from them)
    wordings = [(w, key) for key in labels for w in catalog.features[key].wordings]
    for (text, key), vec in zip(wordings, unit_vectors(settings, embedder, [w for w, _ in wordings])):
        data.add(Row(vec, *tfidf.sparse_row(text)), [key], WORDINGS, "rules")
    writers = np.asarray(data.writers)
    groups = np.asarray([m.id for m, _, _ in texts] + [f"{WORDINGS}:{i}" for i in range(len(wordings))])
    threshold, curve = _threshold(data, writers, groups, sorted(heldout), tfidf.width)
    rows, targets = data.part(~np.isin(writers, sorted(heldout)))
    log(f"training {TASK} on {len(rows)} rows (threshold {threshold}) …")
    model = fit_logistic(data, rows, targets, tfidf.width)
    meta = {
        "embedder": embedder.name,
        "corpus_sha256": store.corpus_hash(training_dir(settings)),
        "heldout": sorted(heldout),
        "vocabulary": list(tfidf.vocabulary),
        "out_of_fold": curve,
        "tasks": {TASK: {**model.meta(), "threshold": threshold}},
    }
    arrays = {"tfidf.idf": tfidf.idf, **model.arrays(TASK)}
    test = np.isin(writers, sorted(heldout))
    test_rows, test_targets = data.part(test)
    if test_rows:  # message by message, as answering reads them
        p, t = _by_message(model.proba(test_rows), test_targets, groups[test])
        meta["heldout_figures"] = scores(TASK, labels, t.astype(np.int8), (p >= threshold).astype(np.int8))
    return FeatureStudent.write(settings, meta, arrays)
