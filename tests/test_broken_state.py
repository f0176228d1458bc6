"""Broken state on disk: a start-up says in one line what is broken and how to repair it (never a
traceback, never a silent re-ingest); a running server keeps the index it has and reports degraded;
the repair it names works: ingest rebuilds an unreadable segment from its article, saying so."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from bot.index.store import load_index
from bot.service import Bot
from bot.surfaces.api import create_app
from conftest import ARTICLES, make_settings
from ingest.pipeline import ingest

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


def without_a_fingerprint(path: Path) -> None:
    """Valid JSON of the wrong shape: its first unit lost a field every reader needs."""
    meta = json.loads(path.read_text(encoding="utf-8"))
    del meta["units"][0]["fingerprint"]
    path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def with_a_unit_off_its_article(path: Path) -> None:
    """Valid JSON of the right shape, but a unit's text is not the span of the article it claims."""
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["units"][0]["text"] = "不是这篇文章里的句子"
    path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


# Every way one of a segment's files can be broken: (which file, how).
SEGMENT_BREAKAGES = {
    "segment garbage": (".json", garbage),
    "segment truncated": (".json", lambda p: p.write_text('{"doc": {')),
    "segment empty": (".json", lambda p: p.write_text("")),
    "segment a JSON list": (".json", lambda p: p.write_text("[]")),
    "segment unit without fingerprint": (".json", without_a_fingerprint),
    "segment unit off its article": (".json", with_a_unit_off_its_article),
    "segment missing": (".json", lambda p: p.unlink()),
    "segment vectors garbage": (".npy", garbage),
    "segment vectors of another shape": (".npy", lambda p: np.save(p, np.zeros((3, 384), np.float16))),
    "segment vectors truncated": (".npy", lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])),
    "segment tokens garbage": (".tokens.json", garbage),  # only ingest reads them
}
READ_AT_START = [name for name, (suffix, _) in SEGMENT_BREAKAGES.items() if suffix != ".tokens.json"]


def garbage_sqlite(path: Path) -> None:
    """A SQLite file overwritten, its write-ahead log gone with it (the log alone could still serve pages);
    private, as the bot makes its files (an open one would be tightened first, saying so)."""
    for extra in ("-wal", "-shm"):
        path.with_name(path.name + extra).unlink(missing_ok=True)
    garbage(path)
    path.chmod(0o600)


BREAKAGES = {
    "CURRENT is garbage": (lambda d: garbage(d / "index" / "CURRENT"), "CURRENT"),
    "CURRENT is empty": (lambda d: (d / "index" / "CURRENT").write_text(""), "CURRENT"),
    "generation missing": (lambda d: shutil.rmtree(live_generation(d)), "generation CURRENT names is missing"),
    "manifest truncated": (
        lambda d: (live_generation(d) / "manifest.json").write_text('{"generation": "g'),
        "manifest.json",
    ),
    "lexical index missing": (lambda d: shutil.rmtree(live_lexical(d)), "lexical"),
    "lexical index garbage": (lambda d: garbage(live_lexical(d) / "postings.npz"), "lexical"),
    "Chroma missing": (lambda d: shutil.rmtree(d / "chroma"), "chroma"),
    "Chroma corrupt": (lambda d: garbage_sqlite(d / "chroma" / "chroma.sqlite3"), "chroma"),
    "sessions SQLite corrupt": (lambda d: garbage_sqlite(d / "sessions.sqlite"), "sessions.sqlite"),
}


def breaking_a_segment(name: str):
    """A BREAKAGES entry for SEGMENT_BREAKAGES[name]: the message must name that very file."""
    suffix, breaks = SEGMENT_BREAKAGES[name]
    return lambda d: breaks(a_segment(d, suffix)), lambda d: str(a_segment(d, suffix))


BREAKAGES.update({name: breaking_a_segment(name) for name in READ_AT_START})


def licensebot(data: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, LICENSEBOT_DATA_DIR=str(data))
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True, timeout=300)


def generations(data: Path) -> set[str]:
    return {p.name for p in (data / "index").iterdir() if p.is_dir()} if (data / "index").is_dir() else set()


@pytest.mark.parametrize("name", list(BREAKAGES))
def test_start_up_on_broken_state_says_in_one_line_what_and_how_to_repair(data, name):
    breaks, names = BREAKAGES[name]
    names = names(data) if callable(names) else names
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


@pytest.mark.parametrize(
    "breaks, names",
    [
        (naming_a_missing_lexical_base, "lexical"),
        (lambda g: (g / "manifest.json").unlink(), "manifest.json"),
    ],
)
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


@pytest.fixture(scope="module")
def corpus(knowledge, settings, embedder, tmp_path_factory) -> Path:
    """articles/ (a copy a test may edit) and data/ (its index; the vectors come from the session's
    collection, so building it embeds nothing)."""
    root = tmp_path_factory.mktemp("corpus")
    shutil.copytree(ARTICLES, root / "articles")
    shutil.copytree(settings.data_dir, root / "data")
    report = ingest(
        [root / "articles"], make_settings(root / "data"), embedder=embedder, show_progress=False, log=lambda m: None
    )
    assert report.files == 5 and report.embedded == 0 and not report.errors
    return root


@pytest.fixture
def own_corpus(corpus, tmp_path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(corpus, target)
    return target


def source_of(segment: Path) -> str:
    """The article a segment was built from (read before the test breaks it)."""
    return json.loads(segment.with_name(segment.name.split(".")[0] + ".json").read_text(encoding="utf-8"))["doc"][
        "source"
    ]


def ingest_warns_once_and_rebuilds(root: Path, broken: Path, source: str) -> str:
    """`licensebot ingest` on a data dir with `broken`: exit 0, one warning line naming the file and
    the article it is rebuilt from, no traceback; the index then loads whole. Returns the summary."""
    out = licensebot(root / "data", "ingest", "-q", str(root / "articles"))
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    warnings = [line for line in out.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and str(broken) in warnings[0] and f"rebuilt from {source}" in warnings[0], out.stderr
    assert "index up to date" not in out.stdout and "0 errors" in out.stdout, out.stdout
    index = load_index(make_settings(root / "data"))
    assert len(index.docs) == 5 and source in {d.source for d in index.docs.values()}
    return out.stdout


@pytest.mark.parametrize("name", list(SEGMENT_BREAKAGES))
def test_ingest_after_an_edit_rebuilds_an_unreadable_segment_from_its_article(own_corpus, name):
    """The issue's case: a segment broken, another article edited; every later ingest used to exit 1
    with a traceback, and the bot kept saying to run it."""
    suffix, breaks = SEGMENT_BREAKAGES[name]
    broken = a_segment(own_corpus / "data", suffix)
    source = source_of(broken)
    breaks(broken)
    edited = next(p for p in sorted((own_corpus / "articles").iterdir()) if not source.endswith(p.name))
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\n本段为测试新增的一句说明。\n", encoding="utf-8")
    summary = ingest_warns_once_and_rebuilds(own_corpus, broken, source)
    assert "(1 embedded" in summary  # the new sentence; the rebuilt article's vectors came from the collection
    assert "本段为测试新增的一句说明。" in {u.text for u in load_index(make_settings(own_corpus / "data")).units}


@pytest.mark.parametrize("name", ["segment garbage", "segment missing"])
def test_ingest_of_unchanged_articles_repairs_a_broken_segment_and_the_bot_answers_again(own_corpus, name):
    """Nothing edited: the run that `licensebot ask` asks for must not call the index up to date."""
    suffix, breaks = SEGMENT_BREAKAGES[name]
    broken = a_segment(own_corpus / "data", suffix)
    source = source_of(broken)
    breaks(broken)
    assert licensebot(own_corpus / "data", "ask", QUESTION).returncode == 2
    assert "(0 embedded" in ingest_warns_once_and_rebuilds(own_corpus, broken, source)
    out = licensebot(own_corpus / "data", "ask", QUESTION)
    assert out.returncode == 0 and out.stdout.startswith("结论：需要"), out.stderr


@pytest.mark.parametrize("name", READ_AT_START)
def test_a_segment_broken_under_a_running_server_makes_it_degraded_until_ingest_repairs_it(data, embedder, name):
    suffix, breaks = SEGMENT_BREAKAGES[name]
    settings = make_settings(data)
    with TestClient(create_app(settings, Bot(settings, embedder))) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        broken = a_segment(data, suffix)
        breaks(broken)
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json()["status"] == "degraded", health.json()
        assert str(broken) in health.json()["problem"] and "licensebot ingest" in health.json()["problem"]
        r = client.post("/v1/ask", json={"question": QUESTION})  # answered from the loaded index all along
        assert r.status_code == 200 and r.json()["verdict"] == "required"
        assert client.get("/healthz").status_code == 503  # still, while nothing changed
        report = ingest([ARTICLES], settings, embedder=embedder, show_progress=False, log=lambda m: None)
        assert len(report.rebuilt) == 1 and report.embedded == 0
        assert client.get("/healthz").json()["status"] == "ok"
