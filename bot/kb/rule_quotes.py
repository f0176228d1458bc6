"""Rule and topic quotes, found in the index: a rule whose quote is no longer in its article is an
error, never a silent pass, because the bot would otherwise cite a sentence the knowledge base no
longer contains."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.core.errors import KnowledgeError
from bot.core.text import find_verbatim
from bot.index.units import Doc
from bot.kb.catalog import Catalog, RuleQuote


@dataclass(frozen=True)
class LocatedQuote:
    doc_id: str
    start: int
    end: int


def _by_name(docs: dict[str, Doc]) -> dict[str, list[tuple[int, Doc]]]:
    """Docs (with their order) by file name and by full source: a quote is looked for in its own
    article only, not in every article of a big corpus."""
    out: dict[str, list[tuple[int, Doc]]] = {}
    for n, doc in enumerate(docs.values()):
        for name in dict.fromkeys((Path(doc.source).name, doc.source)):
            out.setdefault(name, []).append((n, doc))
    return out


def locate_quote(
    quote: str,
    source: str,
    docs: dict[str, Doc],
    by_name: dict[str, list[tuple[int, Doc]]] | None = None,
) -> LocatedQuote | None:
    """Find a rule quote in its article's stored text, tolerant of script and width only. The
    article's folded text is computed on first use and kept with it (`Doc.folded`)."""
    by_name = by_name if by_name is not None else _by_name(docs)
    candidates = dict(pair for name in dict.fromkeys((Path(source).name, source)) for pair in by_name.get(name, []))
    for _, doc in sorted(candidates.items()):
        span = find_verbatim(quote, doc.text, doc.folded())
        if span is not None:
            return LocatedQuote(doc.doc_id, *span)
    return None


def verify_rule_quotes(
    catalog: Catalog, docs: dict[str, Doc], rules_path: str = "knowledge/rules.yaml"
) -> dict[RuleQuote, LocatedQuote]:
    """Every rule and topic quote must be found in the index; returns where each one is."""
    located, problems = locate_rule_quotes(catalog, docs, rules_path)
    if problems:
        raise KnowledgeError("rule quotes out of step with the knowledge base:\n  " + "\n  ".join(problems))
    return located


def locate_rule_quotes(
    catalog: Catalog, docs: dict[str, Doc], rules_path: str = "knowledge/rules.yaml"
) -> tuple[dict[RuleQuote, LocatedQuote], list[str]]:
    """Where each rule and topic quote is in the index, and a line for each one that is not."""
    located: dict[RuleQuote, LocatedQuote] = {}
    problems: list[str] = []
    sources = {Path(d.source).name for d in docs.values()}
    by_name = _by_name(docs)
    entries = [
        (f"features.{f.key}.licenses.{r.slug}.quotes", q)
        for f in catalog.features.values()
        for r in f.licenses
        for q in r.quotes
    ]
    entries += [(f"topics.{t.key}.quotes", q) for t in catalog.topics.values() for q in t.quotes]
    if catalog.commercial_test:
        entries += [("commercial_test", q) for q in catalog.commercial_test.quotes]
    if catalog.planned:
        entries += [("planned", q) for q in catalog.planned.quotes]
    for where, q in entries:
        if q in located:
            continue
        hit = locate_quote(q.quote, q.source, docs, by_name)
        if hit is None:
            why = (
                "article not in the index"
                if Path(q.source).name not in sources
                else "quote not found in the article's stored text"
            )
            problems.append(f"{rules_path}: {where}: {why}: source={q.source!r} quote={q.quote[:60]!r}")
        else:
            located[q] = hit
    return located, problems
