"""The lexical index scores exactly as bm25s did when it was rebuilt whole for each generation, while
a generation now extends a shared base with the segments changed since. Real index, real bm25s."""

from __future__ import annotations

import json
import shutil

import bm25s
import numpy as np
import pytest

from bot.index.layout import lexical_root
from bot.index.lexical import LexicalIndex, tokenize
from bot.index.segments import read_segment
from bot.index.store import load_index
from conftest import ARTICLES, make_settings
from eval.suite import SUITES_DIR, load_suite
from ingest.pipeline import ingest

QUIET = dict(show_progress=False, log=lambda m: None)


def questions() -> list[str]:
    return [c.question for p in sorted(SUITES_DIR.glob("*.yaml")) for c in load_suite(p).cases]


def tokens_of(settings, keys) -> list[list[str]]:
    return [t for key in keys for t in read_segment(settings, key, with_tokens=True).tokens]


def bm25s_search(tokens: list[list[str]], query: str, k: int) -> list[tuple[int, float]]:
    """What the index answered before: bm25s built over every unit of the generation."""
    bm25 = bm25s.BM25()
    bm25.index([t or ["∅"] for t in tokens], show_progress=False)
    words = tokenize(query)
    if not words:
        return []
    docs, scores = bm25.retrieve([words], k=min(k, len(tokens)), show_progress=False)
    return [(int(d), float(s)) for d, s in zip(np.ravel(docs), np.ravel(scores)) if s > 0]


def test_scores_and_ranks_equal_bm25s_on_every_eval_question(knowledge, settings):
    tokens = tokens_of(settings, knowledge.index.manifest["segments"])
    bm25 = bm25s.BM25()
    bm25.index([t or ["∅"] for t in tokens], show_progress=False)
    ours = LexicalIndex.from_tokens(tokens)
    for question in questions() + ["ICP", "多放通信 ICP备按", "版号"]:
        words = tokenize(question)
        if not words:
            continue
        docs, scores = bm25.retrieve([words], k=72, show_progress=False)
        expected = [(int(d), float(s)) for d, s in zip(np.ravel(docs), np.ravel(scores)) if s > 0]
        assert ours.search(question, 72) == expected, question
    assert ours.knows("多方通信") and not ours.knows("版号")


@pytest.fixture
def copied(tmp_path, settings, knowledge):
    """A copy of the session's data directory indexing ten copies of the articles (~2k units: one
    edit is a small share of them); its vectors are all in the collection already."""
    shutil.copytree(settings.data_dir, tmp_path / "data")
    for n in range(10):
        shutil.copytree(ARTICLES, tmp_path / "articles" / f"copy{n}")
    grown = make_settings(tmp_path / "data")
    assert ingest([tmp_path / "articles"], grown, embedder=knowledge.embedder, **QUIET).embedded == 0
    return grown, tmp_path / "articles"


def test_an_edit_extends_the_live_base_and_ranks_as_a_whole_rebuild_would(copied, knowledge):
    settings, articles = copied
    first = load_index(settings)
    bases = {p.name for p in lexical_root(settings).iterdir()}
    edited_file = sorted((articles / "copy3").iterdir())[1]
    edited_file.write_text(
        edited_file.read_text(encoding="utf-8") + "\n\n新增一段：多方通信许可证的年检要求说明。\n", encoding="utf-8"
    )
    sorted((articles / "copy5").iterdir())[3].unlink()
    report = ingest([articles], settings, embedder=knowledge.embedder, **QUIET)
    assert not report.errors
    edited = load_index(settings)
    assert edited.manifest["lexical"] == first.manifest["lexical"]  # the base is shared, not rebuilt
    assert {p.name for p in lexical_root(settings).iterdir()} == bases  # no base written
    tokens = tokens_of(settings, edited.manifest["segments"])
    assert edited.lexical.size == len(edited.units) == len(tokens)
    for question in questions()[::3] + ["多方通信许可证的年检"]:
        assert edited.lexical.search(question, 72) == bm25s_search(tokens, question, 72), question


def test_a_new_base_once_most_of_the_corpus_changed(copied, knowledge):
    settings, articles = copied
    before = json.loads((settings.data_dir / "index" / load_index(settings).generation / "manifest.json").read_text())[
        "lexical"
    ]
    for n in range(3):
        shutil.rmtree(articles / f"copy{n}")
    ingest([articles], settings, embedder=knowledge.embedder, **QUIET)
    index = load_index(settings)
    assert index.manifest["lexical"] != before and index.lexical.size == len(index.units)
    tokens = tokens_of(settings, index.manifest["segments"])
    for question in questions()[::5]:
        assert index.lexical.search(question, 72) == bm25s_search(tokens, question, 72), question
