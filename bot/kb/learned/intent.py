"""The intent student: what kind of answer a message asks for (a verdict, the conditions, the steps, the
time, the cost, a comparison …), read from the whole message as the learned reader's intent task.

A linear model over the message's e5 vector (answering has it already, for the refusal student) and
its character n-grams; the most probable intent wins. Answering (bot/answering/intent.py) takes its
reading where it is sure enough to overrule a cue of knowledge/intents.yaml; else a cue that fires;
else its reading again where it is at least `floor` sure; else the nearest wording and the default.
Both thresholds are chosen together at training, out of fold over the training writers, as the pair
that reads their messages with the best accuracy. It reads
what no cue names ("由边个部门批", "有咩唔同") and does not let a long WeChat message's background
words outvote its question. Shipped in `knowledge/models/intent/`; `licensebot kb train --intent`
writes it, with the held-out writer's figures for the student, the cues and both in its model.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from bot.core.settings import Settings
from bot.index.embedders import Embedder
from bot.core.text import fold
from bot.kb.learned import store
from bot.kb.learned.models import Row
from bot.kb.intents import WORDING_SIMILARITY, IntentBook
from bot.kb.learned.refusal import LinearStudent, StudentReading, unit_vectors

TASK = "intent"
OVERRULE = tuple(round(t, 2) for t in np.arange(0.0, 1.01, 0.05))  # 0: the student always; above 1: a cue always
DEFAULT = "verdict"
C = 16.0  # less regularised than the other students: intents are told apart by a few words


class IntentStudent(LinearStudent):
    """`threshold`: how sure the student must be to overrule a cue of intents.yaml; `floor`: how sure it
    must be, where no cue fires, to be taken before the nearest wording and the default (above 1: never,
    as a student trained before the floor was chosen is read)."""

    task = TASK

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.floor = float(self.meta["tasks"][TASK].get("floor", 1.01))

    def read_row(self, row: Row) -> StudentReading:
        p = self.model.proba([row])[0]
        best, second = (int(i) for i in np.argsort(-p)[:2])
        labels = self.model.labels
        return StudentReading(labels[best], round(float(p[best]), 4), (labels[second], round(float(p[second]), 4)))


def cued(book: IntentBook, folded: str) -> str | None:
    """The first intent of knowledge/intents.yaml whose cue fires in the folded message, or None."""
    return next((i.name for i in book.intents if i.cued(folded)), None)


def combine(
    probs: np.ndarray, cues: np.ndarray, overrule: float, floor: float = 0.0, fallback: np.ndarray | None = None
) -> np.ndarray:
    """Per row, as answering decides: the student's intent when it is at least `overrule` sure; else
    the cue's when one fired (cue >= 0); else the student's when it is at least `floor` sure; else
    `fallback` (the nearest intents.yaml wording, or the default) — what both thresholds are chosen by."""
    best = probs.argmax(1)
    p = probs[np.arange(len(probs)), best]
    rest = best if fallback is None else np.where(p >= floor, best, fallback)
    return np.where(p >= overrule, best, np.where(cues >= 0, cues, rest))


def fallbacks(
    book: IntentBook,
    labels: list[str],
    vectors: np.ndarray,
    wording_vectors: np.ndarray,
    owners: list[str],
    describes: np.ndarray,
) -> np.ndarray:
    """What answering falls back to per message: the intent of the nearest wording when it is close
    enough, else 'verdict' for a message that describes a product and 'other' otherwise."""
    default = np.where(describes, labels.index(DEFAULT), labels.index("other"))
    if not len(owners):
        return default
    scores = vectors @ wording_vectors.T
    nearest = np.asarray([labels.index(owners[i]) if owners[i] in labels else -1 for i in scores.argmax(1)])
    return np.where((scores.max(1) >= WORDING_SIMILARITY) & (nearest >= 0), nearest, default)


def load_intent_student(settings: Settings) -> IntentStudent:
    return IntentStudent.shipped(settings)


def train_intent_student(settings: Settings, embedder: Embedder, log: Callable[[str], None] = lambda m: None) -> Path:
    """Fit each message's main intent on the training writers; choose, out of fold over them, how sure
    the student must be to overrule a cue of knowledge/intents.yaml; score the student, the cues and
    both together on the held-out writer; write it."""
    from bot.kb.intents import load_intents
    from bot.kb.learned.card import scores
    from bot.kb.learned.reader import training_dir
    from bot.kb.learned.train import TaskData, fit_logistic, fit_tfidf, load_training
    from bot.kb.training import vocabulary

    corpus = load_training(settings)
    heldout = corpus.heldout
    tfidf = fit_tfidf([m.text for m in corpus.messages if m.writer not in heldout])
    log(f"embedding {len(corpus.messages)} messages …")
    vectors = unit_vectors(settings, embedder, [m.text for m in corpus.messages])
    labels = [DEFAULT] + sorted(set(vocabulary(settings.knowledge_dir).intents) - {DEFAULT})
    data = TaskData(TASK, "softmax", labels, c=C)
    for m, vec in zip(corpus.messages, vectors):
        data.add(Row(vec, *tfidf.sparse_row(m.text)), m.intents[:1], m.writer, m.lang)
    book = load_intents(settings.knowledge_dir / "intents.yaml")
    cues = np.asarray([labels.index(c) if (c := cued(book, fold(m.text))) in labels else -1 for m in corpus.messages])
    owners = [i.name for i in book.intents for _ in i.wordings]
    wordings = unit_vectors(settings, embedder, [w for i in book.intents for w in i.wordings])
    describes = np.asarray(
        [any(s.value == "present" for c in m.clauses for s in c.features.values()) for m in corpus.messages]
    )
    fallback = fallbacks(book, labels, vectors, wordings, owners, describes)
    writers = np.asarray(data.writers)
    truth_all = np.asarray(data.targets).argmax(1)
    training = sorted(set(data.writers) - heldout)
    log(
        f"choosing how sure the {TASK} student must be to overrule a cue, and to be taken where none fires, "
        f"leaving out each of {len(training)} writers …"
    )
    oof = np.zeros((len(data.rows), len(labels)))
    for writer in training:
        rows, targets = data.part(np.isin(writers, [w for w in training if w != writer]))
        held = writers == writer
        oof[held] = fit_logistic(data, rows, targets, tfidf.width).proba([r for r, o in zip(data.rows, held) if o])
    train_mask = ~np.isin(writers, sorted(heldout))
    t_ = train_mask
    accuracy = {
        (t, f): float((combine(oof[t_], cues[t_], t, f, fallback[t_]) == truth_all[t_]).mean())
        for t in OVERRULE
        for f in OVERRULE + (1.01,)
        if f <= t or f > 1
    }
    overrule, floor = max(accuracy, key=lambda tf: (round(accuracy[tf], 4), -tf[0], -tf[1]))
    rows, targets = data.part(train_mask)
    log(
        f"training {TASK} on {len(rows)} messages (overrules a cue at {overrule}, taken where no cue fires at {floor}) …"
    )
    model = fit_logistic(data, rows, targets, tfidf.width)
    meta = {
        "embedder": embedder.name,
        "corpus_sha256": store.corpus_hash(training_dir(settings)),
        "heldout": sorted(heldout),
        "vocabulary": list(tfidf.vocabulary),
        "out_of_fold": {f"{t}/{f}": round(a, 4) for (t, f), a in accuracy.items()},
        "tasks": {TASK: {**model.meta(), "threshold": overrule, "floor": floor}},
    }
    arrays = {"tfidf.idf": tfidf.idf, **model.arrays(TASK)}
    test = ~train_mask
    probs = model.proba([r for r, t in zip(data.rows, test) if t])
    truth = np.asarray(data.targets, np.int8)[test]
    cue_or_verdict = np.where(cues[test] >= 0, cues[test], 0)
    for name, predicted in (
        ("heldout_figures", combine(probs, cues[test], overrule, floor, fallback[test])),
        ("heldout_student", probs.argmax(1)),
        ("heldout_cues", cue_or_verdict),
    ):
        meta[name] = scores(TASK, labels, truth, np.eye(len(labels), dtype=np.int8)[predicted])
    return IntentStudent.write(settings, meta, arrays)
