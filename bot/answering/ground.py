"""One grounding check for every answer path, extractive or written by a model.

A line may only state what its quotes support: every [n] points at a citation, every span it puts
in quotation marks is verbatim in the quotes it cites (or, without markers, in some quote), every
number, amount and licence name it writes appears in those quotes or in the catalogue, and a
licence's status stated in the line agrees with the status the bot computed. Dates of citations are
metadata and may be written. An extractive answer passes by construction (tests hold it to that);
a model's line that fails is dropped.
"""
from __future__ import annotations

import re

from bot.core.models import Answer, LicenseStatus, Mode, Verdict
from bot.core.text import fold
from bot.kb.catalog import Catalog

MARKER = re.compile(r"\[(\d+)\]")
QUOTED = re.compile(r"[“「『\"‘']([^”」』\"’']{2,})[”」』\"’']")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LIST_NUMBER = re.compile(r"^\s*\d+[.、]\s*")
LICENCE_WORD = re.compile(r"[a-z0-9]{2,8}(?:许可证|证|licen[cs]e)|[\u3400-\u9fff]{2,12}(?:许可证|牌照)")
SAYS_NO = re.compile(r"不需要|无需|不必|不用办|not required|no need|do not need|don't need|not need")
SAYS_YES = re.compile(r"需要办理|必须|需要|required|must|need")


def _scope(line: str, quotes: dict[int, str]) -> tuple[str, list[str]]:
    ids = [int(i) for i in MARKER.findall(line)]
    bad = [f"[{i}] is not a citation" for i in ids if i not in quotes]
    cited = [quotes[i] for i in ids if i in quotes] or list(quotes.values())
    return fold(" ".join(cited)), bad


def _catalogue_words(catalog: Catalog) -> str:
    words = [w for l in catalog.licenses.values() for w in (l.name, l.name_en, l.full_name, *l.aliases)]
    return fold(" ".join(words))


def line_problems(line: str, answer: Answer, catalog: Catalog) -> list[str]:
    quotes = {c.id: c.quote for c in answer.citations}
    scope, problems = _scope(line, quotes)
    for span in QUOTED.findall(line):
        if fold(span) not in scope:
            problems.append(f"quoted text not in its quotes: {span[:30]!r}")
    dates = {c.date for c in answer.citations if c.date}
    bare = MARKER.sub("", LIST_NUMBER.sub("", line))
    bare = DATE.sub(lambda m: "" if m.group(0) in dates else m.group(0), bare)
    labels = fold(" ".join(f"{f.label} {f.label_en}" for f in catalog.features.values()))
    for number in NUMBER.findall(bare):
        if number not in scope and number not in labels:
            problems.append(f"number not in its quotes: {number}")
    known = _catalogue_words(catalog)
    for word in LICENCE_WORD.findall(fold(bare)):
        # the match may start with ordinary words ("需要办理国内多方通信业务许可证"): a name is any tail of it
        if not any(word[i:] in scope or word[i:] in known for i in range(0, max(1, len(word) - 2))):
            problems.append(f"licence name not in its quotes or the catalogue: {word}")
    return problems


def verdict_conflict(line: str, answer: Answer, catalog: Catalog) -> str | None:
    """A line that states a licence's status otherwise than computed (e.g. "需要办理" where it depends)."""
    folded = fold(line)
    says = "no" if SAYS_NO.search(folded) else "yes" if SAYS_YES.search(folded) else None
    if says is None:
        return None
    for status in answer.licenses:
        names = [fold(n) for n in (status.name, *catalog.licenses[status.slug].aliases)] if status.slug in catalog.licenses else [fold(status.name)]
        if any(n and n in folded for n in names):
            if (says == "yes" and status.status != Verdict.required) or (says == "no" and status.status != Verdict.not_required):
                return f"says {says} for {status.name}, computed {status.status.value}"
    return None


def ungrounded(answer: Answer, catalog: Catalog) -> list[str]:
    """Everything in an answer that its quotes do not support (empty when grounded)."""
    if answer.mode == Mode.refusal:
        return []
    problems = [f"{line[:40]!r}: {p}" for line in answer.answer.splitlines() for p in line_problems(line, answer, catalog)]
    problems += [f"{s.slug}: {s.status.value} without a quote" for s in answer.licenses if _claims(s) and not s.citations]
    return problems


def _claims(status: LicenseStatus) -> bool:
    return status.status in (Verdict.required, Verdict.not_required, Verdict.depends)
