"""The person student: whether a message asks for a person ("转人工", "有冇真人可以傾吓", "can a
consultant ring me") rather than for an answer — the learned reader's person task alone.

It replaces the margins between the e5 similarity to a dozen ways of asking for a person and to the
licence and feature wordings, which were calibrated on the eval questions. A linear model over the
message's e5 vector (answering has it already) and its character n-grams, trained on the labelled
messages and on glossary.yaml's `person_requests` (a deployment's own wordings teach it too); a
message asks for a person from the threshold chosen out of fold over the training writers for
precision (a licence question taken for a request would hand a customer to a queue). Shipped in
`knowledge/models/person/`; `licensebot kb train --person` writes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from bot.core.settings import Settings
from bot.index.embedders import Embedder
from bot.kb.learned import store
from bot.kb.learned.models import Row
from bot.kb.learned.refusal import LinearStudent, fit_student, unit_vectors

TASK = "person"
LABELS = ["none", "person"]
PRECISION = 0.95  # out-of-fold precision of "asks for a person" the run-time threshold must reach
GLOSSARY = "glossary.yaml"  # the writer of the person_requests wordings among the training rows
WORDINGS = "glossary.yaml:person_requests"


class PersonStudent(LinearStudent):
    task = TASK


def load_person_student(settings: Settings) -> PersonStudent:
    return PersonStudent.shipped(settings)


def train_person_student(settings: Settings, embedder: Embedder, log: Callable[[str], None] = lambda m: None) -> Path:
    """Fit whether each message asks for a person on the training writers and the glossary's wordings,
    choose the threshold for precision out of fold, score on the held-out writer, write it."""
    from bot.kb.catalog import load_catalog
    from bot.kb.learned.train import TaskData, fit_tfidf, load_training

    corpus = load_training(settings)
    heldout = corpus.heldout
    wordings = load_catalog(settings.knowledge_dir).glossary.person_requests
    tfidf = fit_tfidf([m.text for m in corpus.messages if m.writer not in heldout] + wordings)
    log(f"embedding {len(corpus.messages)} messages …")
    vectors = unit_vectors(settings, embedder, [m.text for m in corpus.messages] + wordings)
    data = TaskData(TASK, "softmax", LABELS)
    for m, vec in zip(corpus.messages, vectors):
        data.add(Row(vec, *tfidf.sparse_row(m.text)), [LABELS[int(m.asks_for_person)]], m.writer, m.lang)
    for text, vec in zip(wordings, vectors[len(corpus.messages) :]):
        data.add(Row(vec, *tfidf.sparse_row(text)), ["person"], GLOSSARY, "rules")
    meta, arrays, _, _ = fit_student(PersonStudent, data, tfidf, settings, embedder.name, heldout, PRECISION, log)
    meta["inputs"] = {WORDINGS: store.input_hash(settings.knowledge_dir, WORDINGS)}  # an edit to them makes it stale
    return PersonStudent.write(settings, meta, arrays)
