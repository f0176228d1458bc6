"""One grounding check for every answer path, extractive or written by a model.

A line may only state what its quotes support: every [n] points at a citation, every span it puts
in quotation marks is verbatim in the quotes it cites (or, without markers, in some quote), every
number, amount and licence name it writes appears in those quotes or in the catalogue, and a
licence's status stated in the line agrees with the status the bot computed. Titles and dates of the
cited articles are metadata and may be written. An extractive answer passes by construction (tests hold it to that);
a model's line that fails is dropped.
"""
from __future__ import annotations

import re
from functools import lru_cache

from bot.core.models import Answer, LicenseStatus, Mode, Verdict
from bot.core.text import fold
from bot.kb.catalog import Catalog

MARKER = re.compile(r"\[(\d+)\]")
QUOTED = re.compile(r"[“「『\"‘']([^”」』\"’']{2,})[”」』\"’']")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LIST_NUMBER = re.compile(r"^\s*\d+[.、]\s*")
LICENCE_WORD = re.compile(r"[a-z0-9]{0,8}[\u3400-\u9fff]{0,12}(?:许可证|牌照)|[a-z0-9]{2,8}(?:证|licen[cs]e)")
VERBS = re.compile(r"需要|办理|申请|取得|获得|提供|必须|办|要|的|和|或")
SAYS_NO = re.compile(r"不需要|无需|不必|不用办|not required|no need|do not need|don't need|not need")
SAYS_YES = re.compile(r"需要办理|必须|需要|required|must|need")


def _scope(line: str, folded_quotes: dict[int, str]) -> tuple[str, list[str]]:
    ids = [int(i) for i in MARKER.findall(line)]
    bad = [f"[{i}] is not a citation" for i in ids if i not in folded_quotes]
    cited = [folded_quotes[i] for i in ids if i in folded_quotes] or list(folded_quotes.values())
    return " ".join(cited), bad


@lru_cache(maxsize=8)
def _catalogue_names(catalog: Catalog) -> frozenset[str]:
    return frozenset(fold(w) for l in catalog.licenses.values() for w in (l.name, l.name_en, l.full_name, *l.aliases) if w)


@lru_cache(maxsize=8)
def _feature_labels(catalog: Catalog) -> str:
    return fold(" ".join(f"{f.label} {f.label_en}" for f in catalog.features.values()))


def _named_somewhere(word: str, scope: str, names: frozenset[str]) -> bool:
    """A licence-like word is grounded when it is a catalogue name or stands in the quotes. A Han
    match may start with ordinary words ("需要办理国内多方通信业务许可证"), so a tail of four or more
    characters will do; a Latin prefix is part of the name ("SP许可证") and must be there whole."""
    if word in names or word in scope:
        return True
    if re.match(r"[a-z0-9]", word):
        return False
    name = VERBS.split(word)[-1]  # "多方通信需要许可证" names no licence: "许可证" is generic
    if name in ("许可证", "牌照"):
        return True
    return any(name[i:] in names or name[i:] in scope for i in range(0, len(name) - 3))


def line_problems(line: str, answer: Answer, catalog: Catalog, folded_quotes: dict[int, str] | None = None) -> list[str]:
    if folded_quotes is None:
        folded_quotes = {c.id: fold(c.quote) for c in answer.citations}
    scope, problems = _scope(line, folded_quotes)
    for span in QUOTED.findall(line):
        if fold(span) not in scope:
            problems.append(f"quoted text not in its quotes: {span[:30]!r}")
    dates = {c.date for c in answer.citations if c.date}
    bare = MARKER.sub("", LIST_NUMBER.sub("", line))
    for title in {c.title for c in answer.citations}:  # an article's title and date are metadata, not claims
        bare = bare.replace(f"《{title}》", "")
    bare = DATE.sub(lambda m: "" if m.group(0) in dates else m.group(0), bare)
    labels = _feature_labels(catalog)
    for number in NUMBER.findall(bare):
        if number not in scope and number not in labels:
            problems.append(f"number not in its quotes: {number}")
    names = _catalogue_names(catalog)
    for word in LICENCE_WORD.findall(fold(bare)):
        if not _named_somewhere(word, scope, names):
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
    folded = {c.id: fold(c.quote) for c in answer.citations}
    problems = [f"{line[:40]!r}: {p}" for line in answer.answer.splitlines() for p in line_problems(line, answer, catalog, folded)]
    problems += [f"{s.slug}: {s.status.value} without a quote" for s in answer.licenses if _claims(s) and not s.citations]
    return problems


def _claims(status: LicenseStatus) -> bool:
    return status.status in (Verdict.required, Verdict.not_required, Verdict.depends)
