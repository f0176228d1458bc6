"""Answering does not grow with the corpus beyond retrieval's own cost: for the same questions on a
corpus of ~5k and ~20k units (the shipped articles copied, the real pipeline, index and model), the
unit-to-unit comparisons (list joining, overlap checks) grow no faster than the candidate set.
Counted, not timed."""

from __future__ import annotations

import shutil

import pytest

from bot.answering import evidence
from bot.answering.answer import answer
from bot.answering.knowledge import Knowledge
from conftest import ARTICLES, make_settings
from ingest.pipeline import ingest

QUESTIONS = [
    "多方通信许可证由哪个部门审批？",
    "办理ICP许可证需要准备哪些材料？",
    "ICP许可证的办理流程是什么？",
    "不办EDI许可证会有什么处罚？",
    "申请多方通信许可证需要满足什么条件？",
]


def _corpus(root, copies: int):
    for n in range(copies):
        target = root / f"copy{n:03d}"
        if not target.exists():
            shutil.copytree(ARTICLES, target)
    return root


@pytest.fixture(scope="module")
def grown(tmp_path_factory, settings, knowledge):
    """Settings of one data directory (a copy of the session's, so no unit is embedded again) and a
    function that grows its corpus to `copies` copies of the articles and loads it."""
    base = tmp_path_factory.mktemp("scaling")
    shutil.copytree(settings.data_dir, base / "data")
    grown_settings = make_settings(base / "data")

    def load(copies: int) -> Knowledge:
        report = ingest(
            [_corpus(base / "articles", copies)],
            grown_settings,
            embedder=knowledge.embedder,
            show_progress=False,
            log=lambda m: None,
        )
        assert report.embedded == 0 and not report.errors
        return Knowledge.load(grown_settings, knowledge.embedder)

    return load


def _count(knowledge: Knowledge, monkeypatch) -> tuple[int, int]:
    """(unit comparisons, candidates) over QUESTIONS."""
    counts = {"compared": 0, "candidates": 0}
    overlaps, contains, relevant = evidence._overlaps, evidence._contains, evidence.relevant

    def counting(real):
        def inner(a, b):
            counts["compared"] += 1
            return real(a, b)

        return inner

    def counting_relevant(hits, *args, **kwargs):
        counts["candidates"] += len(hits)
        return relevant(hits, *args, **kwargs)

    import bot.answering.evidence_answer as answering  # where answering calls relevant()

    monkeypatch.setattr(evidence, "_overlaps", counting(overlaps))
    monkeypatch.setattr(evidence, "_contains", counting(contains))
    monkeypatch.setattr(answering, "relevant", counting_relevant)
    for question in QUESTIONS:
        answer(question, knowledge)
    monkeypatch.undo()
    return counts["compared"], counts["candidates"]


def test_unit_comparisons_grow_no_faster_than_the_candidates(grown, monkeypatch):
    small = grown(23)  # ~5k units
    small_compared, small_candidates = _count(small, monkeypatch)
    large = grown(93)  # ~20k units
    large_compared, large_candidates = _count(large, monkeypatch)
    assert 4_500 <= len(small.index.units) <= 5_500 and 19_000 <= len(large.index.units) <= 21_000
    assert small_compared > 0 and large_candidates > small_candidates  # the questions do join lists and check overlaps
    per_candidate = (large_compared / large_candidates) / (small_compared / small_candidates)
    assert per_candidate <= 1.5, (small_compared, small_candidates, large_compared, large_candidates)
