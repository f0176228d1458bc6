"""`licensebot eval`: expected Q&A suites -> metrics -> exit code.

The consultancy edits articles and rules weekly; this is the one command that says whether
answers got better or worse, and whether a change is to blame on retrieval (recall@k, MRR of the
retriever alone) or on answering (verdicts, facts, quotes). It talks to the bot through
bot.service only.
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from tqdm import tqdm

from bot.core.errors import KnowledgeError, NotReady
from bot.core.settings import get_settings
from bot.service import Bot
from eval.report import render_markdown
from eval.scoring import CaseResult, metrics, score_case
from eval.suite import SUITES_DIR, Suite, SuiteError, load_suite


def run_suites(suites: list[Suite], bot, show_progress: bool = True) -> dict:
    status = bot.status()
    results: list[CaseResult] = []
    cases = [c for s in suites for c in s.cases]
    for case in tqdm(cases, desc="eval", unit="case", disable=not show_progress, file=sys.stderr):
        a = bot.ask(case.question)
        results.append(score_case(case, a, bot.sources_for(case.question, k=10)))
    overall = metrics(results)
    failures, per_suite = [], {}
    for suite in suites:
        got = metrics([r for r in results if r.case.suite == suite.name])
        per_suite[suite.name] = {"metrics": got, "thresholds": suite.thresholds}
        failures += [f"{suite.name}: {k} {got[k]:.3f} < {v}" for k, v in suite.thresholds.items()
                     if got.get(k) is not None and got[k] < v]
    by_tag = defaultdict(list)
    for r in results:
        for t in r.case.tags or ["untagged"]:
            by_tag[t].append(r)
    return {"cases": len(results), "metrics": overall, "suites": per_suite, "failures": failures,
            "by_tag": {t: {"cases": len(rs), **{k: v for k, v in metrics(rs).items() if k in ("pass_rate", "verdict_accuracy", "fact_recall")}}
                       for t, rs in sorted(by_tag.items())},
            "results": [{"id": r.case.id, "suite": r.case.suite, "question": r.case.question, "passed": r.passed,
                         "reasons": r.reasons, "verdict": r.verdict, "latency_ms": r.latency_ms} for r in results],
            "embedder": status.embedder}


def feedback_cases(bot: Bot) -> list[dict]:
    """👎 answers from the Streamlit page, as starting points for new eval cases."""
    return [{"question": r["question"], "comment": r.get("comment", ""), "verdict_given": r.get("verdict")}
            for r in bot.feedback() if r.get("rating") == "down"]


def main(paths: list[Path], json_out: Path | None = None, md_out: Path | None = None, feedback: bool = False) -> int:
    try:
        suites = [load_suite(p) for p in (paths or sorted(SUITES_DIR.glob("*.yaml")))]
    except SuiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    bot = Bot(get_settings())
    try:
        report = run_suites(suites, bot)
    except KnowledgeError as exc:
        print(f"FAIL: the knowledge base is inconsistent: {exc}", file=sys.stderr)
        return 1
    except NotReady as exc:  # e.g. an index of another embedder: say so, never re-ingest behind the user's back
        print(f"error: {exc}", file=sys.stderr)
        return 2
    md = render_markdown(report)
    print(md)
    if feedback:
        for row in feedback_cases(bot):
            print(f"feedback 👎: {row['question']} — {row['comment']}")
    if json_out:
        json_out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    if md_out:
        md_out.write_text(md, encoding="utf-8")
    return 1 if report["failures"] else 0
