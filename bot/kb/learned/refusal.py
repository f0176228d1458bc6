"""The refusal student: the learned reader's refusal task alone, shipped with the knowledge.

The full reader (reader.py) is trained into the data directory and takes minutes (it embeds every
clause); whether a message must be refused needs only the message itself, so its model trains in
seconds and is small enough (a linear model over e5 and character n-grams) to ship in
`knowledge/models/refusal/` (the store's format: model.json + model.npz, no pickle). Answering then
refuses a forgery, renting, evasion, injection or unrelated request worded in a way no pattern of
glossary.yaml knows, on a fresh clone, without training first. `licensebot kb train --refusal`
writes it; a test fails when the training data changed and the shipped student was not retrained.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Self

import numpy as np

from bot.core.settings import Settings
from bot.core.text import fold
from bot.kb.learned import store
from bot.kb.learned.featurize import CharTfidf
from bot.kb.learned.models import LinearModel, Row

if TYPE_CHECKING:
    from bot.index.embedders import Embedder
    from bot.kb.learned.train import TaskData

TASK = "refusal"
NONE = "none"
PRECISION = 0.97  # out-of-fold precision of refusing that the run-time threshold must reach
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.3, 0.96, 0.05))


@dataclass(frozen=True)
class StudentReading:
    label: str  # refusal: none / forgery / renting / evasion / unrelated / injection; state: present / negated / past / planned
    probability: float  # of that label; for the first label, 1 - the probability of any other
    runner_up: tuple[str, float] | None = None  # intent: the next likeliest label and its probability


RefusalReading = StudentReading


def student_dir(knowledge_dir: Path) -> Path:
    return RefusalStudent.folder(knowledge_dir)


class LinearStudent:
    """One task of the learned reader, shipped: a linear model over a text's e5 vector and its
    character n-grams. The first label is the default ("none", "present"); any other is said only
    when the probability of leaving the default reaches `threshold` (chosen at training, by
    leave-one-writer-out over the training writers, for precision)."""

    task = TASK

    def __init__(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]):
        try:
            self.tfidf = CharTfidf({t: i for i, t in enumerate(meta["vocabulary"])}, arrays["tfidf.idf"])
            self.model = LinearModel.load(meta["tasks"][self.task], arrays, self.task)
            self.threshold = float(meta["tasks"][self.task]["threshold"])
        except (KeyError, TypeError, ValueError) as exc:
            raise store.ReaderNotReady(
                f"the {self.task} student's files do not fit together ({exc}): "
                f"run `licensebot kb train --{self.task.replace('_', '-')}`"
            ) from None
        self.meta = meta

    @classmethod
    def folder(cls, knowledge_dir: Path) -> Path:
        """Where the student is shipped: knowledge/models/<task>/."""
        return knowledge_dir / "models" / cls.task

    @classmethod
    def shipped(cls, settings: Settings) -> Self:
        """The shipped student when it fits this corpus and embedder; ReaderNotReady (one line) otherwise."""
        from bot.kb.learned.reader import training_dir

        meta, arrays = store.load(cls.folder(settings.knowledge_dir), training_dir(settings), settings.embedder)
        return cls(meta, arrays)

    @classmethod
    def write(cls, settings: Settings, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Path:
        folder = cls.folder(settings.knowledge_dir)
        store.save(folder, meta, arrays)
        return folder

    def read(self, text: str, vector: np.ndarray) -> RefusalReading:
        """`vector`: the e5 query vector of fold(text), as answering already has it."""
        dense = np.asarray(vector, np.float32)
        return self.read_row(Row(dense / max(float(np.linalg.norm(dense)), 1e-9), *self.tfidf.sparse_row(text)))

    def read_row(self, row: Row) -> RefusalReading:
        return _reading(self.model.labels, self.model.proba([row])[0], self.threshold)


class RefusalStudent(LinearStudent):
    task = TASK

    def leaning(self, text: str, vector: np.ndarray) -> str:
        """The class the message is likeliest to be refused as, however unsure (never "none")."""
        dense = np.asarray(vector, np.float32)
        p = self.model.proba([Row(dense / max(float(np.linalg.norm(dense)), 1e-9), *self.tfidf.sparse_row(text))])[0]
        return self.model.labels[int(np.argmax(p[1:])) + 1]


def _reading(labels: list[str], p: np.ndarray, threshold: float) -> RefusalReading:
    leave = 1.0 - float(p[0])
    if leave < threshold:
        return RefusalReading(labels[0], round(1.0 - leave, 4))
    best = int(np.argmax(p[1:])) + 1
    return RefusalReading(labels[best], round(float(p[best]), 4))


def precise_threshold(
    data: TaskData, writers: np.ndarray, training: list[str], width: int, precision: float = 0.97
) -> tuple[float, dict[str, Any]]:
    """The lowest threshold whose out-of-fold precision of leaving the first label (refusing at all;
    a feature not present) over the training writers is at least `precision`, each writer's rows
    predicted by a model fitted on the others."""
    from bot.kb.learned.train import fit_logistic

    refuse_p, truth = [], []
    for writer in training:
        rows, targets = data.part(np.isin(writers, [w for w in training if w != writer]))
        test_rows, test_targets = data.part(writers == writer)
        if not test_rows:
            continue
        model = fit_logistic(data, rows, targets, width)
        refuse_p += list(1.0 - model.proba(test_rows)[:, 0])
        truth += list(test_targets[:, 0] == 0)
    probs, truth_a = np.asarray(refuse_p), np.asarray(truth)
    curve = {}
    for t in THRESHOLDS:
        said = probs >= t
        curve[t] = (
            float((said & truth_a).sum() / max(said.sum(), 1)),
            float((said & truth_a).sum() / max(truth_a.sum(), 1)),
        )
    chosen = next((t for t in THRESHOLDS if curve[t][0] >= precision), THRESHOLDS[-1])
    return chosen, {str(t): {"precision": round(p, 3), "recall": round(r, 3)} for t, (p, r) in curve.items()}


def load_student(settings: Settings) -> RefusalStudent:
    return RefusalStudent.shipped(settings)


def unit_vectors(settings: Settings, embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Unit-length e5 query vectors of `texts`, through the training vector cache."""
    from bot.kb.learned.vectors import VectorCache

    vectors = VectorCache(settings.data_dir, embedder.name).vectors(texts, embedder)
    return np.asarray(vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9), dtype=np.float32)


def fit_student(
    cls: type[LinearStudent],
    data: TaskData,
    tfidf: CharTfidf,
    settings: Settings,
    embedder_name: str,
    heldout: frozenset[str],
    precision: float,
    log: Callable[[str], None],
) -> tuple[dict[str, Any], dict[str, Any], np.ndarray, np.ndarray]:
    """A student of `cls.task` fitted on the training writers' rows of `data`, its threshold chosen
    out of fold for `precision`, and scored on the held-out writer: (meta, arrays, the held-out
    writer's 0/1 truth and predictions)."""
    from bot.kb.learned.card import scores
    from bot.kb.learned.reader import training_dir
    from bot.kb.learned.train import fit_logistic

    writers = np.asarray(data.writers)
    threshold, curve = precise_threshold(data, writers, sorted(set(data.writers) - heldout), tfidf.width, precision)
    rows, targets = data.part(~np.isin(writers, sorted(heldout)))
    log(f"training {cls.task} on {len(rows)} rows (threshold {threshold}) …")
    model = fit_logistic(data, rows, targets, tfidf.width)
    meta = {
        "embedder": embedder_name,
        "corpus_sha256": store.corpus_hash(training_dir(settings)),
        "heldout": sorted(heldout),
        "vocabulary": list(tfidf.vocabulary),
        "out_of_fold": curve,
        "tasks": {cls.task: {**model.meta(), "threshold": threshold}},
    }
    arrays = {"tfidf.idf": tfidf.idf, **model.arrays(cls.task)}
    student = cls(meta, arrays)
    test_rows, test_targets = data.part(np.isin(writers, sorted(heldout)))
    predicted = np.zeros_like(test_targets)
    for i, row in enumerate(test_rows):
        predicted[i, data.labels.index(student.read_row(row).label)] = 1
    meta["heldout_figures"] = scores(cls.task, data.labels, test_targets, predicted)
    return meta, arrays, test_targets, predicted


def train_student(settings: Settings, embedder: Embedder, log: Callable[[str], None] = lambda m: None) -> Path:
    """Fit the refusal class of each message on the training writers, score it on the held-out writer
    beside the glossary's patterns, and write it to knowledge/models/refusal/."""
    from bot.kb.learned.card import scores
    from bot.kb.learned.train import TaskData, fit_tfidf, load_training

    corpus = load_training(settings)
    heldout = corpus.heldout
    tfidf = fit_tfidf([m.text for m in corpus.messages if m.writer not in heldout])
    log(f"embedding {len(corpus.messages)} messages …")
    vectors = unit_vectors(settings, embedder, [m.text for m in corpus.messages])
    data = TaskData(TASK, "softmax", [NONE, "forgery", "renting", "evasion", "unrelated", "injection"])
    for m, vec in zip(corpus.messages, vectors):
        data.add(Row(vec, *tfidf.sparse_row(m.text)), [m.refusal.value], m.writer, m.lang)
    meta, arrays, test_targets, predicted = fit_student(
        RefusalStudent, data, tfidf, settings, embedder.name, heldout, PRECISION, log
    )
    by_patterns = _by_patterns(settings, data.labels, [m.text for m in corpus.messages if m.writer in heldout])
    meta["heldout_patterns"] = scores(TASK, data.labels, test_targets, by_patterns)
    # as answering decides: a pattern's class when one matches, else the student's
    meta["heldout_answering"] = scores(
        TASK, data.labels, test_targets, np.where(by_patterns[:, :1] == 0, by_patterns, predicted).astype(np.int8)
    )
    return RefusalStudent.write(settings, meta, arrays)


def _by_patterns(settings: Settings, labels: list[str], texts: list[str]) -> np.ndarray:
    """What glossary.yaml's refusal patterns say of `texts`, as 0/1 rows (the baseline the card shows)."""
    from bot.kb.catalog import load_catalog

    glossary = load_catalog(settings.knowledge_dir).glossary
    out = np.zeros((len(texts), len(labels)), np.int8)
    for i, text in enumerate(texts):
        refusal = glossary.refused(fold(text))
        kind = refusal.kind if refusal is not None else NONE
        out[i, labels.index(kind) if kind in labels else 0] = 1
    return out
