"""Verdicts per licence.

Rules decide where product facts match: each licence takes the strongest status its rules give
(required over depends over not_required), except that a qualifier (users abroad, foreign capital)
keeps its `depends` — a condition from one article is shown as a condition, not outvoted by a
`required` from another — but not where every other fact says the licence is not needed (a shop
selling only its own goods does not need the ICP licence, whoever holds its capital). The ICP
licence and the ICP filing are exclusive by the articles' commercial test: when the licence is
required the filing is not what applies. A licence asked about that no rule covers is `unknown`,
unless the relevant units themselves say how it stands (a new licence the catalogue does not know).
Nothing is `required` from a fact that did not match. A fact about who may hold a licence (`eligibility`:
foreign capital) does not make a licence the product needs any less required: the condition is said
beside the requirement.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Iterable

from bot.core.models import LicenseStatus, Verdict
from bot.kb.catalog import Catalog, Feature, LicenseRule, RuleQuote
from bot.kb.messages import Messages

PRIORITY = [Verdict.required, Verdict.depends, Verdict.not_required, Verdict.unknown]
POLARITY_VERDICT = {"must": Verdict.required, "need_not": Verdict.not_required, "depends": Verdict.depends}
Cite = Callable[[Iterable[RuleQuote]], list[int]]


def strongest(statuses: list[Verdict]) -> Verdict:
    return min(statuses, key=PRIORITY.index) if statuses else Verdict.unknown


@dataclass
class Decision:
    statuses: list[LicenseStatus] = field(default_factory=list)
    verdict: Verdict = Verdict.unknown
    focus: list[LicenseStatus] = field(default_factory=list)  # the licences the question asked about (or all)


def _status(
    slug: str, entries: list[tuple[Feature, LicenseRule]], catalog: Catalog, cite: Cite, language: str
) -> LicenseStatus:
    colon, joiner = (": ", "; ") if language == "en" else ("：", "；")
    conditions = [(f, r) for f, r in entries if f.eligibility]
    needs = [e for e in entries if not e[0].eligibility]
    if conditions and needs:  # paid reports need the licence; foreign capital is who may hold it, said beside
        need = _status(slug, needs, catalog, cite, language)
        if need.status == Verdict.required:
            said = joiner.join(f"{f.display(language)}{colon}{r.why(language)}" for f, r in conditions)
            ids = [i for _, r in conditions for i in cite(r.quotes)]
            return licence_status(
                catalog,
                slug,
                language,
                need.status,
                need.reason + joiner + said,
                list(dict.fromkeys(need.citations + ids)),
            )
    qualified = [(f, r) for f, r in entries if f.qualifier and r.status == Verdict.depends]
    others = [r.status for f, r in entries if not f.qualifier]
    if others and all(s == Verdict.not_required for s in others):  # a condition on holding the licence
        entries, qualified = (
            [e for e in entries if e not in qualified],
            [],
        )  # (foreign capital) is moot where nothing needs it
    status = Verdict.depends if qualified else strongest([r.status for _, r in entries])
    chosen = qualified or [(f, r) for f, r in entries if r.status == status]
    ids = [i for _, r in chosen for i in cite(r.quotes)]
    reason = joiner.join(dict.fromkeys(f"{f.display(language)}{colon}{r.why(language)}" for f, r in chosen))
    return licence_status(catalog, slug, language, status, reason, list(dict.fromkeys(ids)))


def licence_status(
    catalog: Catalog, slug: str, language: str, status: Verdict, reason: str, citations: list[int]
) -> LicenseStatus:
    """A licence's line of an answer, named as the catalogue names it in `language`."""
    return LicenseStatus(
        slug=slug, name=catalog.licenses[slug].display(language), status=status, reason=reason, citations=citations
    )


def _per_licence(features: list[str], catalog: Catalog, cite: Cite, language: str) -> dict[str, LicenseStatus]:
    per_license: dict[str, list[tuple[Feature, LicenseRule]]] = {}
    for key in features:
        for rule in catalog.features[key].licenses:
            per_license.setdefault(rule.slug, []).append((catalog.features[key], rule))
    return {slug: _status(slug, entries, catalog, cite, language) for slug, entries in per_license.items()}


def rule_statuses(
    features: list[str],
    asked: list[str],
    catalog: Catalog,
    cite: Cite,
    language: str,
    messages: Messages,
    planned: list[str] | None = None,
    denied: list[str] | None = None,
) -> list[LicenseStatus]:
    """One status per licence a feature's rule covers, plus `unknown` for each licence asked about
    that no rule covers; asked licences first. A `planned` feature counts (its licence is needed before it
    launches) and is named as a plan, with the articles' advice to apply in time where only plans need it.
    A licence needed only for features the user `denied` (never had, removed) is not needed."""
    statuses = _planned(features, planned or [], catalog, cite, language, messages)
    _denied(statuses, denied or [], catalog, cite, language, messages)
    _commercial_test(statuses, asked, catalog, cite, language)
    unknown = messages.t(language, "no_rule")
    for slug in asked:
        statuses.setdefault(
            slug,
            licence_status(catalog, slug, language, Verdict.unknown, unknown, []),
        )
    return sorted(statuses.values(), key=lambda s: (s.slug not in asked, PRIORITY.index(s.status)))


def _planned(
    features: list[str], planned: list[str], catalog: Catalog, cite: Cite, language: str, messages: Messages
) -> dict[str, LicenseStatus]:
    """The statuses of `features`, each planned one named as a plan, and, on a licence that only the plans
    make needed (or less sure), the article's advice to apply before launch, with its quote."""
    if not planned:
        return _per_licence(features, catalog, cite, language)
    named = messages.t(language, "planned_feature")
    marked = replace(
        catalog,
        features={
            k: replace(f, label=named.format(f.label), label_en=named.format(f.display("en"))) if k in planned else f
            for k, f in catalog.features.items()
        },
    )
    redone = _per_licence(features, marked, cite, language)
    now = _per_licence([f for f in features if f not in planned], catalog, lambda quotes: [], language)  # not cited
    note, joiner = catalog.planned, ("; " if language == "en" else "；")
    for slug, status in redone.items():
        before = now.get(slug)
        if note and (before is None or PRIORITY.index(before.status) > PRIORITY.index(status.status)):
            status.reason += joiner + note.why(language)
            status.citations = list(dict.fromkeys(status.citations + cite(note.quotes)))
    return redone


def _denied(
    statuses: dict[str, LicenseStatus],
    denied: list[str],
    catalog: Catalog,
    cite: Cite,
    language: str,
    messages: Messages,
) -> None:
    """A licence the articles require only for certain features (licenses.yaml `only_for_features`: group
    voice or video for the multi-party licence) is `not_required` where the user says the product has none
    of the ones they named ("去年有多人语音房，后来砍掉了") and no feature it has brings the licence up: said
    with the quotes that tie the licence to those features."""
    for slug, licence in catalog.licenses.items():
        if not licence.only_for_features or slug in statuses:
            continue
        rules = [
            (catalog.features[k], r)
            for k in denied
            for r in catalog.features[k].licenses
            if r.slug == slug and r.status != Verdict.not_required
        ]
        if rules:
            names = messages.t(language, "sep").join(dict.fromkeys(f.display(language) for f, _ in rules))
            quotes = [q for _, r in rules for q in r.quotes]
            statuses[slug] = licence_status(
                catalog,
                slug,
                language,
                Verdict.not_required,
                messages.t(language, "absent").format(names),
                cite(quotes),
            )


def _commercial_test(
    statuses: dict[str, LicenseStatus], asked: list[str], catalog: Catalog, cite: Cite, language: str
) -> None:
    """A commercial service needs the licence, not the filing (rules.yaml `commercial_test`): never both
    `required`. The filing is only mentioned when a rule or the question brought it up."""
    test, licence = catalog.commercial_test, statuses.get(catalog.commercial_licence or "")
    if test is None or licence is None or licence.status != Verdict.required:
        return
    filing = statuses.get(test.slug)
    if (filing is None and test.slug in asked) or (filing is not None and filing.status == Verdict.required):
        statuses[test.slug] = licence_status(
            catalog, test.slug, language, Verdict.not_required, test.why(language), cite(test.quotes)
        )


def overall(
    statuses: list[LicenseStatus], asked: list[str], filings: frozenset[str] = frozenset(), instead: str | None = None
) -> Decision:
    """`filings`: slugs that are filings, not licences (licenses.yaml `filing: true`): a verdict
    on the licences a product needs is not answered by one, and "the filing or the licence?" is answered
    by whether the licence is needed (the filing is then the other side of the same answer). `instead`: the
    licence a commercial service needs in place of the filing (rules.yaml `commercial_test`): asked only
    about the filing, a product that needs that licence is told it needs one, not a bare "not needed"."""
    focus = [s for s in statuses if s.slug in asked] or [s for s in statuses if s.slug not in filings] or statuses
    deciding = [s for s in focus if s.slug not in filings] or focus
    if instead and all(s.slug in filings and s.status == Verdict.not_required for s in focus):  # "要做备案吗？"
        deciding = [s for s in statuses if s.slug == instead and s.status == Verdict.required] or deciding
    verdict = strongest([s.status for s in deciding])
    if verdict == Verdict.unknown and not asked and statuses:
        verdict = Verdict.depends
    return Decision(statuses, verdict, focus)


def from_polarities(polarities: list[tuple[str, float]], margin: float = 0.02) -> Verdict:
    """The verdict the most relevant units give: the best one's polarity, unless a unit almost as
    relevant says otherwise (then it depends). `polarities`: (polarity, similarity), best first."""
    if not polarities:
        return Verdict.unknown
    best, top = polarities[0]
    if any(p != best for p, s in polarities[1:] if s >= top - margin):
        return Verdict.depends
    return POLARITY_VERDICT[best]
