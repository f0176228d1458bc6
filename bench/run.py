"""`make bench`: the baseline comparison and the speed/memory figures, printed and written to
bench/out/report.md. Nothing here asserts a time; the figures are for reading."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent.parent / "tests")]

from bench import abuse, baselines, editing, http_load, live, meaning, scale, speed, synthetic  # noqa: E402
from bench import reader as reader_bench  # noqa: E402
from bench.common import BIN, REPO, table  # noqa: E402
from bot.index.embedders import E5SmallEmbedder  # noqa: E402
from bot.answering.knowledge import Knowledge  # noqa: E402
from bot.service import Bot  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from processes import chroma_server  # noqa: E402
from eval.suite import SUITES_DIR, load_suite  # noqa: E402

ARTICLES = REPO / "knowledge" / "articles"


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def figures_table(figures: dict[str, dict]) -> str:
    keys = list(dict.fromkeys(k for f in figures.values() for k in f))
    return table(["corpus"] + keys, [[name] + [f.get(k) for k in keys] for name, f in figures.items()])


SCALE_TITLE = f"## Before ({scale.OLD_REF}) and after: start-up, unseen questions, updates"
SCALE_NOTE = (
    "Each side in fresh processes with its own code (bench/scale_probe.py): startup_s is a process of its own "
    "loading the index and everything an answer needs (model included), startup_rss_mb its peak RSS then, "
    "first_answer_* the same process after its first question (the vector store's dense index loads then); "
    "peak_rss_mb the process that also ran the ingests below; unseen_* answers after one warm-up question (a "
    "server warms up when it starts; the first answer's lazy loads are first_answer_*), with "
    "the question-vector cache emptied before each; *_s ingests are in-process; first_answer_after_reload_s is "
    "the first question after the edit's generation was published (load + answer)."
)


def _scale_only(args, questions: list[str]) -> int:
    compared, figures = scale.compare(args.scale_data, questions, args.synthetic_chunks, say=say)
    text = "\n".join([SCALE_TITLE, "", compared, "", SCALE_NOTE, ""])
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_name("scale.md").write_text(text, encoding="utf-8")
    args.out.with_name("scale.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--synthetic-chunks", type=int, default=100_000, help="0 skips the synthetic corpus")
    parser.add_argument(
        "--full-embedding", action="store_true", help="embed every synthetic chunk with the model (slow)"
    )
    parser.add_argument("--no-server", action="store_true", help="skip the chroma run server figures")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "report.md")
    parser.add_argument(
        "--scale-data",
        type=Path,
        default=REPO / "bench" / "out" / "scale",
        help="corpora and data directories of the before/after comparison, kept for the next run",
    )
    parser.add_argument("--only-scale", action="store_true", help="run only the before/after comparison")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="licensebot-bench-"))
    suites = [load_suite(p) for p in sorted(SUITES_DIR.glob("*.yaml"))]
    cases = [c for s in suites if not s.articles for c in s.cases]  # a suite with its own articles needs its own index
    in_scope = [c.question for c in cases if not c.refuse]
    hundred = (in_scope * 3)[:100]
    if args.only_scale:
        return _scale_only(args, in_scope)
    embedder = E5SmallEmbedder()
    figures: dict[str, dict] = {}
    report = [f"# licensebot bench — {time.strftime('%Y-%m-%d %H:%M')}, {len(cases)} eval cases", ""]

    say("shipped corpus: ingest")
    shipped = speed.settings_for(work / "shipped")
    figures["shipped (embedded Chroma)"] = speed.ingest_figures(shipped, [ARTICLES], embedder)
    knowledge = Knowledge.load(shipped, embedder)
    say("baselines")
    rows = baselines.compare(cases, Bot(shipped, embedder), knowledge)
    report += ["## Same cases, four systems", "", table(baselines.HEADERS, rows), ""]
    report += [
        "## Intent classifier on the labelled cases",
        "",
        table(meaning.INTENT_HEADERS, meaning.intent_table(cases, knowledge)),
        "",
        "## Relevance threshold: is anything in the knowledge base about this question?",
        "",
        "Every eval question not refused by a pattern, by the best unit's e5 similarity (the threshold applies only to questions with no licence, product feature or licence word in them).",
        "",
        table(meaning.SCOPE_HEADERS, meaning.scope_curve(cases, knowledge)),
        "",
    ]
    say("understanding: hand rules vs the learned reader on the held-out writer")
    understood = reader_bench.run(
        knowledge, Settings()
    )  # the learned reader of the default data dir (trained if needed)
    report += reader_bench.report(understood)
    say("shipped corpus: an editor's upload, replace and delete")
    edits = {"shipped": editing.upload_figures(shipped, embedder)}
    say("shipped corpus: latency and memory")
    figures["shipped (embedded Chroma)"] |= speed.warm_latency(shipped, embedder, in_scope)
    figures["shipped (embedded Chroma)"] |= speed.process_figures(shipped.data_dir, hundred)

    if not args.no_server:
        say("shipped corpus on a chroma run server")
        with chroma_server(work / "chroma-server") as port:
            remote = speed.settings_for(work / "remote", chroma_host="127.0.0.1", chroma_port=port)
            figures["shipped (chroma run server)"] = speed.ingest_figures(remote, [ARTICLES], embedder)
            figures["shipped (chroma run server)"] |= speed.warm_latency(remote, embedder, in_scope)
            figures["shipped (chroma run server)"] |= speed.process_figures(
                remote.data_dir, hundred, {"LICENSEBOT_CHROMA_HOST": "127.0.0.1", "LICENSEBOT_CHROMA_PORT": str(port)}
            )

    say(f"HTTP load: {args.concurrency} concurrent requests")
    http = http_load.measure(shipped.data_dir, in_scope, concurrency=args.concurrency)
    report += [
        f"## `licensebot serve` under {args.concurrency} concurrent requests (127.0.0.1, one worker)",
        "",
        table(
            ["endpoint", "requests", "p50 ms", "p95 ms", "max ms", "req/s", "failures"],
            [
                [name, f["requests"], f["p50_ms"], f["p95_ms"], f["max_ms"], f["rps"], f["failures"]]
                for name, f in http.items()
            ],
        ),
        "",
    ]

    say(f"two replicas (Redis, chroma run): {args.concurrency} concurrent /wechat")
    two = live.replicas(work / "replicas", ARTICLES, embedder, in_scope, concurrency=args.concurrency)
    report += [
        f"## Two replicas (one Redis, one `chroma run`), {args.concurrency} concurrent /wechat spread over both",
        "",
        table(
            ["requests", "p50 ms", "p95 ms", "p99 ms", "failures"],
            [[two["requests"], two["p50_ms"], two["p95_ms"], two["p99_ms"], two["failures"]]],
        ),
        "",
    ]
    say("data directory growth: 100 ingests, each editing one article")
    grown = live.growth(speed.settings_for(work / "growth"), ARTICLES, embedder)
    report += [
        "## The data directory after many ingests (shipped corpus, one article edited each time)",
        "",
        table(list(grown), [list(grown.values())]),
        "",
    ]

    say("abuse: 20 MB bodies beside signed /wechat traffic")
    abused = abuse.measure(BIN / "licensebot", shipped.data_dir)
    report += [
        "## /wechat while 20 MB bodies are posted to /v1/ask (first series right after start-up)",
        "",
        abuse.report(abused),
        "",
    ]

    if args.synthetic_chunks:
        say(f"synthetic corpus of ~{args.synthetic_chunks} chunks: writing files")
        sentences = synthetic.article_sentences(d.text for d in knowledge.index.docs.values())
        files = synthetic.write_corpus(work / "synthetic-articles", sentences, int(args.synthetic_chunks * 1.1))
        big = speed.settings_for(work / "synthetic")
        chunk_embedder = embedder if args.full_embedding else synthetic.SentenceComposedEmbedder(embedder)
        say(f"synthetic corpus: ingesting {files} files plus the real articles (rules quote them)")
        name = f"synthetic ({'model' if args.full_embedding else 'composed'} vectors)"
        from ingest.pipeline import ingest

        result = ingest(
            [ARTICLES, work / "synthetic-articles"],
            big,
            embedder=chunk_embedder,
            show_progress=True,
            log=lambda m: None,
            meanings=speed.meanings(big),
        )
        figures[name] = {
            "files": result.files,
            "units": result.units,
            "ingest_s": result.seconds,
            "units_per_s": result.units / result.seconds,
        }
        sample = [u.text for u in Knowledge.load(big, embedder).index.units[:512]]
        figures[name]["model_units_per_s"] = synthetic.model_throughput(embedder, sample)
        figures["shipped (embedded Chroma)"]["model_units_per_s"] = figures[name]["model_units_per_s"]
        say("synthetic corpus: latency and memory")
        figures[name] |= speed.warm_latency(big, embedder, in_scope, rounds=1)
        figures[name] |= speed.process_figures(big.data_dir, hundred)
        say("synthetic corpus: unchanged, one edited, one added, one removed")
        paths = [ARTICLES, work / "synthetic-articles"]
        changes = live.incremental(big, paths, work / "synthetic-articles", chunk_embedder)
        say("synthetic corpus: an editor's upload, replace and delete")
        # the synthetic articles as the uploads folder: the desk's corpus is the whole synthetic one
        edits[name] = editing.upload_figures(
            speed.settings_for(work / "synthetic", uploads_dir=work / "synthetic-articles"), embedder
        )
        say("synthetic corpus: answering while a re-index runs beside it")
        beside = live.latency_beside_reindex(big, embedder, in_scope[:40], work / "synthetic-articles", paths)
        report += [
            f"## Incremental ingest at {result.units} units",
            "",
            table(list(changes), [list(changes.values())]),
            "",
            "## Warm answers while another process re-indexes 20 edited articles",
            "",
            table(list(beside), [list(beside.values())]),
            "",
        ]

    say(f"before ({scale.OLD_REF}) and after, at the shipped corpus and ~{args.synthetic_chunks} synthetic chunks")
    compared, _ = scale.compare(args.scale_data, in_scope, args.synthetic_chunks, say=say)
    report += [SCALE_TITLE, "", compared, "", SCALE_NOTE, ""]

    report += [
        "## An editor's changes until the bot answers from them (ArticleDesk: the 知识库 page, /v1/articles)",
        "",
        table(["corpus", *next(iter(edits.values()))], [[k, *v.values()] for k, v in edits.items()]),
        "",
        "## Speed and memory",
        "",
        figures_table(figures),
        "",
        "units_per_s: whole ingest (read, clean, build units, embed, BM25, Chroma) per second; model_units_per_s: "
        "e5-small alone on 512 real units; cold_start_s: a fresh `licensebot ask --json` process, import to "
        "answer; peak_rss_mb: a fresh process answering 100 questions (ru_maxrss).",
        "",
    ]
    text = "\n".join(report)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    (args.out.with_suffix(".json")).write_text(
        json.dumps(
            {
                "baselines": rows,
                "understanding": understood,
                "figures": figures,
                "http": http,
                "abuse": abused,
                "replicas": two,
                "growth": grown,
            },
            ensure_ascii=False,
            indent=1,
            default=str,
        ),
        encoding="utf-8",
    )
    say(f"written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
