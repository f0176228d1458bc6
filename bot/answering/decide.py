"""Verdicts per licence: the rule table decides for recognised product features, the strongest
status wins per licence (required over depends over not_required), and the licences the question
asked about are listed even when no rule covers them."""
from __future__ import annotations

from typing import Callable, Iterable

from bot.core.models import LicenseStatus, Verdict
from bot.kb.catalog import Catalog, RuleQuote

PRIORITY = [Verdict.required, Verdict.depends, Verdict.not_required, Verdict.unknown]


def strongest(statuses: list[Verdict]) -> Verdict:
    return min(statuses, key=PRIORITY.index) if statuses else Verdict.unknown


def rule_statuses(features: list[str], asked: list[str], catalog: Catalog,
                  cite: Callable[[Iterable[RuleQuote]], list[int]]) -> list[LicenseStatus]:
    """One status per licence a feature's rule covers (the strongest wins, its reasons and quotes
    kept), plus `unknown` for each licence asked about that no rule covers; asked licences first."""
    per_license: dict[str, list] = {}
    for key in features:
        for rule in catalog.features[key].licenses:
            per_license.setdefault(rule.slug, []).append((catalog.features[key], rule))
    statuses: list[LicenseStatus] = []
    for slug, entries in per_license.items():
        status = strongest([r.status for _, r in entries])
        chosen = [(f, r) for f, r in entries if r.status == status]
        ids = [i for _, r in chosen for i in cite(r.quotes)]
        reason = "；".join(dict.fromkeys(f"{f.label}：{r.reason}" for f, r in chosen))
        statuses.append(LicenseStatus(slug=slug, name=catalog.licenses[slug].name, status=status, reason=reason,
                                      citations=list(dict.fromkeys(ids))))
    for slug in asked:
        if slug not in per_license:
            statuses.append(LicenseStatus(slug=slug, name=catalog.licenses[slug].name, status=Verdict.unknown,
                                          reason="知识库文章没有说明这些产品功能是否需要此证", citations=[]))
    statuses.sort(key=lambda s: (s.slug not in asked, PRIORITY.index(s.status)))
    return statuses
