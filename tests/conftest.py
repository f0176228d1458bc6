"""Shared fixtures: a real index built once per session from knowledge/articles with the real
bundled embedder, in a temporary data directory."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.embed import E5SmallEmbedder
from bot.knowledge import Knowledge
from bot.settings import REPO_ROOT, Settings
from ingest.pipeline import ingest

ARTICLES = REPO_ROOT / "knowledge" / "articles"


@pytest.fixture(scope="session")
def embedder() -> E5SmallEmbedder:
    return E5SmallEmbedder()


def make_settings(data_dir: Path, knowledge_dir: Path = REPO_ROOT / "knowledge", **extra) -> Settings:
    return Settings(data_dir=data_dir, knowledge_dir=knowledge_dir, _env_file=None, **extra)


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def knowledge(settings, embedder) -> Knowledge:
    report = ingest([ARTICLES], settings, embedder=embedder, show_progress=False, log=lambda m: None)
    assert report.files == 5 and not report.errors
    return Knowledge.load(settings, embedder)


@pytest.fixture
def knowledge_copy(tmp_path) -> Path:
    """A private copy of knowledge/ that a test may break."""
    target = tmp_path / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge", target)
    return target
