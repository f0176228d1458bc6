"""Eval suites: YAML files of expected Q&A written by compliance staff (format in eval/README.md).
Errors name the file, the case and the field."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.core.models import STATUSES, VERDICTS
from bot.core.settings import REPO_ROOT
from bot.service import intent_names

SUITES_DIR = REPO_ROOT / "eval" / "suites"
KNOWN_FAILURES = REPO_ROOT / "eval" / "known_failures.yaml"
KNOWN_FIELDS = {
    "id",
    "question",
    "expect",
    "verdict",
    "facts",
    "sources",
    "refuse",
    "no_invention",
    "tags",
    "intent",
    "language",
    "absent",
    "before",
    "carries",
}
METRICS = [
    "verdict_accuracy",
    "fact_recall",
    "citation_source_hit",
    "quote_verbatim_rate",
    "refusal_precision",
    "refusal_recall",
    "no_invention_rate",
    "recall_at_5",
    "mrr",
    "intent_accuracy",
    "language_accuracy",
    "follow_up_accuracy",
    "absent_rate",
    "grounded_rate",
    "pass_rate",
]


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
    absent: list[list[str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    refuse: bool = False
    no_invention: bool = False
    tags: list[str] = field(default_factory=list)
    intent: str | None = None
    language: str | None = None
    before: list[str] = field(default_factory=list)
    carries: bool | None = None


@dataclass
class Suite:
    name: str
    path: Path
    thresholds: dict[str, float]
    cases: list[Case]
    articles: list[Path] = field(default_factory=list)


def _alternatives(value, where: str, name: str) -> list[list[str]]:
    if not isinstance(value, list) or not all(isinstance(f, (str, list)) for f in value):
        raise SuiteError(f"{where}: field '{name}' must be a list of strings or of lists of alternatives")
    return [[f] if isinstance(f, str) else [str(x) for x in f] for f in value]


def _case(raw, i: int, path: Path) -> Case:
    where = f"{path}: case {raw.get('id', f'#{i + 1}') if isinstance(raw, dict) else f'#{i + 1}'}"
    if not isinstance(raw, dict):
        raise SuiteError(f"{where}: expected a mapping")
    unknown = set(raw) - KNOWN_FIELDS
    if unknown:
        raise SuiteError(f"{where}: unknown field(s) {sorted(unknown)}")
    if not isinstance(raw.get("question"), str) or not raw["question"].strip():
        raise SuiteError(f"{where}: field 'question' is required")
    expect = raw.get("expect") or {}
    if not isinstance(expect, dict) or not all(v in STATUSES for v in expect.values()):
        raise SuiteError(f"{where}: field 'expect' must map licence slugs to required/not_required/depends/unknown")
    if raw.get("verdict") is not None and raw["verdict"] not in VERDICTS:
        raise SuiteError(f"{where}: field 'verdict' must be one of {sorted(VERDICTS)}")
    if raw.get("intent") is not None and raw["intent"] not in (intents := intent_names()):
        raise SuiteError(f"{where}: field 'intent' must be one of {sorted(intents)} (knowledge/intents.yaml)")
    if raw.get("language") not in (None, "zh", "en"):
        raise SuiteError(f"{where}: field 'language' must be zh or en")
    before = raw.get("before") or []
    if not isinstance(before, list) or not all(isinstance(b, str) and b.strip() for b in before):
        raise SuiteError(f"{where}: field 'before' must be a list of earlier questions")
    if raw.get("carries") is not None and (not isinstance(raw["carries"], bool) or not before):
        raise SuiteError(f"{where}: field 'carries' must be true/false and needs 'before'")
    return Case(
        id=str(raw.get("id") or f"{path.stem}-{i + 1}"),
        question=raw["question"],
        suite=path.stem,
        expect=expect,
        verdict=raw.get("verdict"),
        facts=_alternatives(raw.get("facts") or [], where, "facts"),
        absent=_alternatives(raw.get("absent") or [], where, "absent"),
        sources=[str(s) for s in raw.get("sources") or []],
        refuse=bool(raw.get("refuse")),
        no_invention=bool(raw.get("no_invention")),
        tags=[str(t) for t in raw.get("tags") or []],
        intent=raw.get("intent"),
        language=raw.get("language"),
        before=before,
        carries=raw.get("carries"),
    )


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
            raise SuiteError(
                f"{path}: thresholds.{key}: unknown metric or not a number (metrics: {', '.join(METRICS)})"
            )
    articles = []
    for name in data.get("articles") or []:
        article = (path.parent / str(name)).resolve()
        if not article.is_file():
            raise SuiteError(f"{path}: articles: {name}: no such file (paths are relative to the suite)")
        articles.append(article)
    cases, seen = [], set()
    for i, raw in enumerate(data["cases"]):
        case = _case(raw, i, path)
        if case.id in seen:
            raise SuiteError(f"{path}: case {case.id}: duplicate id")
        seen.add(case.id)
        cases.append(case)
    return Suite(path.stem, path, {k: float(v) for k, v in thresholds.items()}, cases, articles)


def load_known_failures(path: Path = KNOWN_FAILURES) -> dict[str, str]:
    """`suite/case-id: why it fails today`. The list may only shrink: eval fails when a listed case
    passes (take it off) and when an unlisted one fails."""
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SuiteError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and "/" in k and isinstance(v, str) for k, v in data.items()
    ):
        raise SuiteError(f"{path}: expected a mapping of 'suite/case-id: reason'")
    return data
