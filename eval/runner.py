"""`licensebot eval`: expected Q&A suites -> metrics -> exit code.

The consultancy edits articles and rules weekly; this is the one command that says whether
answers got better or worse, and whether a change is to blame on retrieval (recall@k, MRR of the
retriever alone) or on answering (verdicts, facts, quotes).
"""
from __future__ import annotations

import json
import re
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from tqdm import tqdm

from bot.settings import REPO_ROOT, get_settings

SUITES_DIR = REPO_ROOT / "eval" / "suites"
KNOWN_FIELDS = {"id", "question", "expect", "verdict", "facts", "sources", "refuse", "no_invention", "tags"}
METRICS = ["verdict_accuracy", "fact_recall", "citation_source_hit", "quote_verbatim_rate", "refusal_precision",
           "refusal_recall", "no_invention_rate", "recall_at_5", "mrr"]
NUMBER = re.compile(r"\d+(?:\.\d+)?")


class SuiteError(ValueError):
    pass


@dataclass
class Case:
    id: str
    question: str
    suite: str
    expect: dict[str, str] = field(default_factory=dict)
    verdict: str | None = None
    facts: list[list[str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    refuse: bool = False
    no_invention: bool = False
    tags: list[str] = field(default_factory=list)


@dataclass
class Suite:
    name: str
    path: Path
    thresholds: dict[str, float]
    cases: list[Case]


def load_suite(path: Path) -> Suite:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SuiteError(f"{path}: cannot read suite: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise SuiteError(f"{path}: a suite needs a 'cases' list")
    thresholds = data.get("thresholds") or {}
    for key, value in thresholds.items():
        if key not in METRICS or not isinstance(value, (int, float)):
            raise SuiteError(f"{path}: thresholds.{key}: unknown metric or not a number (metrics: {', '.join(METRICS)})")
    cases, seen = [], set()
    for i, raw in enumerate(data["cases"]):
        where = f"{path}: case {raw.get('id', f'#{i + 1}') if isinstance(raw, dict) else f'#{i + 1}'}"
        if not isinstance(raw, dict):
            raise SuiteError(f"{where}: expected a mapping")
        unknown = set(raw) - KNOWN_FIELDS
        if unknown:
            raise SuiteError(f"{where}: unknown field(s) {sorted(unknown)}")
        if not isinstance(raw.get("question"), str) or not raw["question"].strip():
            raise SuiteError(f"{where}: field 'question' is required")
        cid = str(raw.get("id") or f"{path.stem}-{i + 1}")
        if cid in seen:
            raise SuiteError(f"{where}: duplicate id")
        seen.add(cid)
        expect = raw.get("expect") or {}
        if not isinstance(expect, dict) or not all(v in {"required", "not_required", "depends", "unknown"} for v in expect.values()):
            raise SuiteError(f"{where}: field 'expect' must map licence slugs to required/not_required/depends/unknown")
        facts = raw.get("facts") or []
        if not isinstance(facts, list) or not all(isinstance(f, (str, list)) for f in facts):
            raise SuiteError(f"{where}: field 'facts' must be a list of strings or of lists of alternatives")
        cases.append(Case(id=cid, question=raw["question"], suite=path.stem, expect=expect, verdict=raw.get("verdict"),
                          facts=[[f] if isinstance(f, str) else [str(x) for x in f] for f in facts],
                          sources=[str(s) for s in raw.get("sources") or []], refuse=bool(raw.get("refuse")),
                          no_invention=bool(raw.get("no_invention")), tags=[str(t) for t in raw.get("tags") or []]))
    return Suite(path.stem, path, {k: float(v) for k, v in thresholds.items()}, cases)


@dataclass
class CaseResult:
    case: Case
    passed: bool
    reasons: list[str]
    scores: dict[str, float | None]
    latency_ms: float
    verdict: str


def _source_matches(expected: str, citation) -> bool:
    e = expected.lower()
    return e in citation.source.lower() or e in citation.title.lower()


def score_case(case: Case, a, docs: dict, retrieved_sources: list[str]) -> CaseResult:
    from ingest.normalise import fold

    reasons: list[str] = []
    scores: dict[str, float | None] = {m: None for m in METRICS}
    got = {l.slug: l.status.value for l in a.licenses}
    checks = []
    if case.verdict:
        checks.append(a.verdict.value == case.verdict)
        if not checks[-1]:
            reasons.append(f"verdict {a.verdict.value} != {case.verdict}")
    for slug, status in case.expect.items():
        checks.append(got.get(slug) == status)
        if not checks[-1]:
            reasons.append(f"{slug}: {got.get(slug)} != {status}")
    if checks:
        scores["verdict_accuracy"] = sum(checks) / len(checks)
    haystack = fold(a.answer + " " + " ".join(c.quote for c in a.citations))
    if case.facts:
        found = [any(fold(alt) in haystack for alt in alts) for alts in case.facts]
        scores["fact_recall"] = sum(found) / len(found)
        reasons += [f"missing fact {alts}" for alts, ok in zip(case.facts, found) if not ok]
    if case.sources:
        hit = any(_source_matches(s, c) for s in case.sources for c in a.citations)
        scores["citation_source_hit"] = float(hit)
        if not hit:
            reasons.append(f"no citation from {case.sources}")
        ranks = [i for i, src in enumerate(retrieved_sources) if any(s.lower() in src.lower() for s in case.sources)]
        scores["recall_at_5"] = float(bool(ranks) and ranks[0] < 5)
        scores["mrr"] = 1.0 / (ranks[0] + 1) if ranks else 0.0
    if a.citations:
        verbatim = [c.quote in docs[c.doc_id]["text"] for c in a.citations]
        scores["quote_verbatim_rate"] = sum(verbatim) / len(verbatim)
        if not all(verbatim):
            reasons.append("a quote is not verbatim in its source")
    if case.no_invention:
        quoted = " ".join(c.quote for c in a.citations)
        text = re.sub(r"\[\d+\]|^\d+\. |\d{4}-\d{2}-\d{2}", "", a.answer, flags=re.M)  # markers, list numbers, citation dates
        invented = [n for n in NUMBER.findall(text) if n not in quoted]
        scores["no_invention_rate"] = 0.0 if invented else 1.0
        if invented:
            reasons.append(f"numbers not backed by a quote: {invented}")
    refused = a.verdict.value == "out_of_scope"
    if refused != case.refuse:
        reasons.append("refused an in-scope question" if refused else "answered an out-of-scope question")
    return CaseResult(case, not reasons, reasons, scores, a.latency_ms, a.verdict.value)


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def metrics(results: list[CaseResult]) -> dict[str, float | None]:
    out = {m: _mean(r.scores[m] for r in results) for m in METRICS if m not in ("refusal_precision", "refusal_recall")}
    refused = [r for r in results if r.verdict == "out_of_scope"]
    should = [r for r in results if r.case.refuse]
    out["refusal_precision"] = (sum(r.case.refuse for r in refused) / len(refused)) if refused else (1.0 if not should else 0.0)
    out["refusal_recall"] = (sum(r.verdict == "out_of_scope" for r in should) / len(should)) if should else None
    lat = sorted(r.latency_ms for r in results)
    out["latency_p50_ms"] = statistics.median(lat) if lat else None
    out["latency_p95_ms"] = lat[min(len(lat) - 1, int(len(lat) * 0.95))] if lat else None
    out["pass_rate"] = sum(r.passed for r in results) / len(results) if results else None
    return out


def run_suites(suites: list[Suite], bot, show_progress: bool = True) -> dict:
    knowledge = bot.loaded()
    results: list[CaseResult] = []
    cases = [c for s in suites for c in s.cases]
    for case in tqdm(cases, desc="eval", unit="case", disable=not show_progress, file=sys.stderr):
        a = bot.ask(case.question)
        retrieved = [knowledge.index.docs[h.chunk["doc_id"]]["source"] for h in knowledge.retriever.search(case.question, k=10)]
        results.append(score_case(case, a, knowledge.index.docs, retrieved))
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
            "embedder": knowledge.index.embedder_name}


def _fmt(v) -> str:
    return "n/a" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def render_markdown(report: dict) -> str:
    names = list(report["suites"])
    lines = [f"# licensebot eval — {report['cases']} cases, embedder {report['embedder']}", "",
             "| metric | all | " + " | ".join(f"{n} (threshold)" for n in names) + " |", "| --- " * (len(names) + 2) + "|"]
    for k, v in report["metrics"].items():
        cells = [f"{_fmt(report['suites'][n]['metrics'].get(k))} ({_fmt(report['suites'][n]['thresholds'].get(k, '-'))})" for n in names]
        lines.append(f"| {k} | {_fmt(v)} | " + " | ".join(cells) + " |")
    lines += ["", "| tag | cases | pass rate | verdict accuracy | fact recall |", "| --- | --- | --- | --- | --- |"]
    for t, m in report["by_tag"].items():
        lines.append(f"| {t} | {m['cases']} | {_fmt(m['pass_rate'])} | {_fmt(m['verdict_accuracy'])} | {_fmt(m['fact_recall'])} |")
    failed = [r for r in report["results"] if not r["passed"]]
    lines += ["", f"## Failed cases ({len(failed)})", ""]
    lines += [f"- {r['id']}: {r['question']} — {'; '.join(r['reasons'])}" for r in failed]
    lines += ["", "Result: " + ("FAIL — " + "; ".join(report["failures"]) if report["failures"] else "PASS")]
    return "\n".join(lines)


def feedback_cases(data_dir: Path) -> list[dict]:
    """👎 answers from the Streamlit page, as starting points for new eval cases."""
    from bot.feedback import read_all

    return [{"question": r["question"], "comment": r.get("comment", ""), "verdict_given": r.get("verdict")}
            for r in read_all(data_dir) if r.get("rating") == "down"]


def main(paths: list[Path], json_out: Path | None = None, md_out: Path | None = None, feedback: bool = False) -> int:
    from bot.catalog import KnowledgeError
    from bot.knowledge import EmbedderMismatch
    from bot.service import Bot
    from bot.store import IndexMissing

    try:
        suites = [load_suite(p) for p in (paths or sorted(SUITES_DIR.glob("*.yaml")))]
    except SuiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    settings = get_settings()
    bot = Bot(settings)
    try:
        bot.loaded()
    except (IndexMissing, EmbedderMismatch):
        from ingest.pipeline import ingest

        print(ingest([settings.articles_dir], settings).summary(), file=sys.stderr)
    except KnowledgeError as exc:
        print(f"FAIL: the knowledge base is inconsistent: {exc}", file=sys.stderr)
        return 1
    try:
        report = run_suites(suites, bot)
    except KnowledgeError as exc:
        print(f"FAIL: the knowledge base is inconsistent: {exc}", file=sys.stderr)
        return 1
    md = render_markdown(report)
    print(md)
    if feedback:
        for row in feedback_cases(settings.data_dir):
            print(f"feedback 👎: {row['question']} — {row['comment']}")
    if json_out:
        json_out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    if md_out:
        md_out.write_text(md, encoding="utf-8")
    return 1 if report["failures"] else 0
