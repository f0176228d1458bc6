"""Before and after, in one run: the code at OLD_REF (checked out as a git worktree) and this
checkout, each in fresh processes (bench/scale_probe.py), on the shipped articles and on the
synthetic corpus (~100k chunks, ~145k units): start-up time and RSS, unseen-question p50/p95/max,
unchanged re-ingest, one edited/added/removed article, the first answer after a reload.

The synthetic corpus takes minutes to build per side, so `--scale-data DIR` keeps the corpora and
both sides' data directories for the next run (each side's is built once, by its own code; this
side's starts as a copy of the old one's, so nothing is cleaned or embedded twice).
`python -m bench.scale` runs this part alone; `make bench` runs it after the rest."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bench import synthetic
from bench.common import REPO, table

OLD_REF = "1ab5298"  # main before issue 20
ARTICLES = REPO / "knowledge" / "articles"
METRICS = [
    "units",
    "startup_s",
    "startup_rss_mb",
    "first_answer_s",
    "first_answer_rss_mb",
    "unseen_p50_ms",
    "unseen_p95_ms",
    "unseen_max_ms",
    "unchanged_s",
    "one_edited_s",
    "first_answer_after_reload_s",
    "one_added_s",
    "one_removed_s",
    "peak_rss_mb",
]


def old_checkout(work: Path, ref: str = OLD_REF) -> Path:
    target = work / f"licensebot-{ref}"
    if not (target / "bot").is_dir():
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(target), ref],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return target


def probe(
    code: Path,
    data: Path,
    paths: list[Path],
    edit_in: Path,
    questions: Path,
    composed: bool,
    build_only: bool = False,
    say=print,
) -> dict:
    """Run bench/scale_probe.py with `code` first on the path; its JSON figures."""
    command = [
        sys.executable,
        str(REPO / "bench" / "scale_probe.py"),
        "--data",
        str(data),
        "--paths",
        *map(str, paths),
        "--edit-in",
        str(edit_in),
        "--questions",
        str(questions),
    ]
    command += ["--composed"] * composed + ["--build-only"] * build_only
    done = subprocess.run(
        command, env={**os.environ, "PYTHONPATH": str(code)}, cwd=code, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"{code.name}: {' '.join(command[2:4])}: exit {done.returncode}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _built(side: str, code: Path, data: Path, seed: Path | None, paths, edit_in, questions, composed, say) -> None:
    if (data / "index" / "CURRENT").exists():
        return
    if seed is not None and (seed / "index" / "CURRENT").exists():
        shutil.copytree(seed, data)  # segments and vectors already there: this side only re-indexes them
    say(f"scale: building {data.name} with the {side} code")
    probe(code, data, paths, edit_in, questions, composed, build_only=True)


def compare(work: Path, questions: list[str], chunks: int, say=print) -> tuple[str, dict]:
    """A Markdown table (metrics x corpus/side) and the figures."""
    work.mkdir(parents=True, exist_ok=True)
    old = old_checkout(work)
    shipped = work / "shipped-articles"  # a copy: the probe edits, adds and removes articles
    if not shipped.is_dir():
        shutil.copytree(ARTICLES, shipped)
    qfile = work / "questions.json"
    qfile.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    corpora = {"shipped": ([shipped], shipped, False)}
    if chunks:
        big = work / f"synthetic-{chunks}"
        if not big.is_dir():
            from ingest.pipeline import read_docs
            from bench.speed import settings_for

            docs, _ = read_docs([ARTICLES], settings_for(work / "scratch"))
            synthetic.write_corpus(big, synthetic.article_sentences(d["text"] for d in docs), int(chunks * 1.1))
        corpora[f"synthetic {chunks}"] = ([shipped, big], big, True)
    figures: dict[str, dict] = {}
    for name, (paths, edit_in, composed) in corpora.items():
        slug = name.replace(" ", "-")
        for side, code, seed in (("before", old, None), ("after", REPO, work / f"before-{slug}")):
            data = work / f"{side}-{slug}"
            _built(side, code, data, seed if side == "after" else None, paths, edit_in, qfile, composed, say)
            say(f"scale: measuring {name}, {side}")
            figures[f"{name} {side}"] = probe(code, data, paths, edit_in, qfile, composed, say=say)
    columns = list(figures)
    rows = [[m] + [figures[c].get(m) for c in columns] for m in METRICS]
    return table(["metric"] + columns, rows), figures


def main(argv: list[str] | None = None) -> int:
    import argparse

    from eval.suite import SUITES_DIR, load_suite

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale-data", type=Path, default=REPO / "bench" / "out" / "scale")
    parser.add_argument("--synthetic-chunks", type=int, default=100_000)
    args = parser.parse_args(argv)
    suites = [load_suite(p) for p in sorted(SUITES_DIR.glob("*.yaml"))]
    cases = [c for s in suites if not s.articles for c in s.cases]  # a suite with its own articles needs its own index
    text, _ = compare(
        args.scale_data,
        [c.question for c in cases if not c.refuse],
        args.synthetic_chunks,
        say=lambda m: print(m, file=sys.stderr, flush=True),
    )
    print(text)
    return 0


if __name__ == "__main__":  # python -m bench.scale [--scale-data DIR] [--synthetic-chunks N]
    raise SystemExit(main())
