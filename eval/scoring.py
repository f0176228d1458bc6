"""Scoring one answer against its case, and a set of results into metrics.

Quotes are checked against the article files as a reader sees them (tags and pinyin glosses
removed, whitespace ignored), not against the index they were taken from: a quote the index
altered would pass a check against the index itself.
"""

from __future__ import annotations

import html
import re
import statistics
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.core.models import Answer, Citation
from bot.core.settings import REPO_ROOT
from bot.core.text import fold, strip_pinyin_glosses
from eval.suite import METRICS, Case

NUMBER = re.compile(r"\d+(?:\.\d+)?")
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=256)
def article_as_read(source: str) -> str:
    """The text of an article file as a reader sees it, without whitespace ("" if unreadable)."""
    path = Path(source) if Path(source).is_absolute() else REPO_ROOT / source
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return ""
    return _SPACE.sub("", strip_pinyin_glosses(html.unescape(_TAG.sub(" ", text))))


def quote_in_article(citation: Citation) -> bool:
    return bool(citation.quote.strip()) and _SPACE.sub("", citation.quote) in article_as_read(citation.source)


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


def _verdicts(case: Case, a: Answer, reasons: list[str]) -> float | None:
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
    return sum(checks) / len(checks) if checks else None


def _facts(case: Case, a: Answer, reasons: list[str]) -> tuple[float | None, float | None]:
    haystack = fold(a.answer + " " + " ".join(c.quote for c in a.citations))
    recall = absent = None
    if case.facts:
        found = [any(fold(alt) in haystack for alt in alts) for alts in case.facts]
        recall = sum(found) / len(found)
        reasons += [f"missing fact {alts}" for alts, ok in zip(case.facts, found) if not ok]
    if case.absent:
        shown = [alt for alts in case.absent for alt in alts if fold(alt) in haystack]
        absent = 0.0 if shown else 1.0
        reasons += [f"shows {alt!r}, which does not answer this question" for alt in shown]
    return recall, absent


def _sources(case: Case, a: Answer, retrieved: list[str], reasons: list[str], scores: dict) -> None:
    hit = any(_source_matches(s, c) for s in case.sources for c in a.citations)
    scores["citation_source_hit"] = float(hit)
    if not hit:
        reasons.append(f"no citation from {case.sources}")
    ranks = [i for i, src in enumerate(retrieved) if any(s.lower() in src.lower() for s in case.sources)]
    scores["recall_at_5"] = float(bool(ranks) and ranks[0] < 5)
    scores["mrr"] = 1.0 / (ranks[0] + 1) if ranks else 0.0


def _invented_numbers(a: Answer) -> list[str]:
    quoted = " ".join(c.quote for c in a.citations)
    text = re.sub(
        r"\[\d+\]|^\d+\. |\d{4}-\d{2}-\d{2}", "", a.answer, flags=re.M
    )  # markers, list numbers, citation dates
    return [n for n in NUMBER.findall(text) if n not in quoted]


def _matches(name: str, expected, got, reasons: list[str], scores: dict) -> None:
    scores[name] = float(got == expected)
    if got != expected:
        reasons.append(f"{name.split('_')[0]} {got} != {expected}")


def score_case(case: Case, a: Answer, retrieved_sources: list[str], ungrounded: list[str] | None = None) -> CaseResult:
    """`ungrounded`: what the bot's grounding check finds unbacked in `a` (None: not checked)."""
    reasons: list[str] = []
    scores: dict[str, float | None] = {m: None for m in METRICS}
    if ungrounded is not None:
        scores["grounded_rate"] = 0.0 if ungrounded else 1.0
        if ungrounded:
            reasons.append(f"not grounded in its quotes: {'; '.join(ungrounded)}")
    scores["verdict_accuracy"] = _verdicts(case, a, reasons)
    scores["fact_recall"], scores["absent_rate"] = _facts(case, a, reasons)
    if case.sources:
        _sources(case, a, retrieved_sources, reasons, scores)
    if a.citations:
        verbatim = [quote_in_article(c) for c in a.citations]
        scores["quote_verbatim_rate"] = sum(verbatim) / len(verbatim)
        if not all(verbatim):
            reasons.append("a quote is not verbatim in its article file")
    if case.no_invention:
        invented = _invented_numbers(a)
        scores["no_invention_rate"] = 0.0 if invented else 1.0
        if invented:
            reasons.append(f"numbers not backed by a quote: {invented}")
    if case.intent:
        _matches("intent_accuracy", case.intent, getattr(a, "intent", None), reasons, scores)
    if case.language:
        _matches("language_accuracy", case.language, getattr(a, "language", None), reasons, scores)
    if case.carries is not None:
        _matches(
            "follow_up_accuracy", case.carries, bool(getattr(a, "follow_up", False) or a.carried_over), reasons, scores
        )
    refused = a.verdict.value == "out_of_scope"
    if refused != case.refuse:
        reasons.append("refused an in-scope question" if refused else "answered an out-of-scope question")
    scores["pass_rate"] = float(not reasons)
    return CaseResult(case, not reasons, reasons, scores, a.latency_ms, a.verdict.value)


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def metrics(results: list[CaseResult]) -> dict[str, float | None]:
    out = {m: _mean(r.scores[m] for r in results) for m in METRICS if m not in ("refusal_precision", "refusal_recall")}
    refused = [r for r in results if r.verdict == "out_of_scope"]
    should = [r for r in results if r.case.refuse]
    out["refusal_precision"] = (
        (sum(r.case.refuse for r in refused) / len(refused)) if refused else (1.0 if not should else 0.0)
    )
    out["refusal_recall"] = (sum(r.verdict == "out_of_scope" for r in should) / len(should)) if should else None
    lat = sorted(r.latency_ms for r in results)
    out["latency_p50_ms"] = statistics.median(lat) if lat else None
    out["latency_p95_ms"] = lat[min(len(lat) - 1, int(len(lat) * 0.95))] if lat else None
    return out
