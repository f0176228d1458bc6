"""One grounding check for every answer path, extractive or written by a model.

A statement (a line, or a quotation running over several lines with the line it closes on) may
only state what its quotes support: every [n] points at a citation; every span it puts in quotation
marks is verbatim in the quotes it cites (or, without markers, in some quote) and is the article
speaking, so the checks below read only the answer's own words around it. There, every figure is
compared by value with the cited quotes' figures (Chinese numerals, full-width digits and units
normalised: `figures.py`), every 《title》 and licence name must stand in those quotes or the
catalogue, no obligation may be stated or negated otherwise than the computed verdicts
(`obligations.py`), and no URL, e-mail, phone number or Markdown/HTML link may appear: the
articles' quotes never carry one (cleaning drops them), so one in an answer was written by a model.
Titles and dates of the cited articles are metadata and may be written. An extractive answer passes
by construction (tests hold it to that); a model's line that fails is dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.answering.figures import PHONE, Figure, figures, normalise, unsupported
from bot.answering.obligations import Claim, claims
from bot.core.models import Answer, LicenseStatus, Mode, Verdict
from bot.core.text import fold
from bot.kb.catalog import Catalog

MARKER = re.compile(r"\[(\d+)\]")
QUOTED = re.compile(r"[“「『\"‘']([^”」』\"’']{2,})[”」』\"’']")
TITLE = re.compile(r"《([^》]{1,80})》")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LIST_NUMBER = re.compile(r"^\s*\d+[.、]\s*", re.M)
LICENCE_WORD = re.compile(r"[a-z0-9]{0,8}[\u3400-\u9fff]{0,12}(?:许可证|牌照)|[a-z0-9]{2,8}(?:证|licen[cs]e)")
VERBS = re.compile(r"需要|办理|申请|取得|获得|提供|必须|办|要|的|和|或")
LINKS = (
    ("a Markdown link", re.compile(r"!?\[[^\]]*\]\([^)]*\)")),
    ("an HTML tag", re.compile(r"<\s*/?\s*[a-z][^>]*>")),
    (
        "a URL",
        re.compile(
            r"\b(?:https?|ftp)://|\bwww\.|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|gov|edu|io|info|biz|top|xyz|co|me|cc)\b"
        ),
    ),
    ("an e-mail address", re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+")),
    ("a phone number", PHONE),
)


def statements(text: str) -> list[str]:
    """The answer's lines, except that a quotation opened on one line runs on to the line it closes
    on (an extractive answer quotes lists whole), so a quote's own lines are read as the quote."""
    out: list[str] = []
    pending: list[str] = []
    for line in text.splitlines():
        pending.append(line)
        joined = "\n".join(pending)
        if joined.count("“") <= joined.count("”"):
            out.append(joined)
            pending = []
    if pending:
        out += pending  # an unclosed quotation: its lines are read one by one
    return out


def _scope(line: str, folded_quotes: dict[int, str]) -> tuple[str, list[str]]:
    ids = [int(i) for i in MARKER.findall(line)]
    bad = [f"[{i}] is not a citation" for i in ids if i not in folded_quotes]
    cited = [folded_quotes[i] for i in ids if i in folded_quotes] or list(folded_quotes.values())
    return " ".join(cited), bad


@lru_cache(maxsize=8)
def _catalogue_names(catalog: Catalog) -> frozenset[str]:
    return frozenset(
        fold(w) for l in catalog.licenses.values() for w in (l.name, l.name_en, l.full_name, *l.aliases) if w
    )


@lru_cache(maxsize=8)
def _catalogue_figures(catalog: Catalog) -> tuple[Figure, ...]:
    """Figures the catalogue itself writes (1对1视频, B25): naming them claims nothing new."""
    words = [w for l in catalog.licenses.values() for w in (l.name, l.name_en, l.full_name, *l.aliases) if w]
    words += [w for f in catalog.features.values() for w in (f.label, f.label_en) if w]
    return tuple(figures(fold(" ".join(words))))


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


def _own_words(folded: str, answer: Answer, scope: str, problems: list[str]) -> str:
    """The statement without what the articles say (verbatim quotations, the cited articles' titles
    and dates), markers and list numbers: what is left is the answer's own claim."""
    for quote in {fold(c.quote) for c in answer.citations}:
        folded = folded.replace(f"“{quote}”", "“”")

    def verbatim(m: re.Match) -> str:
        if m.group(1) not in scope:
            problems.append(f"quoted text not in its quotes: {m.group(1)[:30]!r}")
        return " "

    bare = QUOTED.sub(verbatim, folded)
    for title in {fold(c.title) for c in answer.citations if c.title}:
        bare = bare.replace(f"《{title}》", " ")
    dates = {c.date for c in answer.citations if c.date}
    bare = DATE.sub(lambda m: " " if m.group(0) in dates else m.group(0), bare)
    return MARKER.sub(" ", LIST_NUMBER.sub("", bare))


def line_problems(
    line: str, answer: Answer, catalog: Catalog, folded_quotes: dict[int, str] | None = None
) -> list[str]:
    """Everything in one statement that its quotes, the catalogue and the computed verdicts do not support."""
    if folded_quotes is None:
        folded_quotes = {c.id: fold(c.quote) for c in answer.citations}
    scope, problems = _scope(line, folded_quotes)
    bare = _own_words(fold(line), answer, scope, problems)
    problems += [f"{what} in the answer's own words" for what, pattern in LINKS if pattern.search(normalise(bare))]
    for title in TITLE.findall(bare):
        if title not in scope:
            problems.append(f"title not in its quotes: 《{title}》")
    supported = figures(scope) + list(_catalogue_figures(catalog))
    problems += [f"number not in its quotes: {f.text}" for f in unsupported(figures(bare), supported)]
    names = _catalogue_names(catalog)
    asked = fold(answer.question)  # a licence the user named may be named back ("no article about X")
    for word in LICENCE_WORD.findall(bare):
        if not _named_somewhere(word, scope, names) and word not in asked:
            problems.append(f"licence name not in its quotes or the catalogue: {word}")
    conflict = _first_conflict(bare, answer, catalog)
    if conflict:
        problems.append(conflict)
    return problems


def _disagrees(claim: Claim, answer: Answer) -> str | None:
    statuses = {s.slug: s for s in answer.licenses}
    wanted = Verdict.required if claim.says == "yes" else Verdict.not_required
    for slug in claim.slugs:
        status = statuses.get(slug)
        if status is None:
            return f"says {claim.says} for {slug}, which this answer did not decide"
        if status.status != wanted:
            return f"says {claim.says} for {status.name}, computed {status.status.value}"
    if claim.slugs:
        return None
    if claim.universal and claim.says == "no":
        agrees = bool(statuses) and all(s.status == wanted for s in statuses.values())
    else:
        agrees = answer.verdict == wanted or any(s.status == wanted for s in statuses.values())
    return None if agrees else f"says {claim.says} about licences in general, computed {answer.verdict.value}"


@lru_cache(maxsize=8)
def _curated_reasons(catalog: Catalog) -> tuple[str, ...]:
    """The rules' reasons, longest first: the editors' reviewed words, shown with the rule's quotes,
    which may name another licence ("自营商城不涉及…，文章只要求ICP备案" under EDI)."""
    rules = [r for f in catalog.features.values() for r in f.licenses] + (
        [catalog.commercial_test] if catalog.commercial_test else []
    )
    texts = [t for r in rules for t in (r.reason, r.reason_en)] + [
        t for tp in catalog.topics.values() for t in (tp.summary, tp.summary_en)
    ]
    return tuple(sorted({fold(t) for t in texts if t and len(t) >= 8}, key=len, reverse=True))


def _first_conflict(own_words: str, answer: Answer, catalog: Catalog) -> str | None:
    for reason in _curated_reasons(catalog):
        own_words = own_words.replace(reason, " ")
    for claim in claims(own_words, catalog):
        problem = _disagrees(claim, answer)
        if problem:
            return f"{problem} ({claim.clause[:30]!r})"
    return None


def verdict_conflict(line: str, answer: Answer, catalog: Catalog) -> str | None:
    """A statement that states or negates an obligation otherwise than computed ("需要办理…" where it
    depends, "这种情况可以不办任何证照" where a licence is required); quotations are the articles'."""
    scope, _ = _scope(line, {c.id: fold(c.quote) for c in answer.citations})
    return _first_conflict(_own_words(fold(line), answer, scope, []), answer, catalog)


def ungrounded(answer: Answer, catalog: Catalog) -> list[str]:
    """Everything in an answer that its quotes do not support (empty when grounded)."""
    if answer.mode == Mode.refusal:
        return []
    folded = {c.id: fold(c.quote) for c in answer.citations}
    problems = [
        f"{line[:40]!r}: {p}"
        for line in statements(answer.answer)
        for p in line_problems(line, answer, catalog, folded)
    ]
    problems += [
        f"{s.slug}: {s.status.value} without a quote" for s in answer.licenses if _claims(s) and not s.citations
    ]
    return problems


def _claims(status: LicenseStatus) -> bool:
    return status.status in (Verdict.required, Verdict.not_required, Verdict.depends)
