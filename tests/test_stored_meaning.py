"""What each unit means is read once, at ingest, stored in its segment and loaded as data; a segment
read with other cues or another catalogue is read again, so editing those still needs no re-ingest.
Real index (a copy of the session's), real knowledge files, the real reader."""

from __future__ import annotations

import shutil

import pytest

from bot.answering.knowledge import Knowledge
from bot.kb import evidence
from bot.kb.catalog import load_catalog
from bot.kb.evidence import UnitReader, load_cues
from conftest import ARTICLES, make_settings
from ingest.pipeline import ingest

QUIET = dict(show_progress=False, log=lambda m: None)


def reader_for(knowledge_dir) -> UnitReader:
    return UnitReader(load_catalog(knowledge_dir), load_cues(knowledge_dir / "evidence.yaml"))


@pytest.fixture
def reads(monkeypatch) -> list[int]:
    """Counts units read from their words (UnitReader.read), the work stored meaning saves."""
    calls = [0]
    real = evidence.UnitReader.read

    def counting(self, unit, title):
        calls[0] += 1
        return real(self, unit, title)

    monkeypatch.setattr(evidence.UnitReader, "read", counting)
    return calls


@pytest.fixture
def copied(tmp_path, settings, knowledge, knowledge_copy):
    """A copy of the session's index (no meaning stored: conftest ingests without it) and of knowledge/."""
    shutil.copytree(settings.data_dir, tmp_path / "data")
    return make_settings(tmp_path / "data", knowledge_copy)


def test_meaning_is_stored_at_ingest_and_loaded_as_data(copied, knowledge, reads):
    report = ingest([ARTICLES], copied, meanings=reader_for(copied.knowledge_dir), **QUIET)
    assert (
        not report.up_to_date and report.embedded == 0
    )  # only the stored meaning changed: a new generation, no vectors
    reads[0] = 0
    loaded = Knowledge.load(copied, knowledge.embedder)
    assert reads[0] == 0  # every unit's meaning came from its segment
    assert loaded.meanings == knowledge.meanings  # the same meaning as read from the words
    again = ingest([ARTICLES], copied, meanings=reader_for(copied.knowledge_dir), **QUIET)
    assert again.up_to_date


def test_edited_cues_are_read_at_load_without_ingest_and_stored_by_the_next(copied, knowledge, reads):
    ingest([ARTICLES], copied, meanings=reader_for(copied.knowledge_dir), **QUIET)
    cues = copied.knowledge_dir / "evidence.yaml"
    cues.write_text(
        cues.read_text(encoding="utf-8").replace("cues: ['材料',", "cues: ['备案', '材料',", 1), encoding="utf-8"
    )
    reads[0] = 0
    edited = Knowledge.load(copied, knowledge.embedder)
    assert reads[0] == len(edited.index.units)  # every stored row is stale: read again from the words
    changed = [i for i, (a, b) in enumerate(zip(knowledge.meanings, edited.meanings)) if a != b]
    assert changed and all("material" in edited.meanings[i].kinds for i in changed)
    report = ingest([ARTICLES], copied, meanings=reader_for(copied.knowledge_dir), **QUIET)
    assert not report.up_to_date and report.embedded == 0
    reads[0] = 0
    assert Knowledge.load(copied, knowledge.embedder).meanings == edited.meanings and reads[0] == 0
