"""The words the bot needs besides licences and features (knowledge/glossary.yaml): English words
for searching Chinese articles, what places a question in the licence domain, the requests that
are refused whatever the articles say, and words that carry no content."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.core.errors import KnowledgeError
from bot.kb.patterns import compile_patterns


@dataclass(frozen=True)
class Refusal:
    kind: str
    reason: str
    reason_en: str
    patterns: tuple[re.Pattern, ...]


@dataclass
class Glossary:
    english: dict[str, list[str]] = field(default_factory=dict)
    domain_terms: list[str] = field(default_factory=list)
    context_terms: list[str] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    stopwords: list[str] = field(default_factory=list)
    person_requests: list[str] = field(
        default_factory=list
    )  # ways of asking for a person: the person student learns from them too


def _refusals(data, path: Path) -> list[Refusal]:
    out = []
    for kind, entry in (data or {}).items():
        where = f"{path}: refusals.{kind}"
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("reason"), str)
            or not isinstance(entry.get("patterns"), list)
        ):
            raise KnowledgeError(f"{where}: needs 'reason' and a list of 'patterns'")
        patterns = compile_patterns(entry["patterns"], f"{where}.patterns")
        out.append(Refusal(kind, entry["reason"], str(entry.get("reason_en") or entry["reason"]), patterns))
    return out


def load_glossary(path: Path) -> Glossary:
    if not path.exists():
        return Glossary()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: not valid YAML: {exc}") from exc
    return Glossary(
        english={k: list(v) for k, v in (data.get("english") or {}).items()},
        domain_terms=list(data.get("domain_terms") or []),
        context_terms=list(data.get("context_terms") or []),
        refusals=_refusals(data.get("refusals"), path),
        stopwords=list(data.get("stopwords") or []),
        person_requests=[str(w) for w in data.get("person_requests") or []],
    )
