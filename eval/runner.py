"""`licensebot eval`: expected Q&A suites -> metrics -> exit code.

The consultancy edits articles and rules weekly; this is the one command that says whether
answers got better or worse, and whether a change is to blame on retrieval (recall@k, MRR of the
retriever alone) or on answering (verdicts, facts, quotes). It talks to the bot through
bot.service only. A suite that brings its own `articles` is run against an index of the shipped
articles plus those, built by the `with_articles` callable the CLI passes in.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Callable

from tqdm import tqdm

from bot.core.errors import KnowledgeError, NotReady
from bot.core.settings import Settings, get_settings
from bot.service import Bot
from eval.report import render_markdown
from eval.scoring import CaseResult, metrics, score_case
from eval.suite import SUITES_DIR, Case, Suite, SuiteError, load_known_failures, load_suite

WithArticles = Callable[[list[Path]], Settings]


def ask_case(bot: Bot, case: Case):
    """The case's question, after its earlier turns (if any) in a fresh session of its own."""
    if not case.before:
        return bot.ask(case.question)
    session = f"eval:{case.suite}:{case.id}:{uuid.uuid4().hex[:8]}"
    for earlier in case.before:
        bot.ask(earlier, session_id=session)
    return bot.ask(case.question, session_id=session)


def _bot_for(suite: Suite, default: Bot, with_articles: WithArticles | None) -> Bot:
    if not suite.articles:
        return default
    if with_articles is None:
        raise SuiteError(f"{suite.path}: brings its own articles; run it through `licensebot eval`")
    return Bot(with_articles(suite.articles))


def judge(results: list[CaseResult], suites: list[Suite], known: dict[str, str]) -> list[str]:
    """Below-threshold metrics, cases that fail without being listed, and listed cases that pass."""
    failures = []
    for suite in suites:
        got = metrics([r for r in results if r.case.suite == suite.name])
        failures += [
            f"{suite.name}: {k} {value:.3f} < {v}"
            for k, v in suite.thresholds.items()
            if (value := got.get(k)) is not None and value < v - 1e-9
        ]
    for r in results:
        key = f"{r.case.suite}/{r.case.id}"
        if not r.passed and key not in known:
            failures.append(f"{key}: new failure ({'; '.join(r.reasons)})")
        if r.passed and key in known:
            failures.append(f"{key}: passes now; take it off eval/known_failures.yaml")
    return failures


def _breakdown(results: list[CaseResult], key) -> dict:
    groups = defaultdict(list)
    for r in results:
        for k in key(r):
            groups[k].append(r)
    keep = ("pass_rate", "verdict_accuracy", "fact_recall", "intent_accuracy")
    return {
        k: {"cases": len(rs), **{m: v for m, v in metrics(rs).items() if m in keep}} for k, rs in sorted(groups.items())
    }


def run_suites(
    suites: list[Suite],
    bot: Bot,
    show_progress: bool = True,
    with_articles: WithArticles | None = None,
    known: dict[str, str] | None = None,
) -> dict:
    status = bot.status()
    if status.warnings:  # the gate: an article edit that leaves a rule without its quote does not pass
        raise KnowledgeError("rule quotes out of step with the knowledge base:\n  " + "\n  ".join(status.warnings))
    results: list[CaseResult] = []
    for suite in suites:
        suite_bot = _bot_for(suite, bot, with_articles)
        for case in tqdm(
            suite.cases, desc=f"eval {suite.name}", unit="case", disable=not show_progress, file=sys.stderr
        ):
            given = ask_case(suite_bot, case)
            results.append(
                score_case(case, given, suite_bot.sources_for(case.question, k=10), suite_bot.grounding_problems(given))
            )
    known = known or {}
    return {
        "cases": len(results),
        "metrics": metrics(results),
        "embedder": status.embedder,
        "suites": {
            s.name: {"metrics": metrics([r for r in results if r.case.suite == s.name]), "thresholds": s.thresholds}
            for s in suites
        },
        "failures": judge(results, suites, known),
        "by_tag": _breakdown(results, lambda r: r.case.tags or ["untagged"]),
        "by_intent": _breakdown(results, lambda r: [r.case.intent] if r.case.intent else []),
        "results": [
            {
                "id": r.case.id,
                "suite": r.case.suite,
                "question": r.case.question,
                "passed": r.passed,
                "known": f"{r.case.suite}/{r.case.id}" in known,
                "reasons": r.reasons,
                "verdict": r.verdict,
                "latency_ms": r.latency_ms,
            }
            for r in results
        ],
    }


def feedback_cases(bot: Bot) -> list[dict]:
    """👎 answers from the Streamlit page, as starting points for new eval cases."""
    return [
        {"question": r["question"], "comment": r.get("comment", ""), "verdict_given": r.get("verdict")}
        for r in bot.feedback()
        if r.get("rating") == "down"
    ]


def main(
    paths: list[Path],
    json_out: Path | None = None,
    md_out: Path | None = None,
    feedback: bool = False,
    with_articles: WithArticles | None = None,
) -> int:
    try:
        suites = [load_suite(p) for p in (paths or sorted(SUITES_DIR.glob("*.yaml")))]
        known = load_known_failures()
    except SuiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    bot = Bot(get_settings())
    try:
        report = run_suites(suites, bot, with_articles=with_articles, known=known)
    except KnowledgeError as exc:
        print(f"FAIL: the knowledge base is inconsistent: {exc}", file=sys.stderr)
        return 1
    except NotReady as exc:  # e.g. an index of another embedder: say so, never re-ingest behind the user's back
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SuiteError as exc:
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
