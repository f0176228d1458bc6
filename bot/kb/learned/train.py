"""`licensebot kb train`: the learned reader from the labelled corpus (knowledge/training/).

Six tasks, each on frozen e5 vectors beside character n-gram TF-IDF (featurize.py): the refusal
class, the main intent and asking for a person (per message); the product features a clause states
(multi-label; pieces of messages that state none are the negatives) and the state of a feature in
its clause; follow-up or new question (per pair). For each task logistic regression and a kNN over
the labelled rows are fitted; thresholds and k are chosen by leave-one-writer-out over the training
writers, never on the held-out writer (HELDOUT) and never on eval suites; then both are scored on the
held-out writer and the better one is kept (the model card says which). Deterministic: the same
corpus and vectors give the same bytes.
"""

from __future__ import annotations

from typing import Any

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.core.errors import NotReady
from bot.core.settings import Settings
from bot.index.embedders import Embedder
from bot.kb.learned import store
from bot.kb.learned.card import card_json, card_markdown, evaluate_messages, scores
from bot.kb.learned.clauses import negatives
from bot.kb.learned.featurize import CharTfidf, analyzer
from bot.kb.learned.models import SCALE, KnnModel, LinearModel, Model, Row
from bot.kb.learned.reader import Reader, pair_extras, training_dir
from bot.kb.learned.vectors import CachedEmbedder, VectorCache
from bot.kb.training import Corpus, load_corpus, vocabulary

C = 4.0  # inverse regularisation of every logistic regression (rows are unit length)
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.1, 0.91, 0.05))
KS = (5, 15)
THRESHOLDED = {"refusal", "features", "follow_up", "person"}


class TrainingError(NotReady):
    """The corpus cannot be trained on as it is (its problems are named file:line)."""


@dataclass
class TaskData:
    """One task's rows: `targets[i]` the 0/1 labels of row i, `writers[i]` who wrote it."""

    name: str
    kind: str  # softmax | sigmoid
    labels: list[str]
    rows: list[Row] = field(default_factory=list)
    targets: list[list[int]] = field(default_factory=list)
    writers: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    balanced: bool = False  # weigh a label's few examples as much as another's many
    c: float = C  # inverse regularisation of its logistic regression

    def add(self, row: Row, labels: list[str], writer: str, lang: str) -> None:
        self.rows.append(row)
        self.targets.append([int(label in labels) for label in self.labels])
        self.writers.append(writer)
        self.langs.append(lang)

    def part(self, keep: np.ndarray) -> tuple[list[Row], np.ndarray]:
        return [r for r, k in zip(self.rows, keep) if k], np.asarray(self.targets, np.int8)[keep]


def decide(task: str, kind: str, labels: list[str], probs: np.ndarray, threshold: float) -> np.ndarray:
    """0/1 predictions from probabilities, as the run-time reader decides them."""
    out = np.zeros_like(probs, dtype=np.int8)
    if task == "refusal":
        none = labels.index("none")
        others = probs.copy()
        others[:, none] = -1
        refused = 1.0 - probs[:, none] >= threshold
        out[np.arange(len(probs)), np.where(refused, others.argmax(1), none)] = 1
    elif kind == "softmax":
        out[np.arange(len(probs)), probs.argmax(1)] = 1
    else:
        out[probs >= threshold] = 1
    return out


def _tfidf_matrix(rows: list[Row], width: int) -> sp.csr_matrix:
    indptr = np.cumsum([0] + [len(r.columns) for r in rows])
    return sp.csr_matrix(
        (np.concatenate([r.values for r in rows]), np.concatenate([r.columns for r in rows]), indptr),
        shape=(len(rows), width),
    )


def _matrix(rows: list[Row], width: int) -> sp.csr_matrix:
    """The rows as scikit-learn sees them: [dense | tfidf] scaled as the run-time reader scales them."""
    dense = sp.csr_matrix(np.vstack([r.dense for r in rows]))
    return (sp.hstack([dense, _tfidf_matrix(rows, width)]).tocsr() * SCALE).astype(np.float64)


def fit_logistic(data: TaskData, rows: list[Row], targets: np.ndarray, width: int) -> LinearModel:
    x = _matrix(rows, width)
    dense_width = len(rows[0].dense)
    k = len(data.labels)
    coef, intercept = np.zeros((k, x.shape[1])), np.full(k, -20.0)
    if data.kind == "softmax":
        y = targets.argmax(1)
        present = np.unique(y)
        if len(present) == 1:  # one class only (a small fold): it is certain
            intercept[present[0]] = 0.0
            coef = coef.astype(np.float32)
            return LinearModel(
                data.labels, data.kind, coef[:, :dense_width], coef[:, dense_width:], intercept.astype(np.float32)
            )
        fitted = LogisticRegression(
            C=data.c, max_iter=1000 if data.balanced else 500, class_weight="balanced" if data.balanced else None
        ).fit(x, y)
        if len(present) == 2:  # sklearn fits one row for two classes: the second class's logit
            coef[present[1]], intercept[present[1]] = fitted.coef_[0], fitted.intercept_[0]
            intercept[present[0]] = 0.0
        else:
            coef[present], intercept[present] = fitted.coef_, fitted.intercept_
    else:
        for j in range(k):
            column = targets[:, j]
            if column.min() == column.max():
                intercept[j] = 20.0 if column[0] else -20.0
                continue
            fitted = LogisticRegression(
                C=data.c, solver="liblinear", random_state=0, class_weight="balanced" if data.balanced else None
            ).fit(x, column)
            coef[j], intercept[j] = fitted.coef_[0], fitted.intercept_[0]
    coef = coef.astype(np.float32)
    return LinearModel(
        data.labels, data.kind, coef[:, :dense_width], coef[:, dense_width:], intercept.astype(np.float32)
    )


def fit_knn(data: TaskData, rows: list[Row], targets: np.ndarray, width: int, k: int) -> KnnModel:
    tfidf = _tfidf_matrix(rows, width).tocsc()
    return KnnModel(
        data.labels,
        data.kind,
        k,
        np.vstack([r.dense for r in rows]).astype(np.float32),
        tfidf.indptr.astype(np.int32),
        tfidf.indices.astype(np.int32),
        tfidf.data.astype(np.float32),
        targets.astype(np.float32),
    )


@dataclass
class Fitted:
    model: Model
    threshold: float
    heldout_score: float
    k: int | None = None


def _fit(data: TaskData, method: str, rows: list[Row], targets: np.ndarray, width: int, k: int) -> Model:
    return fit_logistic(data, rows, targets, width) if method == "logistic" else fit_knn(data, rows, targets, width, k)


def _proba(model: Model, rows: list[Row], width: int) -> np.ndarray:
    """The model's probabilities for many rows at once (a kNN's similarities as one sparse product;
    the same vote as at run time)."""
    if isinstance(model, KnnModel):
        train_tfidf = sp.csc_matrix(
            (model.term_values, model.term_rows, model.term_ptr), shape=(len(model.dense), width)
        ).tocsr()
        sims = (
            np.vstack([r.dense for r in rows]) @ model.dense.T + (_tfidf_matrix(rows, width) @ train_tfidf.T).toarray()
        )
        return model.vote(sims * SCALE * SCALE)
    return model.proba(rows)


def choose(data: TaskData, method: str, heldout: frozenset[str], width: int) -> Fitted:
    """Threshold (and k) by leave-one-writer-out over the training writers; then fit on all of them
    and score on the held-out writer."""
    writers = np.asarray(data.writers)
    training = sorted(set(data.writers) - heldout)
    options = [
        (k, t) for k in (KS if method == "knn" else (0,)) for t in (THRESHOLDS if data.name in THRESHOLDED else (0.5,))
    ]
    out_of_fold: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {k: [] for k, _ in options}
    for writer in training if len(options) > 1 else ():
        fit_rows, fit_targets = data.part(np.isin(writers, [w for w in training if w != writer]))
        test_rows, test_targets = data.part(writers == writer)
        if not test_rows:
            continue
        for k in out_of_fold:
            model = _fit(data, method, fit_rows, fit_targets, width, k)
            out_of_fold[k].append((_proba(model, test_rows, width), test_targets))
    best_k, best_t = (
        options[0]
        if len(options) == 1
        else max(options, key=lambda o: (round(_oof_score(data, out_of_fold[o[0]], o[1]), 6), -abs(o[1] - 0.5)))
    )
    rows, targets = data.part(~np.isin(writers, list(heldout)))
    model = _fit(data, method, rows, targets, width, best_k)
    test_rows, test_targets = data.part(np.isin(writers, list(heldout)))
    score = scores(
        data.name,
        data.labels,
        test_targets,
        decide(data.name, data.kind, data.labels, _proba(model, test_rows, width), best_t),
    )
    return Fitted(model, best_t, score["score"], best_k or None)


def _oof_score(data: TaskData, folds: list[tuple[np.ndarray, np.ndarray]], threshold: float) -> float:
    probs = np.vstack([p for p, _ in folds])
    truth = np.vstack([t for _, t in folds])
    return float(
        scores(data.name, data.labels, truth, decide(data.name, data.kind, data.labels, probs, threshold))["score"]
    )


def _texts_to_embed(corpus: Corpus) -> list[str]:
    texts = [m.text for m in corpus.messages] + [t for p in corpus.pairs for t in (p.first, p.second)]
    texts += [c.text for m in corpus.messages for c in m.clauses]
    return texts + [s for m in corpus.messages for s in negatives(m.text, [c.text for c in m.clauses])]


def build_tasks(
    corpus: Corpus,
    vectors: Callable[[list[str]], np.ndarray],
    tfidf: CharTfidf,
    features: list[str],
    intents: list[str],
) -> dict[str, TaskData]:
    """Every task's rows from the corpus (vectors(texts) gives unit e5 rows)."""
    t = {
        "refusal": TaskData("refusal", "softmax", ["none", "forgery", "renting", "evasion", "unrelated", "injection"]),
        "intent": TaskData("intent", "softmax", intents),
        "person": TaskData("person", "sigmoid", ["asks_for_person"]),
        "features": TaskData("features", "sigmoid", features),
        "state": TaskData("state", "softmax", ["present", "negated", "past", "planned"]),
        "follow_up": TaskData("follow_up", "sigmoid", ["follow_up"]),
    }

    def row(text: str, vec: np.ndarray) -> Row:
        return Row(vec, *tfidf.sparse_row(text))

    messages = corpus.messages
    for m, vec in zip(messages, vectors([m.text for m in messages])):
        r = row(m.text, vec)
        t["refusal"].add(r, [m.refusal.value], m.writer, m.lang)
        t["intent"].add(r, m.intents[:1], m.writer, m.lang)
        t["person"].add(r, ["asks_for_person"] * m.asks_for_person, m.writer, m.lang)
    clauses = [(m, c) for m in messages for c in m.clauses]
    for (m, c), vec in zip(clauses, vectors([c.text for _, c in clauses])):
        r = row(c.text, vec)
        t["features"].add(r, list(c.features), m.writer, m.lang)
        for state in sorted({s.value for s in c.features.values()}):
            t["state"].add(r, [state], m.writer, m.lang)
    pieces = [(m, s) for m in messages for s in negatives(m.text, [c.text for c in m.clauses])]
    for (m, s), vec in zip(pieces, vectors([s for _, s in pieces])):
        t["features"].add(row(s, vec), [], m.writer, m.lang)
    firsts, seconds = vectors([p.first for p in corpus.pairs]), vectors([p.second for p in corpus.pairs])
    for p, v1, v2 in zip(corpus.pairs, firsts, seconds):
        (c1, x1), (c2, x2) = tfidf.sparse_row(p.first), tfidf.sparse_row(p.second)
        common, i1, i2 = np.intersect1d(c1, c2, return_indices=True)
        extras = pair_extras(v1, v2, float(x1[i1] @ x2[i2]) if len(common) else 0.0)
        t["follow_up"].add(Row(np.concatenate([v2, extras]), c2, x2), ["follow_up"] * p.follow_up, p.writer, p.lang)
    return t


def fit_tfidf(texts: list[str]) -> CharTfidf:
    fitted = TfidfVectorizer(analyzer=analyzer, min_df=3, sublinear_tf=True, dtype=np.float32).fit(texts)
    terms = fitted.get_feature_names_out().tolist()
    return CharTfidf({term: i for i, term in enumerate(terms)}, fitted.idf_.astype(np.float64))


def load_training(settings: Settings) -> Corpus:
    """The labelled corpus, or TrainingError naming its first bad line (or saying it is empty)."""
    corpus = load_corpus(training_dir(settings), vocabulary(settings.knowledge_dir))
    if corpus.problems:
        path, line, problem = corpus.problems[0]
        raise TrainingError(
            f"{path}:{line}: {problem} ({len(corpus.problems)} problem(s); `licensebot kb check` lists them)"
        )
    if not corpus.messages:
        raise TrainingError(f"no training messages in {training_dir(settings)}")
    return corpus


def train(
    settings: Settings,
    embedder: Embedder,
    progress: Callable[[str, int, int], None] | None = None,
    log: Callable[[str], None] = lambda m: None,
) -> Path:
    """Train every task, write the models and the model card to <data dir>/reader/; returns that folder."""
    meta, arrays, files = fit(settings, embedder, progress, log)
    folder = store.reader_dir(settings.data_dir)
    store.save(folder, meta, arrays, files)
    return folder


def fit(
    settings: Settings,
    embedder: Embedder,
    progress: Callable[[str, int, int], None] | None = None,
    log: Callable[[str], None] = lambda m: None,
) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, str]]:
    """The trained reader in memory: its JSON, its arrays and the model card's files."""
    kdir = settings.knowledge_dir
    corpus = load_training(settings)
    heldout = corpus.heldout
    cache = VectorCache(settings.data_dir, embedder.name)
    texts = _texts_to_embed(corpus)
    cache.vectors(texts, embedder, (lambda done, total: progress("embedding", done, total)) if progress else None)

    def vectors(batch: list[str]) -> np.ndarray:
        return cache.vectors(batch, embedder)

    training = [m for m in corpus.messages if m.writer not in heldout]
    tfidf = fit_tfidf(
        [m.text for m in training]
        + [c.text for m in training for c in m.clauses]
        + [t for p in corpus.pairs if p.writer not in heldout for t in (p.first, p.second)]
    )
    vocab = vocabulary(kdir)
    tasks = build_tasks(corpus, vectors, tfidf, sorted(vocab.features), sorted(vocab.intents))
    meta: dict[str, Any] = {
        "embedder": embedder.name,
        "corpus_sha256": store.corpus_hash(training_dir(settings)),
        "heldout": sorted(heldout),
        "vocabulary": list(tfidf.vocabulary),
        "tasks": {},
    }
    arrays: dict[str, np.ndarray] = {"tfidf.idf": tfidf.idf}
    comparison: dict[str, dict[str, Any]] = {}
    for n, (name, data) in enumerate(tasks.items(), 1):
        log(f"training {name} ({len(data.rows)} rows) …")
        fitted = {method: choose(data, method, heldout, tfidf.width) for method in ("logistic", "knn")}
        best = max(fitted, key=lambda m: (round(fitted[m].heldout_score, 6), m == "logistic"))
        chosen = fitted[best]
        comparison[name] = {
            m: {"heldout_score": round(f.heldout_score, 4), "threshold": f.threshold, "k": f.k}
            for m, f in fitted.items()
        }
        meta["tasks"][name] = {**chosen.model.meta(), "threshold": chosen.threshold}
        arrays.update(chosen.model.arrays(name))
        if progress:
            progress("training", n, len(tasks))
    reader = Reader(meta, arrays, CachedEmbedder(cache, embedder))
    heldout_messages = [m for m in corpus.messages if m.writer in heldout]
    figures = evaluate_messages(reader, heldout_messages, [p for p in corpus.pairs if p.writer in heldout])
    card = card_json(meta, tasks, heldout, comparison, figures)
    return meta, arrays, {"MODEL_CARD.md": card_markdown(card), "model_card.json": card_json_text(card)}


def card_json_text(card: dict[str, Any]) -> str:
    import json

    return json.dumps(card, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
