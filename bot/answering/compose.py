"""Wording and numbering of an answer, in Chinese or English: the citation book that numbers quotes
in order of first use, and the lines of each kind of answer — the first line always answers what
was asked. Quotes stay in the article's own words and script whatever the answer's language.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import VERDICT_LABELS, Citation, LicenseStatus, Verdict
from bot.index.units import Doc
from bot.kb.messages import Messages


def label(verdict: Verdict, language: str) -> str:
    names = VERDICT_LABELS[verdict]
    return names.en if language == "en" else names.zh


class CitationBook:
    """Numbers quotes in order of first use; the same span is cited once."""

    def __init__(self, docs: dict[str, Doc]):
        self.docs = docs
        self.citations: list[Citation] = []
        self._ids: dict[tuple[str, int, int], int] = {}

    def forget_after(self, count: int) -> None:
        """Drops the citations numbered above `count`: quotes looked up for a part left unsaid."""
        del self.citations[count:]
        self._ids = {key: n for key, n in self._ids.items() if n <= count}

    def cite(self, doc_id: str, start: int, end: int, score: float) -> int:
        text = self.docs[doc_id].text
        while end > start and text[end - 1] in " ,，:：、":
            end -= 1
        key = (doc_id, start, end)
        if key not in self._ids:
            doc = self.docs[doc_id]
            para_start = text.rfind("\n\n", 0, start)
            para_end = text.find("\n\n", end)
            context = text[para_start + 2 if para_start != -1 else 0 : para_end if para_end != -1 else len(text)]
            self._ids[key] = len(self.citations) + 1
            self.citations.append(
                Citation(
                    id=self._ids[key],
                    doc_id=doc_id,
                    title=doc.title,
                    date=doc.date,
                    source=doc.source,
                    quote=text[start:end],
                    score=round(score, 4),
                    context=context,
                )
            )
        return self._ids[key]

    def quote(self, cid: int) -> Citation:
        return self.citations[cid - 1]


def markers(ids: list[int]) -> str:
    return "".join(f"[{i}]" for i in dict.fromkeys(ids))


def headline(
    m: Messages, verdict: Verdict, focus: list[LicenseStatus], statuses: list[LicenseStatus], language: str
) -> str:
    sep = m.t(language, "names")
    parts = []
    for key, status, pool in (
        ("need", Verdict.required, statuses),
        ("maybe", Verdict.depends, statuses),
        ("no_need", Verdict.not_required, statuses),
        ("unsaid", Verdict.unknown, focus),
    ):
        names = [s.name for s in pool if s.status == status]
        if names:
            parts.append(m.t(language, key).format(sep.join(names)))
    if language == "en":
        body = "; ".join(parts)
        return f"Answer: {label(verdict, language)}." + (f" {body[0].upper()}{body[1:]}." if body else "")
    return (
        f"{m.t(language, 'answer')}{m.t(language, 'colon')}{label(verdict, language)}{m.t(language, 'end')}"
        + ("；".join(parts) + m.t(language, "end") if parts else "")  # no licence to name: no empty sentence
    )


def verdict_lines(m: Messages, statuses: list[LicenseStatus], language: str) -> list[str]:
    return [m.t(language, "why")] + [
        f"{n}. {s.name}（{label(s.status, language)}）：{s.reason}{markers(s.citations)}"
        if language != "en"
        else f"{n}. {s.name} ({label(s.status, language)}): {s.reason} {markers(s.citations)}"
        for n, s in enumerate(statuses, 1)
    ]


def facts_lines(
    m: Messages, stated: list[str], carried: list[str], negated: list[str], language: str, planned: Sequence[str] = ()
) -> list[str]:
    sep, lines = m.t(language, "sep"), []
    if stated or carried:
        shown = stated or carried
        lines.append(
            m.t(language, "facts").format(sep.join(shown))
            + (m.t(language, "carried").format(sep.join(carried)) if carried and stated else "")
        )
    if negated:
        lines.append(m.t(language, "negated").format(sep.join(negated)))
    if planned:
        lines.append(m.t(language, "planned").format(sep.join(planned)))
    return lines


def quoted(m: Messages, c: Citation, language: str) -> str:
    date = c.date or m.t(language, "undated")
    return f"“{c.quote}”[{c.id}]（{date}）" if language != "en" else f"“{c.quote}” [{c.id}] ({date})"


def evidence_lines(m: Messages, lead: str, subject: str, cited: list[Citation], language: str) -> list[str]:
    """First line: what was asked, answered by the best unit; then the other units."""
    first = (
        f"{m.t(language, 'answer')}（{lead}{'，' + subject if subject else ''}）："
        if language != "en"
        else f"{m.t(language, 'answer')} ({lead}{', ' + subject if subject else ''}): "
    )
    lines = [first + quoted(m, cited[0], language)]
    if len(cited) > 1:
        lines.append(m.t(language, "more"))
        lines += [f"{n}. {quoted(m, c, language)}" for n, c in enumerate(cited[1:], 2)]
    return lines
