"""Broken state on disk: a start-up says in one line what is broken and how to repair it (never a
traceback, never a silent re-ingest); a running server keeps the index it has and reports degraded."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.service import Bot
from bot.surfaces.api import create_app
from conftest import make_settings

QUESTION = "语音聊天房要办多方通信吗"


@pytest.fixture
def data(knowledge, settings, tmp_path) -> Path:
    """A private copy of the session's data directory (index, Chroma, sessions) that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(settings.data_dir, target)
    return target


def live_generation(data: Path) -> Path:
    return data / "index" / json.loads((data / "index" / "CURRENT").read_text())["generation"]


def live_lexical(data: Path) -> Path:
    """The lexical base the live generation names."""
    return data / "index" / "lexical" / json.loads((live_generation(data) / "manifest.json").read_text())["lexical"]


def naming_a_missing_lexical_base(gen: Path) -> None:
    manifest = json.loads((gen / "manifest.json").read_text())
    (gen / "manifest.json").write_text(json.dumps({**manifest, "lexical": "g-gone"}))


def a_segment(data: Path, suffix: str) -> Path:
    """One of the live generation's segment files (suffix .json, .npy or .tokens.json)."""
    key = json.loads((live_generation(data) / "manifest.json").read_text())["segments"][0]
    return data / "index" / "segments" / f"{key}{suffix}"


def garbage(path: Path) -> None:
    path.write_text("garbage\n")


def garbage_sqlite(path: Path) -> None:
    """A SQLite file overwritten, its write-ahead log gone with it (the log alone could still serve pages)."""
    for extra in ("-wal", "-shm"):
        path.with_name(path.name + extra).unlink(missing_ok=True)
    garbage(path)


BREAKAGES = {
    "CURRENT is garbage": (lambda d: garbage(d / "index" / "CURRENT"), "CURRENT"),
    "CURRENT is empty": (lambda d: (d / "index" / "CURRENT").write_text(""), "CURRENT"),
    "generation missing": (lambda d: shutil.rmtree(live_generation(d)), "generation CURRENT names is missing"),
    "manifest truncated": (lambda d: (live_generation(d) / "manifest.json").write_text('{"generation": "g'), "manifest.json"),
    "segment truncated": (lambda d: a_segment(d, ".json").write_text('{"doc": {'), "segments/"),
    "segment missing": (lambda d: a_segment(d, ".json").unlink(), "segments/"),
    "segment vectors garbage": (lambda d: garbage(a_segment(d, ".npy")), "segments/"),
    "lexical index missing": (lambda d: shutil.rmtree(live_lexical(d)), "lexical"),
    "lexical index garbage": (lambda d: garbage(live_lexical(d) / "postings.npz"), "lexical"),
    "Chroma missing": (lambda d: shutil.rmtree(d / "chroma"), "chroma"),
    "Chroma corrupt": (lambda d: garbage_sqlite(d / "chroma" / "chroma.sqlite3"), "chroma"),
    "sessions SQLite corrupt": (lambda d: garbage_sqlite(d / "sessions.sqlite"), "sessions.sqlite"),
}


def licensebot(data: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, LICENSEBOT_DATA_DIR=str(data))
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True, timeout=300)


def generations(data: Path) -> set[str]:
    return {p.name for p in (data / "index").iterdir() if p.is_dir()} if (data / "index").is_dir() else set()


@pytest.mark.parametrize("name", list(BREAKAGES))
def test_start_up_on_broken_state_says_in_one_line_what_and_how_to_repair(data, name):
    breaks, names = BREAKAGES[name]
    breaks(data)
    before = generations(data)
    out = licensebot(data, "ask", QUESTION)
    assert out.returncode == 2 and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    assert names in lines[0] and ("licensebot ingest" in lines[0] or "move it aside" in lines[0])
    assert "Traceback" not in out.stderr
    assert generations(data) == before  # nothing was re-ingested behind the operator's back


def test_the_repair_it_names_works(data):
    garbage(data / "index" / "CURRENT")
    assert licensebot(data, "ingest", "-q").returncode == 0
    out = licensebot(data, "ask", QUESTION)
    assert out.returncode == 0 and out.stdout.startswith("结论：需要"), out.stderr


def publish_broken_copy(data: Path, breaks) -> str:
    """A new generation, copied from the live one and then broken, published the way ingest does."""
    live = live_generation(data)
    broken = live.with_name(live.name + "-broken")
    shutil.copytree(live, broken)
    breaks(broken)
    (data / "index" / "CURRENT").write_text(json.dumps({"generation": broken.name}))
    return broken.name


@pytest.mark.parametrize("breaks, names", [
    (naming_a_missing_lexical_base, "lexical"),
    (lambda g: (g / "manifest.json").unlink(), "manifest.json"),
])
def test_a_broken_generation_published_while_serving_keeps_the_loaded_index(data, embedder, breaks, names):
    settings = make_settings(data)
    with TestClient(create_app(settings, Bot(settings, embedder))) as client:
        good = json.loads((data / "index" / "CURRENT").read_text())["generation"]
        assert client.get("/healthz").json()["status"] == "ok"
        publish_broken_copy(data, breaks)
        r = client.post("/v1/ask", json={"question": QUESTION})
        assert r.status_code == 200 and r.json()["verdict"] == "required"
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json()["status"] == "degraded"
        assert names in health.json()["problem"] and good in health.json()["problem"]
        garbage(data / "index" / "CURRENT")  # then CURRENT itself breaks: still answering
        assert client.post("/v1/ask", json={"question": QUESTION}).status_code == 200
        assert client.get("/healthz").status_code == 503
        (data / "index" / "CURRENT").write_text(json.dumps({"generation": good}))  # a good one is published
        assert client.get("/healthz").json()["status"] == "ok"
