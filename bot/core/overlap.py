"""What holds the training corpus and the eval suites apart: two texts "share a run" when 8 consecutive
characters are the same, as written or folded, with or without punctuation, a Latin word or number
counting as one character (eight Latin letters such as "license " are in every English message about
these licences; eight English words are a copied phrase).

`tests/test_training_corpus.py` fails when a training text shares a run with an eval question; the
operator's view (bot/insights/operator.py) refuses to save a question as a training example when it
shares one with an eval question, and as an eval case when it shares one with a training text — one
question cannot both teach the students and test them."""
from __future__ import annotations

import re

from bot.core.text import fold

RUN = 8


def units_of(text: str) -> list[str]:
    """One unit per Chinese character or mark, one per Latin word or number; spaces separate only."""
    return re.findall(r"[a-z0-9]+|[^\sa-z0-9]", text.lower())


def runs_of(text: str) -> set[str]:
    """Runs of RUN units as written and folded, each also with every punctuation mark taken out
    ("ICP许可证吗？" and "icp 许可证吗?" are the same run)."""
    forms = {text, fold(text)}
    forms |= {re.sub(r"[\W_]+", " ", f) for f in forms}
    runs = set()
    for form in forms:
        units = units_of(form)
        runs |= {" ".join(units[i:i + RUN]) for i in range(len(units) - RUN + 1)}
    return runs


def shared_runs(questions: list[str], texts: list[str]) -> list[tuple[str, str]]:
    """(question, a text it shares a run with) for every question that shares one."""
    runs: dict[str, str] = {}
    for text in texts:
        for run in runs_of(text):
            runs.setdefault(run, text)
    found = []
    for question in questions:
        hit = next((runs[r] for r in runs_of(question) if r in runs), None)
        if hit is not None:
            found.append((question, hit))
    return found
