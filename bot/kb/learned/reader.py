"""The learned reader, loaded: `reader.read(message) -> Reading`, `reader.follow_up(first, second)`.

Numpy only (no scikit-learn, no torch): the message and its pieces are embedded once (e5, as
questions are), each piece's n-grams looked up, and each task is a few small matrix products. Not
yet wired into answering: bench/reader.py compares it with today's rules on the held-out writer.
"""

from __future__ import annotations

from typing import Any

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.core.settings import Settings
from bot.core.text import fold
from bot.index.embedders import Embedder, load_embedder
from bot.kb.learned import store
from bot.kb.learned.clauses import segments
from bot.kb.learned.featurize import CharTfidf
from bot.kb.learned.models import Model, Row, load_model

TASKS = ("refusal", "intent", "features", "state", "follow_up", "person")


@dataclass(frozen=True)
class FeatureReading:
    feature: str
    state: str  # present / negated / past / planned
    score: float  # probability that the clause states the feature
    state_probability: float


@dataclass(frozen=True)
class ClauseReading:
    text: str  # a verbatim piece of the message
    features: tuple[FeatureReading, ...]


@dataclass(frozen=True)
class Reading:
    message: str
    refusal: str  # none / forgery / renting / evasion / unrelated / injection
    refusal_probability: float  # of that class (of `none`: 1 - the probability of any refusal)
    intent: str
    intents: tuple[tuple[str, float], ...]  # every intent above the floor, most probable first
    clauses: tuple[ClauseReading, ...] = field(default=())
    asks_for_person: bool = False
    person_probability: float = 0.0

    @property
    def features(self) -> dict[str, str]:
        """Feature -> state, each from the clause that states it most surely."""
        best: dict[str, FeatureReading] = {}
        for clause in self.clauses:
            for f in clause.features:
                if f.feature not in best or f.score > best[f.feature].score:
                    best[f.feature] = f
        return {k: f.state for k, f in best.items()}


@dataclass(frozen=True)
class FollowUp:
    follow_up: bool
    probability: float


def unit(matrix: np.ndarray) -> np.ndarray:
    return np.asarray(matrix / np.maximum(np.linalg.norm(matrix, axis=-1, keepdims=True), 1e-9))


def pair_extras(first: np.ndarray, second: np.ndarray, tfidf_cosine: float) -> np.ndarray:
    """What a pair adds to its second message's row: how close the two are (e5, n-grams)."""
    return np.asarray([float(first @ second), tfidf_cosine], np.float32)


class Reader:
    def __init__(self, meta: dict[str, Any], arrays: dict[str, np.ndarray], embedder: Embedder):
        try:
            self.tfidf = CharTfidf({t: i for i, t in enumerate(meta["vocabulary"])}, arrays["tfidf.idf"])
            self.models: dict[str, Model] = {task: load_model(meta["tasks"][task], arrays, task) for task in TASKS}
            self.thresholds = {task: float(meta["tasks"][task].get("threshold", 0.5)) for task in TASKS}
        except (KeyError, TypeError, ValueError) as exc:
            raise store.ReaderNotReady(
                f"the learned reader's files do not fit together ({exc}): run `licensebot kb train`"
            ) from None
        self.meta, self.embedder = meta, embedder

    def _rows(self, texts: list[str], vectors: np.ndarray) -> list[Row]:
        return [Row(v, *self.tfidf.sparse_row(t)) for t, v in zip(texts, vectors)]

    def _embed(self, texts: list[str]) -> np.ndarray:
        return unit(np.asarray(self.embedder.embed_queries([fold(t) for t in texts]), np.float32))

    def read(self, message: str) -> Reading:
        pieces = list(dict.fromkeys(segments(message))) or [message]
        vectors = self._embed([message] + pieces)
        row = self._rows([message], vectors[:1])
        refusal = self._refusal(self.models["refusal"].proba(row)[0])
        intents = self.models["intent"].proba(row)[0]
        order = np.argsort(-intents, kind="stable")
        labels = self.models["intent"].labels
        person = float(self.models["person"].proba(row)[0][0])
        return Reading(
            message,
            *refusal,
            labels[order[0]],
            tuple((labels[i], round(float(intents[i]), 4)) for i in order if intents[i] >= 0.2 or i == order[0]),
            self.clauses(pieces, vectors[1:]),
            person >= self.thresholds["person"],
            round(person, 4),
        )

    def _refusal(self, p: np.ndarray) -> tuple[str, float]:
        labels = self.models["refusal"].labels
        none = labels.index("none")
        refuse = 1.0 - float(p[none])
        if refuse < self.thresholds["refusal"]:
            return "none", round(1.0 - refuse, 4)
        best = max((i for i in range(len(labels)) if i != none), key=lambda i: p[i])
        return labels[best], round(float(p[best]), 4)

    def clauses(self, pieces: list[str], vectors: np.ndarray) -> tuple[ClauseReading, ...]:
        """Features per piece; a feature's state is read from its piece and, when the next piece states
        no feature, that piece too ("以前有多人连麦，上个月下掉了")."""
        model, threshold = self.models["features"], self.thresholds["features"]
        probs = model.proba(self._rows(pieces, vectors))
        found = [
            [(model.labels[j], float(p[j])) for j in np.argsort(-p, kind="stable") if p[j] >= threshold] for p in probs
        ]
        windows = [
            piece + ("，" + pieces[i + 1] if i + 1 < len(pieces) and not found[i + 1] else "")
            for i, piece in enumerate(pieces)
        ]
        stated = [i for i, f in enumerate(found) if f]
        states: np.ndarray | list[np.ndarray] = (
            self.models["state"].proba([Row(vectors[i], *self.tfidf.sparse_row(windows[i])) for i in stated])
            if stated
            else []
        )
        out = []
        for i, piece in enumerate(pieces):
            readings: tuple[FeatureReading, ...] = ()
            if found[i]:
                p = states[stated.index(i)]
                s = int(np.argmax(p))
                readings = tuple(
                    FeatureReading(f, self.models["state"].labels[s], round(score, 4), round(float(p[s]), 4))
                    for f, score in found[i]
                )
            out.append(ClauseReading(piece, readings))
        return tuple(out)

    def follow_up(self, first: str, second: str) -> FollowUp:
        """Whether `second` leans on `first` (it cannot be answered alone) or is a new question."""
        vectors = self._embed([first, second])
        (c1, v1), (c2, v2) = self.tfidf.sparse_row(first), self.tfidf.sparse_row(second)
        common, i1, i2 = np.intersect1d(c1, c2, return_indices=True)
        extras = pair_extras(vectors[0], vectors[1], float(v1[i1] @ v2[i2]) if len(common) else 0.0)
        p = float(self.models["follow_up"].proba([Row(np.concatenate([vectors[1], extras]), c2, v2)])[0][0])
        return FollowUp(p >= self.thresholds["follow_up"], round(p, 4))


def load_reader(settings: Settings, embedder: Embedder | None = None) -> Reader:
    """The reader trained for this corpus and embedder; ReaderNotReady (one line) otherwise."""
    folder = store.reader_dir(settings.data_dir)
    meta, arrays = store.load(folder, training_dir(settings), settings.embedder)
    return Reader(meta, arrays, embedder or load_embedder(settings.embedder))


def training_dir(settings: Settings) -> Path:
    return settings.knowledge_dir / "training"


def training_needed(settings: Settings) -> str | None:
    """Why `licensebot ingest` should train the reader now (missing, unreadable, stale), or None; None
    too when there is no training corpus to train on."""
    if not any(training_dir(settings).glob("*.jsonl")):
        return None
    try:
        meta = store.read_meta(store.reader_dir(settings.data_dir))
    except store.ReaderNotReady as exc:
        return str(exc).split(": run `")[0]
    return store.stale_reason(meta, training_dir(settings), settings.embedder)
