"""The editable knowledge: licence catalogue and rule table, loaded and checked.

These YAML files are written by compliance staff, not programmers, so every error names the
file, the entry and the field. Whether rule quotes are still in the articles is checked against
the index by `rule_quotes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.core.errors import KnowledgeError
from bot.core.models import STATUSES, Verdict
from bot.kb.glossary import Glossary, load_glossary


@dataclass(frozen=True)
class License:
    slug: str
    name: str
    full_name: str
    aliases: tuple[str, ...]
    name_en: str = ""
    filing: bool = False  # a filing, not a licence: "需要办许可证吗" is not answered by it

    def display(self, language: str) -> str:
        return self.name_en or self.name if language == "en" else self.name


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
    reason_en: str = ""

    def why(self, language: str) -> str:
        return self.reason_en or self.reason if language == "en" else self.reason


@dataclass(frozen=True)
class Feature:
    key: str
    label: str
    synonyms: tuple[str, ...]
    licenses: tuple[LicenseRule, ...]
    group: str | None = None
    overridden_by: tuple[str, ...] = ()
    label_en: str = ""
    wordings: tuple[str, ...] = ()
    qualifier: bool = False
    negative: bool = False  # the feature is an absence ("不收费"): its own negation words do not negate it

    def display(self, language: str) -> str:
        return self.label_en or self.label if language == "en" else self.label


@dataclass(frozen=True)
class Topic:
    key: str
    label: str
    licenses: tuple[str, ...]
    triggers: tuple[str, ...]
    summary: str
    quotes: tuple[RuleQuote, ...]
    summary_en: str = ""


@dataclass(eq=False)  # hashable by identity: grounding caches per loaded catalogue
class Catalog:
    licenses: dict[str, License]
    features: dict[str, Feature]
    topics: dict[str, Topic]
    commercial_test: LicenseRule | None = None  # slug: the filing a commercial service does not need
    glossary: Glossary = field(default_factory=Glossary)
    commercial_licence: str | None = (
        None  # what a commercial service needs instead (rules.yaml commercial_test.licence)
    )

    @property
    def filings(self) -> frozenset[str]:
        return frozenset(slug for slug, lic in self.licenses.items() if lic.filing)

    def names(self, language: str) -> list[str]:
        """Every licence's name in `language`, as the catalogue lists them (what the bot answers about)."""
        return [lic.display(language) for lic in self.licenses.values()]


def load_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KnowledgeError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise KnowledgeError(f"{path}: expected a mapping at the top level")
    return data


def str_list(value, where: str, required: bool = True) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if (
        not isinstance(value, list)
        or (required and not value)
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise KnowledgeError(f"{where}: expected a {'non-empty ' if required else ''}list of strings")
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


def _licenses(path: Path) -> dict[str, License]:
    licenses: dict[str, License] = {}
    for slug, entry in (load_yaml(path).get("licenses") or {}).items():
        where = f"{path}: licenses.{slug}"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise KnowledgeError(f"{where}: needs a 'name'")
        licenses[slug] = License(
            slug,
            entry["name"],
            entry.get("full_name", entry["name"]),
            str_list(entry.get("aliases"), f"{where}.aliases"),
            str(entry.get("name_en") or ""),
            entry.get("filing") is True,
        )
    if not licenses:
        raise KnowledgeError(f"{path}: no licences defined")
    return licenses


def _rule(slug: str, rule, where: str, licenses: dict[str, License]) -> LicenseRule:
    if slug not in licenses:
        raise KnowledgeError(f"{where}: unknown licence slug (known: {', '.join(licenses)})")
    if not isinstance(rule, dict) or rule.get("status") not in STATUSES:
        raise KnowledgeError(f"{where}.status: must be one of {sorted(STATUSES)}")
    if not isinstance(rule.get("reason"), str) or not rule["reason"].strip():
        raise KnowledgeError(f"{where}.reason: missing")
    return LicenseRule(
        slug,
        Verdict(rule["status"]),
        rule["reason"].strip(),
        _quotes(rule.get("quotes"), f"{where}.quotes"),
        str(rule.get("reason_en") or "").strip(),
    )


def _features(rules: dict, path: Path, licenses: dict[str, License]) -> dict[str, Feature]:
    features: dict[str, Feature] = {}
    for key, entry in (rules.get("features") or {}).items():
        where = f"{path}: features.{key}"
        if not isinstance(entry, dict):
            raise KnowledgeError(f"{where}: expected a mapping")
        lic_rules = tuple(
            _rule(slug, rule, f"{where}.licenses.{slug}", licenses)
            for slug, rule in (entry.get("licenses") or {}).items()
        )
        if not lic_rules:
            raise KnowledgeError(f"{where}.licenses: a feature needs at least one licence rule")
        features[key] = Feature(
            key,
            str(entry.get("label", key)),
            str_list(entry.get("synonyms"), f"{where}.synonyms"),
            lic_rules,
            entry.get("group"),
            tuple(entry.get("overridden_by") or ()),
            str(entry.get("label_en") or ""),
            str_list(entry.get("wordings"), f"{where}.wordings", False),
            bool(entry.get("qualifier")),
            bool(entry.get("negative")),
        )
    for f in features.values():
        for other in f.overridden_by:
            if other not in features:
                raise KnowledgeError(f"{path}: features.{f.key}.overridden_by: unknown feature '{other}'")
    return features


def _topics(rules: dict, path: Path, licenses: dict[str, License]) -> dict[str, Topic]:
    topics: dict[str, Topic] = {}
    for key, entry in (rules.get("topics") or {}).items():
        where = f"{path}: topics.{key}"
        lic = str_list(entry.get("licenses"), f"{where}.licenses")
        for slug in lic:
            if slug not in licenses:
                raise KnowledgeError(f"{where}.licenses: unknown licence slug '{slug}'")
        topics[key] = Topic(
            key,
            str(entry.get("label", key)),
            lic,
            str_list(entry.get("triggers"), f"{where}.triggers"),
            str(entry.get("summary", "")),
            _quotes(entry.get("quotes"), f"{where}.quotes"),
            str(entry.get("summary_en") or ""),
        )
    return topics


def _commercial_test(rules: dict, path: Path, licenses: dict[str, License]) -> tuple[LicenseRule | None, str | None]:
    """(the filing's rule when the licence is required, the licence's slug)."""
    entry = rules.get("commercial_test")
    if entry is None:
        return None, None
    where = f"{path}: commercial_test"
    if not isinstance(entry, dict) or not isinstance(entry.get("reason"), str):
        raise KnowledgeError(f"{where}: needs licence, filing, source, quote and reason")
    for key in ("licence", "filing"):
        if entry.get(key) not in licenses:
            raise KnowledgeError(f"{where}.{key}: a licence slug of licenses.yaml (known: {', '.join(licenses)})")
    quotes = _quotes([{"source": entry.get("source"), "quote": entry.get("quote")}], where)
    rule = LicenseRule(
        entry["filing"], Verdict.not_required, entry["reason"], quotes, str(entry.get("reason_en") or "")
    )
    return rule, entry["licence"]


def load_catalog(knowledge_dir: Path) -> Catalog:
    licenses = _licenses(knowledge_dir / "licenses.yaml")
    rules_path = knowledge_dir / "rules.yaml"
    rules = load_yaml(rules_path)
    test, licence = _commercial_test(rules, rules_path, licenses)
    return Catalog(
        licenses,
        _features(rules, rules_path, licenses),
        _topics(rules, rules_path, licenses),
        test,
        load_glossary(knowledge_dir / "glossary.yaml"),
        licence,
    )
