"""What holds the training corpus and the eval suites apart: two texts "share a run" when 8 consecutive
characters are the same, as written or folded, lower-cased, with or without spaces and punctuation —
licence names and common English phrasing count too, so what trains never contains a piece of what tests.

`tests/test_training_corpus.py` fails when a training text shares a run with an eval question; the
operator's view (bot/insights/operator.py) refuses to save a question as a training example when it
shares one with an eval question, and as an eval case when it shares one with a training text — one
question cannot both teach the students and test them."""
from __future__ import annotations

import re

from bot.core.text import fold

RUN = 8


def runs_of(text: str) -> set[str]:
    """Runs of RUN characters as written, folded and lower-cased, each also without its spaces and
    without every punctuation mark ("ICP许可证吗？" and "icp许可证吗?" are the same run)."""
    forms = {text, fold(text), text.lower(), fold(text).lower()}
    forms |= {"".join(f.split()) for f in forms} | {re.sub(r"[\W_]+", "", f) for f in forms}
    return {f[i:i + RUN] for f in forms for i in range(len(f) - RUN + 1)}


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
