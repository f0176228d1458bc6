"""One side of the before/after scale bench, run in a fresh process with that side's code first on
PYTHONPATH (bench/scale.py starts it once for the old checkout and once for this one). Uses only
what both versions have: Settings, Bot, Knowledge, ingest, bench.synthetic.

Prints one JSON object: start-up (index load, peak RSS), unseen-question latency (question vectors
forgotten before each, after one warm-up question, as a server warms up when it starts), unchanged re-ingest, one edited / added / removed article, and the first
answer after the edit's reload.

Start-up is measured in a process of its own (`--startup-only`): this one has run an ingest by then,
whose peak would otherwise be counted as the start-up's RSS."""

from __future__ import annotations

import argparse
import inspect
import json
import resource
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


WARM_UP = "做一个只展示公司介绍的官网，需要什么证？"  # in no eval suite


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--paths", type=Path, nargs="+", required=True, help="what ingest indexes")
    parser.add_argument("--edit-in", type=Path, required=True, help="folder whose articles are edited, added, removed")
    parser.add_argument("--questions", type=Path, required=True, help="JSON list of questions")
    parser.add_argument("--composed", action="store_true", help="compose vectors from sentence vectors (synthetic)")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--startup-only", action="store_true", help="load, answer one question, print RSS")
    args = parser.parse_args()
    if args.startup_only:
        return startup(args.data)

    from bench import synthetic
    from bot.core.settings import Settings
    from bot.index.embedders import E5SmallEmbedder
    from bot.service import Bot
    from ingest.pipeline import ingest

    settings = Settings(data_dir=args.data, _env_file=None)
    real = E5SmallEmbedder()
    writer = synthetic.SentenceComposedEmbedder(real) if args.composed else real
    extra = {}
    if (
        "meanings" in inspect.signature(ingest).parameters
    ):  # this version stores unit meaning at ingest (as the CLI does)
        from bot.kb.catalog import load_catalog
        from bot.kb.evidence import UnitReader, load_cues

        extra["meanings"] = UnitReader(
            load_catalog(settings.knowledge_dir), load_cues(settings.knowledge_dir / "evidence.yaml")
        )

    def run_ingest() -> float:
        return ingest(args.paths, settings, embedder=writer, show_progress=False, log=lambda m: None, **extra).seconds

    if args.build_only:
        print(json.dumps({"build_s": run_ingest()}))
        return 0

    run_ingest()  # settle: the data directory may have been built from other paths (not timed)
    alone = subprocess.run(
        [sys.executable, __file__, "--data", str(args.data), "--paths", *map(str, args.paths)]
        + ["--edit-in", str(args.edit_in), "--questions", str(args.questions), "--startup-only"],
        env=os.environ,
        capture_output=True,
        text=True,
    )
    if alone.returncode:
        raise SystemExit(f"--startup-only: exit {alone.returncode}\n{alone.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(alone.stdout.strip().splitlines()[-1])
    bot = Bot(settings, real)
    knowledge = bot.loaded()
    figures["units"] = len(knowledge.index.units)
    # A serving process warms up when it starts (Bot.warm_up; not in the old version, so a question of our
    # own here): the lazy loads of the first answer (the vector index, tokenisers) are `first_answer_s`,
    # measured in the start-up process, not an unseen question's latency.
    bot.ask(WARM_UP)
    timings = []
    for question in json.loads(args.questions.read_text(encoding="utf-8")):
        bot.loaded().forget_vectors()
        t = time.perf_counter()
        bot.ask(question)
        timings.append((time.perf_counter() - t) * 1000)
    figures |= {
        "unseen_p50_ms": pct(timings, 50),
        "unseen_p95_ms": pct(timings, 95),
        "unseen_max_ms": max(timings),
        "answers": len(timings),
    }
    figures["unchanged_s"] = run_ingest()
    files = sorted(p for p in args.edit_in.iterdir() if p.is_file())
    edited = files[len(files) // 2]
    original = edited.read_bytes()
    try:
        edited.write_text(
            original.decode("utf-8") + "\n\n<p>补充一段说明文字，用于衡量单篇文章的更新。</p>\n", encoding="utf-8"
        )
        figures["one_edited_s"] = run_ingest()
        t = time.perf_counter()
        bot.ask("多方通信许可证由哪个部门审批？")  # notices the new generation, loads it, answers
        figures["first_answer_after_reload_s"] = time.perf_counter() - t
        added = args.edit_in / "zz_bench_added.txt"
        shutil.copy(files[len(files) // 3], added)
        with added.open("a", encoding="utf-8") as fh:
            fh.write("\n\n<p>新增文章的补充说明。</p>\n")
        figures["one_added_s"] = run_ingest()
        added.unlink()
        figures["one_removed_s"] = run_ingest()
    finally:
        edited.write_bytes(original)
        (args.edit_in / "zz_bench_added.txt").unlink(missing_ok=True)
        run_ingest()
    figures["peak_rss_mb"] = rss_mb()
    print(json.dumps(figures))
    return 0


def startup(data: Path) -> int:
    """A fresh process: load the index as a server does, then answer one question (the dense index
    of the vector store loads on the first search)."""
    from bot.core.settings import Settings
    from bot.index.embedders import E5SmallEmbedder
    from bot.service import Bot

    started = time.perf_counter()
    bot = Bot(Settings(data_dir=data, _env_file=None), E5SmallEmbedder())
    bot.loaded()
    figures = {"startup_s": time.perf_counter() - started, "startup_rss_mb": rss_mb()}
    asked = time.perf_counter()
    bot.ask("多方通信许可证由哪个部门审批？")
    figures |= {"first_answer_s": time.perf_counter() - asked, "first_answer_rss_mb": rss_mb()}
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
