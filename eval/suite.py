"""Eval suites: YAML files of expected Q&A written by compliance staff (format in eval/README.md).
Errors name the file, the case and the field."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.core.settings import REPO_ROOT

SUITES_DIR = REPO_ROOT / "eval" / "suites"
KNOWN_FIELDS = {"id", "question", "expect", "verdict", "facts", "sources", "refuse", "no_invention", "tags"}
METRICS = ["verdict_accuracy", "fact_recall", "citation_source_hit", "quote_verbatim_rate", "refusal_precision",
           "refusal_recall", "no_invention_rate", "recall_at_5", "mrr"]


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
