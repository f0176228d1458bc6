"""The live index: what one edited, added or removed article costs at a big corpus, what an
unchanged re-ingest costs, answer latency while a re-index runs beside the bot, the data
directory after many ingests, and two replicas sharing Redis and a `chroma run` under WeChat load."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from bench.common import BIN, percentile
from bench.speed import meanings
from bench.http_load import TOKEN, _fire, _message
from bot.core.settings import Settings
from bot.index.embedders import Embedder
from bot.service import Bot
from bot.surfaces.channels.crypto import signature
from ingest.pipeline import ingest
from processes import chroma_server, free_port, redis_server, running  # tests/, on sys.path via bench/run.py

QUIET = dict(show_progress=False, log=lambda m: None)


def _edit(path: Path, n: int) -> None:
    path.write_text(
        path.read_text(encoding="utf-8") + f"\n<p>第{n}次修订：补充一段说明文字，用于衡量单篇文章的更新。</p>\n",
        encoding="utf-8",
    )


def du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def incremental(settings: Settings, paths: list[Path], corpus: Path, embedder: Embedder) -> dict:
    """Seconds for: an unchanged re-ingest, one article edited, one added, one removed."""
    figures = {}

    def timed(name: str) -> None:
        report = ingest(paths, settings, embedder=embedder, meanings=meanings(settings), **QUIET)
        figures[name] = report.seconds
        figures[f"{name}_embedded"] = report.embedded

    timed("unchanged_s")
    files = sorted(p for p in corpus.iterdir() if p.is_file())
    _edit(files[len(files) // 2], 1)
    timed("one_edited_s")
    added = corpus / "zz_bench_added.txt"
    shutil.copy(files[len(files) // 3], added)
    _edit(added, 2)
    timed("one_added_s")
    added.unlink()
    timed("one_removed_s")
    figures["data_dir_mb"] = du_mb(settings.data_dir)
    return figures


def latency_beside_reindex(
    settings: Settings, embedder: Embedder, questions: list[str], corpus: Path, paths: list[Path], edits: int = 20
) -> dict:
    """Warm answer latency idle, then while `licensebot ingest` (another process) re-indexes `edits`
    edited articles; the bot keeps answering and follows the new generation."""
    bot = Bot(settings, embedder)
    knowledge = bot.loaded()

    def answer_all(until: threading.Event | None = None) -> list[float]:
        timings = []
        while True:
            for q in questions:
                knowledge.forget_vectors()
                started = time.perf_counter()
                bot.ask(q)
                timings.append((time.perf_counter() - started) * 1000)
                if until is not None and until.is_set():
                    return timings
            if until is None:
                return timings

    idle = answer_all()
    for i, path in enumerate(sorted(p for p in corpus.iterdir() if p.is_file())[:edits]):
        _edit(path, 100 + i)
    done = threading.Event()
    env = {**os.environ, "LICENSEBOT_DATA_DIR": str(settings.data_dir)}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(BIN / "licensebot"), "ingest", "-q", *map(str, paths)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    watcher = threading.Thread(target=lambda: (proc.wait(), done.set()))
    watcher.start()
    busy = answer_all(done)
    watcher.join()
    return {
        "idle_p50_ms": percentile(idle, 50),
        "during_reindex_p50_ms": percentile(busy, 50),
        "during_reindex_p95_ms": percentile(busy, 95),
        "reindex_s": time.perf_counter() - started,
        "answers_during": len(busy),
        "reindex_rc": proc.returncode,
    }


def growth(settings: Settings, articles: Path, embedder: Embedder, ingests: int = 100) -> dict:
    """The data directory after one ingest and after `ingests` more, each editing one article."""
    work = settings.data_dir.parent / "growth-articles"
    shutil.copytree(articles, work)
    ingest([work], settings, embedder=embedder, **QUIET)
    first = du_mb(settings.data_dir)
    target = sorted(work.iterdir())[-1]
    original = target.read_text(encoding="utf-8")
    for n in range(ingests):
        target.write_text(original + f"\n<p>第{n}次修订的补充说明。</p>\n", encoding="utf-8")
        ingest([work], settings, embedder=embedder, **QUIET)
    return {
        "after_1_mb": first,
        f"after_{ingests + 1}_mb": du_mb(settings.data_dir),
        "generations_on_disk": sum(
            1 for p in (settings.data_dir / "index").iterdir() if p.is_dir() and p.name not in ("segments", "lexical")
        ),
    }


def replicas(
    work: Path, articles: Path, embedder: Embedder, questions: list[str], concurrency: int = 50, total: int = 400
) -> dict:
    """Two `licensebot serve` replicas (own data directories, one Redis, one `chroma run`), signed
    /wechat messages spread over both, `concurrency` at a time."""
    with ExitStack() as stack:
        redis_url = stack.enter_context(redis_server(work))
        chroma_port = stack.enter_context(chroma_server(work / "chroma"))
        shared = {
            "LICENSEBOT_CHROMA_HOST": "127.0.0.1",
            "LICENSEBOT_CHROMA_PORT": str(chroma_port),
            "LICENSEBOT_REDIS_URL": redis_url,
            "LICENSEBOT_WECHAT_TOKEN": TOKEN,
            "LICENSEBOT_SESSION_SECRET": "bench",
        }
        ingest(
            [articles],
            Settings(data_dir=work / "a", chroma_host="127.0.0.1", chroma_port=chroma_port, _env_file=None),
            embedder=embedder,
            **QUIET,
        )
        shutil.copytree(work / "a", work / "b")
        urls = []
        for name in ("a", "b"):
            port = free_port()
            urls.append(f"http://127.0.0.1:{port}")
            stack.enter_context(
                running(
                    [str(BIN / "licensebot"), "serve", "--port", str(port)],
                    urls[-1] + "/healthz",
                    work / f"serve-{name}.log",
                    {**shared, "LICENSEBOT_DATA_DIR": str(work / name)},
                    timeout_s=180,
                )
            )
        ts, nonce = str(int(time.time())), "424242"
        params = {"signature": signature(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": "oBench"}
        start_id = int(time.time() * 1000)
        timings: list[float] = []
        failures = 0
        requests = [
            {"params": params, "content": _message(questions[i % len(questions)], start_id + i)} for i in range(total)
        ]

        async def both() -> list[tuple[list[float], int]]:  # half the messages to each replica, at once
            half = total // 2
            return await asyncio.gather(
                _fire(urls[0] + "/wechat", requests[:half], concurrency // 2),
                _fire(urls[1] + "/wechat", requests[half:], concurrency // 2),
            )

        for part, failed in asyncio.run(both()):
            timings += part
            failures += failed
    return {
        "requests": total,
        "concurrency": concurrency,
        "p50_ms": percentile(timings, 50),
        "p95_ms": percentile(timings, 95),
        "p99_ms": percentile(timings, 99),
        "failures": failures,
    }
