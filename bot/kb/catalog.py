"""The editable knowledge: licence catalogue, rule table and glossary, loaded and checked.

These YAML files are written by compliance staff, not programmers, so every error names the
file, the entry and the field. Whether rule quotes are still in the articles is checked against
the index by `rule_quotes`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.core.errors import KnowledgeError
from bot.core.models import Verdict

RULE_STATUSES = {v.value for v in Verdict} - {"out_of_scope"}


@dataclass(frozen=True)
class License:
    slug: str
    name: str
    full_name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class RuleQuote:
    source: str
    quote: str


@dataclass(frozen=True)
class LicenseRule:
    slug: str
    status: Verdict
    reason: str
    quotes: tuple[RuleQuote, ...]


@dataclass(frozen=True)
class Feature:
    key: str
    label: str
    synonyms: tuple[str, ...]
    licenses: tuple[LicenseRule, ...]
    group: str | None = None
    overridden_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Topic:
    key: str
    label: str
    licenses: tuple[str, ...]
    triggers: tuple[str, ...]
    summary: str
    quotes: tuple[RuleQuote, ...]


@dataclass
class Catalog:
    licenses: dict[str, License]
    features: dict[str, Feature]
    topics: dict[str, Topic]
    glossary: dict[str, list[str]] = field(default_factory=dict)
    domain_terms: list[str] = field(default_factory=list)
    injection_patterns: list[str] = field(default_factory=list)
    stopwords: list[str] = field(default_factory=list)


def _load_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KnowledgeError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise KnowledgeError(f"{path}: expected a mapping at the top level")
    return data


def _str_list(value, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(f"{where}: expected a non-empty list of strings")
    return tuple(value)


def _quotes(value, where: str) -> tuple[RuleQuote, ...]:
    if not isinstance(value, list) or not value:
        raise KnowledgeError(f"{where}: expected at least one quote")
    out = []
    for i, q in enumerate(value):
        if not isinstance(q, dict) or not isinstance(q.get("source"), str) or not isinstance(q.get("quote"), str):
            raise KnowledgeError(f"{where}[{i}]: each quote needs 'source' (article file) and 'quote' (text)")
        out.append(RuleQuote(q["source"].strip(), q["quote"].strip()))
    return tuple(out)


def load_catalog(knowledge_dir: Path) -> Catalog:
    lic_path, rules_path, glossary_path = (knowledge_dir / n for n in ("licenses.yaml", "rules.yaml", "glossary.yaml"))
    licenses: dict[str, License] = {}
    for slug, entry in (_load_yaml(lic_path).get("licenses") or {}).items():
        where = f"{lic_path}: licenses.{slug}"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise KnowledgeError(f"{where}: needs a 'name'")
        licenses[slug] = License(slug, entry["name"], entry.get("full_name", entry["name"]),
                                 _str_list(entry.get("aliases"), f"{where}.aliases"))
    if not licenses:
        raise KnowledgeError(f"{lic_path}: no licences defined")

    rules = _load_yaml(rules_path)
    features: dict[str, Feature] = {}
    for key, entry in (rules.get("features") or {}).items():
        where = f"{rules_path}: features.{key}"
        if not isinstance(entry, dict):
            raise KnowledgeError(f"{where}: expected a mapping")
        lic_rules = []
        for slug, rule in (entry.get("licenses") or {}).items():
            rwhere = f"{where}.licenses.{slug}"
            if slug not in licenses:
                raise KnowledgeError(f"{rwhere}: unknown licence slug (known: {', '.join(licenses)})")
            if not isinstance(rule, dict) or rule.get("status") not in RULE_STATUSES:
                raise KnowledgeError(f"{rwhere}.status: must be one of {sorted(RULE_STATUSES)}")
            if not isinstance(rule.get("reason"), str) or not rule["reason"].strip():
                raise KnowledgeError(f"{rwhere}.reason: missing")
            lic_rules.append(LicenseRule(slug, Verdict(rule["status"]), rule["reason"].strip(),
                                         _quotes(rule.get("quotes"), f"{rwhere}.quotes")))
        if not lic_rules:
            raise KnowledgeError(f"{where}.licenses: a feature needs at least one licence rule")
        features[key] = Feature(key, str(entry.get("label", key)), _str_list(entry.get("synonyms"), f"{where}.synonyms"),
                                tuple(lic_rules), entry.get("group"), tuple(entry.get("overridden_by") or ()))
    for f in features.values():
        for other in f.overridden_by:
            if other not in features:
                raise KnowledgeError(f"{rules_path}: features.{f.key}.overridden_by: unknown feature '{other}'")

    topics: dict[str, Topic] = {}
    for key, entry in (rules.get("topics") or {}).items():
        where = f"{rules_path}: topics.{key}"
        lic = _str_list(entry.get("licenses"), f"{where}.licenses")
        for slug in lic:
            if slug not in licenses:
                raise KnowledgeError(f"{where}.licenses: unknown licence slug '{slug}'")
        topics[key] = Topic(key, str(entry.get("label", key)), lic, _str_list(entry.get("triggers"), f"{where}.triggers"),
                            str(entry.get("summary", "")), _quotes(entry.get("quotes"), f"{where}.quotes"))

    glossary = _load_yaml(glossary_path) if glossary_path.exists() else {}
    return Catalog(licenses, features, topics,
                   glossary={k: list(v) for k, v in (glossary.get("english") or {}).items()},
                   domain_terms=list(glossary.get("domain_terms") or []),
                   injection_patterns=list(glossary.get("injection_patterns") or []),
                   stopwords=list(glossary.get("stopwords") or []))
