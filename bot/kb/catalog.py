"""The editable knowledge: licence catalogue and rule table, loaded and checked.

These YAML files are written by compliance staff, not programmers, so every error names the
file, the entry and the field. Whether rule quotes are still in the articles is checked against
the index by `rule_quotes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.core import knowledge_files as kf
from bot.core.models import Verdict
from bot.core.yaml_files import load_model
from bot.kb.glossary import Glossary, load_glossary


@dataclass(frozen=True)
class License:
    slug: str
    name: str
    full_name: str
    aliases: tuple[str, ...]
    name_en: str = ""
    filing: bool = False  # a filing, not a licence: "需要办许可证吗" is not answered by it
    only_for_features: bool = False  # not needed by a product the user says has none of its rules' features

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
    eligibility: bool = False  # who may hold the licence, not whether the product needs it (rules.yaml)
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
    label_en: str = ""

    def display(self, language: str) -> str:
        return self.label_en or self.label if language == "en" else self.label


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
    planned: LicenseRule | None = None  # said beside a licence only a planned feature needs (rules.yaml `planned`)

    @property
    def filings(self) -> frozenset[str]:
        return frozenset(slug for slug, lic in self.licenses.items() if lic.filing)

    def without_quotes(self, missing: set[RuleQuote]) -> Catalog:
        """This catalogue minus every rule and topic that relies on a quote in `missing`: a rule the
        articles no longer back is not applied (nothing is claimed without its quote), the rest are."""
        if not missing:
            return self

        def kept(rules: tuple[LicenseRule, ...]) -> tuple[LicenseRule, ...]:
            return tuple(r for r in rules if not missing & set(r.quotes))

        test, planned = self.commercial_test, self.planned
        return replace(
            self,
            features={k: replace(f, licenses=kept(f.licenses)) for k, f in self.features.items()},
            topics={k: t for k, t in self.topics.items() if not missing & set(t.quotes)},
            commercial_test=test if test is None or not missing & set(test.quotes) else None,
            planned=planned if planned is None or not missing & set(planned.quotes) else None,
        )

    def quotes(self) -> set[RuleQuote]:
        """Every quote a rule, topic or note relies on."""
        found = {q for f in self.features.values() for r in f.licenses for q in r.quotes}
        found |= {q for t in self.topics.values() for q in t.quotes}
        for note in (self.commercial_test, self.planned):
            found |= set(note.quotes if note else ())
        return found

    def names(self, language: str) -> list[str]:
        """Every licence's name in `language`, as the catalogue lists them (what the bot answers about)."""
        return [lic.display(language) for lic in self.licenses.values()]


def _quotes(quotes: list[kf.Quote]) -> tuple[RuleQuote, ...]:
    return tuple(RuleQuote(q.source, q.quote) for q in quotes)


def _licenses(file: kf.LicensesFile) -> dict[str, License]:
    return {
        slug: License(slug, e.name, e.full_name or e.name, tuple(e.aliases), e.name_en, e.filing, e.only_for_features)
        for slug, e in file.licenses.items()
    }


def _rule(slug: str, rule: kf.Rule) -> LicenseRule:
    return LicenseRule(slug, Verdict(rule.status), rule.reason, _quotes(rule.quotes), rule.reason_en.strip())


def _features(rules: kf.RulesFile) -> dict[str, Feature]:
    return {
        key: Feature(
            key,
            e.label or key,
            tuple(e.synonyms),
            tuple(_rule(slug, rule) for slug, rule in e.licenses.items()),
            e.group,
            tuple(e.overridden_by),
            e.label_en,
            tuple(e.wordings),
            e.qualifier,
            e.eligibility,
            e.negative,
        )
        for key, e in rules.features.items()
    }


def _topics(rules: kf.RulesFile) -> dict[str, Topic]:
    return {
        key: Topic(
            key,
            e.label or key,
            tuple(e.licenses),
            tuple(e.triggers),
            e.summary,
            _quotes(e.quotes),
            e.summary_en,
            e.label_en,
        )
        for key, e in rules.topics.items()
    }


def _commercial_test(rules: kf.RulesFile) -> tuple[LicenseRule | None, str | None]:
    """(the filing's rule when the licence is required, the licence's slug)."""
    t = rules.commercial_test
    if t is None:
        return None, None
    quote = (RuleQuote(t.source, t.quote),)
    return LicenseRule(t.filing, Verdict.not_required, t.reason, quote, t.reason_en), t.licence


def load_catalog(knowledge_dir: Path) -> Catalog:
    licences = load_model(knowledge_dir / "licenses.yaml", kf.LicensesFile)
    rules = load_model(knowledge_dir / "rules.yaml", kf.RulesFile, {"licences": set(licences.licenses)})
    test, licence = _commercial_test(rules)
    planned = rules.planned
    return Catalog(
        _licenses(licences),
        _features(rules),
        _topics(rules),
        test,
        load_glossary(knowledge_dir / "glossary.yaml"),
        licence,
        planned=None
        if planned is None
        else LicenseRule(
            "", Verdict.depends, planned.reason, (RuleQuote(planned.source, planned.quote),), planned.reason_en
        ),
    )
