"""Loading holds what answering needs, once: no unit's vector (answering reads the rows of the few
units it scores from their segment files; a reload takes the unchanged segments' files from the
generation loaded before), units without the folded text only
ingest uses, the raw stored meaning rows dropped once read, and no cyclic collection while the
millions of small objects of a large index are built. Real index (a copy of the session's), real
model, real ingest."""

from __future__ import annotations

import gc
import shutil
import sys

import numpy as np
import pytest

from bot.answering.knowledge import Knowledge
from bot.core.gcpause import collector_paused
from bot.index.segments import read_segment
from bot.index.units import Unit
from conftest import ARTICLES, make_settings
from ingest.pipeline import ingest

QUIET = dict(show_progress=False, log=lambda m: None)


@pytest.fixture
def collections() -> list[int]:
    """Counts the cyclic collector's runs (gc.callbacks) while the test runs."""
    runs = [0]

    def count(phase, info):
        if phase == "start":
            runs[0] += 1

    gc.callbacks.append(count)
    yield runs
    gc.callbacks.remove(count)


def stacked_from_files(settings, index) -> np.ndarray:
    return np.vstack([read_segment(settings, p.key).vectors for p in index.parts]).astype(np.float32)


def every_vector(index) -> np.ndarray:
    return index.vectors_at(list(range(len(index.units))))


def test_a_load_runs_no_cyclic_collection_and_leaves_the_collector_as_it_was(settings, knowledge, collections):
    assert gc.isenabled()
    Knowledge.load(settings, knowledge.embedder)
    assert collections[0] <= 1  # the one collection before building (pending garbage would be frozen with the rest)
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller's own pause is not undone
    finally:
        gc.enable()


def test_fresh_and_reused_loads_hold_the_same_units_and_vectors(tmp_path, settings, knowledge):
    copied = make_settings(tmp_path / "data")
    shutil.copytree(settings.data_dir, copied.data_dir)
    articles = tmp_path / "articles"
    shutil.copytree(ARTICLES, articles)
    assert not ingest([articles], copied, embedder=knowledge.embedder, **QUIET).errors  # the copies' own segments
    before = Knowledge.load(copied, knowledge.embedder)
    assert np.array_equal(every_vector(before.index), stacked_from_files(copied, before.index))

    edited = sorted(articles.iterdir())[2]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\n补充说明：办理前请先确认业务类型。\n", encoding="utf-8")
    assert not ingest([articles], copied, embedder=knowledge.embedder, **QUIET).errors
    reloaded = Knowledge.load(copied, knowledge.embedder, previous=before)
    reused = {p.key for p in before.index.parts} & {p.key for p in reloaded.index.parts}
    assert len(reused) == len(reloaded.index.parts) - 1  # all but the edited article came from `before`
    fresh = Knowledge.load(copied, knowledge.embedder)
    assert reloaded.index.generation == fresh.index.generation != before.index.generation
    assert reloaded.index.units == fresh.index.units
    assert np.array_equal(every_vector(reloaded.index), every_vector(fresh.index))
    assert np.array_equal(every_vector(fresh.index), stacked_from_files(copied, fresh.index))
    assert reloaded.meanings == fresh.meanings


def test_units_are_slimmed_and_stored_meaning_rows_released(knowledge):
    index = knowledge.index
    assert all(
        isinstance(unit, Unit) and not hasattr(unit, "__dict__") for unit in index.units
    )  # slots, no search text
    assert all(unit.doc_id is index.docs[unit.doc_id].doc_id for unit in index.units)
    assert all(unit.kind is sys.intern(unit.kind) and unit.heading is sys.intern(unit.heading) for unit in index.units)
    assert all(part.meaning is None for part in index.parts)  # held as UnitMeaning objects instead
    assert len(knowledge.meanings) == len(index.units)


def test_scored_rows_are_read_from_the_segment_files_in_the_order_asked(knowledge, settings):
    index = knowledge.index
    assert not any(isinstance(v, np.ndarray) and v.size >= len(index.units) for v in vars(index).values())
    everything = stacked_from_files(settings, index)
    rng = np.random.default_rng(3)
    picked = [int(p) for p in rng.choice(len(index.units), 40, replace=False)] + [len(index.units) - 1, 0, 0]
    assert np.array_equal(index.vectors_at(picked), everything[picked])
    query = knowledge.embedder.embed_query("ICP许可证由哪个部门审批")
    assert np.allclose(knowledge.retriever.similarity(query, picked), everything[picked] @ query, atol=1e-6)


def test_a_vector_file_gone_under_a_loaded_generation_still_scores(tmp_path, settings, knowledge):
    """Its segment was collected after the grace period while a server still held the generation: the
    units are scored by embedding their text (close to the stored vector), not by an error."""
    copied = make_settings(tmp_path / "data")
    shutil.copytree(settings.data_dir, copied.data_dir)
    loaded = Knowledge.load(copied, knowledge.embedder)
    part = loaded.index.parts[1]
    positions = list(range(part.start, min(part.end, part.start + 5)))
    stored = loaded.index.vectors_at(positions)
    part.vectors.path.unlink()
    query = knowledge.embedder.embed_query("ICP许可证由哪个部门审批")
    scores = loaded.retriever.similarity(query, positions)
    assert len(scores) == len(positions) and np.all(np.abs(scores - stored @ query) < 0.1)
