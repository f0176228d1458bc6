"""Speed and memory at the shipped corpus: ingest throughput, cold start, warm latency, peak RSS,
and answer latency with the vectors on a `chroma run` server."""

from __future__ import annotations

import json
import time
from pathlib import Path

from bench.common import BIN, percentile, run_measured
from bot.index.embedders import Embedder
from bot.service import Bot
from bot.core.settings import Settings
from bot.kb.catalog import load_catalog
from bot.kb.evidence import UnitReader, load_cues
from ingest.pipeline import ingest

QUESTION = "我的语音聊天房小程序需要多方通信许可证吗？"


def settings_for(data_dir: Path, **extra) -> Settings:
    return Settings(data_dir=data_dir, _env_file=None, **extra)


def meanings(settings: Settings) -> UnitReader:
    """What `licensebot ingest` reads unit meaning with (stored in the segments, as the CLI does)."""
    return UnitReader(load_catalog(settings.knowledge_dir), load_cues(settings.knowledge_dir / "evidence.yaml"))


def ingest_figures(settings: Settings, articles: list[Path], embedder: Embedder) -> dict:
    report = ingest(
        articles, settings, embedder=embedder, show_progress=False, log=lambda m: None, meanings=meanings(settings)
    )
    return {
        "files": report.files,
        "units": report.units,
        "ingest_s": report.seconds,
        "units_per_s": report.embedded / report.seconds if report.seconds else None,
    }


def warm_latency(settings: Settings, embedder: Embedder, questions: list[str], rounds: int = 3) -> dict:
    """A loaded process answering questions it has not seen: the question-vector cache is emptied
    before each one, so every answer pays for its own embedding."""
    bot = Bot(settings, embedder)
    knowledge = bot.loaded()
    timings = []
    for _ in range(rounds):
        for q in questions:
            knowledge.forget_vectors()
            started = time.perf_counter()
            bot.ask(q)
            timings.append((time.perf_counter() - started) * 1000)
    return {"warm_p50_ms": percentile(timings, 50), "warm_p95_ms": percentile(timings, 95), "answers": len(timings)}


def process_figures(data_dir: Path, questions: list[str], extra_env: dict | None = None) -> dict:
    """A fresh process per measurement: cold start (one question) and one batch of questions."""
    env = {"LICENSEBOT_DATA_DIR": str(data_dir), **(extra_env or {})}
    cold_s, cold_rss, out = run_measured([str(BIN / "licensebot"), "ask", "--json", QUESTION], env)
    assert json.loads(out)["verdict"] == "required"
    batch = "\n".join(questions).encode() + b"\n"
    batch_s, batch_rss, out = run_measured([str(BIN / "licensebot"), "ask", "--json", "-"], env, stdin=batch)
    assert len(out.splitlines()) == len(questions)
    return {
        "cold_start_s": cold_s,
        "cold_rss_mb": cold_rss,
        f"batch_{len(questions)}_s": batch_s,
        "peak_rss_mb": batch_rss,
    }
