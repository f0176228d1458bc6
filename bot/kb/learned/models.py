"""The learned models as plain arrays, and their few matrix products in numpy.

Training fits scikit-learn estimators; what ships is their numbers: a linear model's coefficients
(split into the dense e5 part and the sparse n-gram part, so a message's few hundred n-grams cost a
gather, not a 30,000-wide product), or a kNN's labelled rows. Stored as arrays (npz) and JSON, never
pickles, and evaluated here without scikit-learn, so loading is fast and a tampered file cannot run
code. `Row` is one input: its dense part (e5, plus any extra numbers) and its TF-IDF columns/values.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol

import numpy as np

SCALE = float(1 / np.sqrt(2.0))  # [dense | tfidf] rows are scaled so that two unit halves make a unit row


class Row(NamedTuple):
    dense: np.ndarray
    columns: np.ndarray
    values: np.ndarray


class Model(Protocol):
    labels: list[str]
    kind: str  # "softmax": one label of `labels`; "sigmoid": each label on its own

    def proba(self, rows: list[Row]) -> np.ndarray: ...

    def arrays(self, prefix: str) -> dict[str, np.ndarray]: ...

    def meta(self) -> dict[str, Any]: ...


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


@dataclass
class LinearModel:
    """Logistic regression: softmax over `labels`, or one sigmoid per label (one-vs-rest, binary)."""

    labels: list[str]
    kind: str
    dense_coef: np.ndarray  # (labels, dense width)
    sparse_coef: np.ndarray  # (labels, tfidf width)
    intercept: np.ndarray  # (labels,)

    def proba(self, rows: list[Row]) -> np.ndarray:
        z = np.vstack([(self.dense_coef @ r.dense + self.sparse_coef[:, r.columns] @ r.values) * SCALE for r in rows])
        z = z + self.intercept
        return _softmax(z) if self.kind == "softmax" else 1.0 / (1.0 + np.exp(-z))

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {
            f"{prefix}.dense_coef": self.dense_coef,
            f"{prefix}.sparse_coef": self.sparse_coef,
            f"{prefix}.intercept": self.intercept,
        }

    def meta(self) -> dict[str, Any]:
        return {"method": "logistic", "kind": self.kind, "labels": self.labels}

    @classmethod
    def load(cls, meta: dict[str, Any], arrays: Mapping[str, np.ndarray], prefix: str) -> "LinearModel":
        model = cls(
            list(meta["labels"]),
            meta["kind"],
            arrays[f"{prefix}.dense_coef"],
            arrays[f"{prefix}.sparse_coef"],
            arrays[f"{prefix}.intercept"],
        )
        k = len(model.labels)
        if model.dense_coef.shape[0] != k or model.sparse_coef.shape[0] != k or model.intercept.shape != (k,):
            raise ValueError(f"{prefix}: arrays do not match its {k} labels")
        return model


@dataclass
class KnnModel:
    """The `k` most similar labelled rows vote, weighted by cosine similarity: "read like these"."""

    labels: list[str]
    kind: str
    k: int
    dense: np.ndarray  # (rows, dense width)
    term_ptr: np.ndarray  # tfidf of the rows, by term: rows term_rows[term_ptr[t]:term_ptr[t+1]] have term t
    term_rows: np.ndarray
    term_values: np.ndarray
    targets: np.ndarray  # (rows, labels) 0/1

    def similarities(self, row: Row) -> np.ndarray:
        sims = self.dense @ row.dense
        for column, value in zip(row.columns.tolist(), row.values.tolist()):
            start, end = self.term_ptr[column], self.term_ptr[column + 1]
            sims[self.term_rows[start:end]] += self.term_values[start:end] * value
        return np.asarray(sims * SCALE * SCALE)

    def proba(self, rows: list[Row]) -> np.ndarray:
        return self.vote(np.vstack([self.similarities(row) for row in rows]))

    def vote(self, sims: np.ndarray) -> np.ndarray:
        """Label probabilities from each input's similarities to every labelled row (inputs x rows)."""
        top = np.argsort(-sims, axis=1, kind="stable")[:, : self.k]
        weights = np.clip(np.take_along_axis(sims, top, axis=1), 1e-6, None)
        return np.asarray(np.einsum("nk,nkl->nl", weights, self.targets[top]) / weights.sum(1, keepdims=True))

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {
            f"{prefix}.dense": self.dense,
            f"{prefix}.term_ptr": self.term_ptr,
            f"{prefix}.term_rows": self.term_rows,
            f"{prefix}.term_values": self.term_values,
            f"{prefix}.targets": self.targets,
        }

    def meta(self) -> dict[str, Any]:
        return {"method": "knn", "kind": self.kind, "labels": self.labels, "k": self.k}

    @classmethod
    def load(cls, meta: dict[str, Any], arrays: Mapping[str, np.ndarray], prefix: str) -> "KnnModel":
        model = cls(
            list(meta["labels"]),
            meta["kind"],
            int(meta["k"]),
            *(arrays[f"{prefix}.{name}"] for name in ("dense", "term_ptr", "term_rows", "term_values", "targets")),
        )
        if model.targets.shape != (len(model.dense), len(model.labels)):
            raise ValueError(f"{prefix}: arrays do not match its {len(model.labels)} labels")
        return model


def load_model(meta: dict[str, Any], arrays: Mapping[str, np.ndarray], prefix: str) -> Model:
    if meta.get("method") == "logistic":
        return LinearModel.load(meta, arrays, prefix)
    if meta.get("method") == "knn":
        return KnnModel.load(meta, arrays, prefix)
    raise ValueError(f"{prefix}: unknown method {meta.get('method')!r}")
