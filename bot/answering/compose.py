"""Wording and numbering of an answer, in Chinese or English: the citation book that numbers quotes
in order of first use, and the lines of each kind of answer — the first line always answers what
was asked. Quotes stay in the article's own words and script whatever the answer's language.
"""

from __future__ import annotations

from bot.core.models import VERDICT_LABELS, Citation, LicenseStatus, Verdict

TEXT = {
    "zh": {
        "caution": "提示：以上依据知识库文章整理，仅供参考；是否需要办理，以当地通信管理局的认定为准。",
        "out_of_scope": "这个问题不在本助手的范围内。我只根据知识库文章回答中国互联网资质问题（{licences}）。",
        "not_in_kb": "知识库中的文章没有回答这个问题，我不做猜测。建议向当地通信管理局或专业顾问确认。",
        "answer": "结论",
        "need": "需要办理{}",
        "maybe": "{}视情况而定",
        "no_need": "不需要{}",
        "unsaid": "知识库没有说明是否需要{}",
        "facts": "识别到的产品功能：{}",
        "carried": "（沿用上文：{}）",
        "negated": "未计入（您说没有）：{}",
        "why": "依据：",
        "more": "其他相关说法：",
        "sides": "各文章的说法（按日期）：",
        "undated": "日期不详",
        "sep": "、",
        "names": "、",
        "end": "。",
        "colon": "：",
        "said": "文章原文（需结合具体业务判断）：",
        "figure_unsaid": "知识库中的文章没有给出您问的具体日期或期限，我不做猜测；文章中相关的说法如下。",
        "never_said": "知识库中的文章没有提到【{}】，我不做猜测；文章中相关的说法如下。",
        "outvoted": "请注意：您既说到【{absent}】，又说到【{other}】。以上结论按【{other}】判断；如果实际只有【{absent}】，结论会不同。",
    },
    "en": {
        "caution": "Note: this summarises the knowledge base's articles and is not legal advice; whether you need a "
        "licence is decided by your local communications administration.",
        "out_of_scope": "This question is outside what I answer. I only answer questions about China's internet licences "
        "({licences}) from the knowledge base's articles.",
        "not_in_kb": "The articles in the knowledge base do not answer this question, and I will not guess. Please check "
        "with the local communications administration or an adviser.",
        "answer": "Answer",
        "need": "you need the {}",
        "maybe": "whether you need the {} depends on your case",
        "no_need": "you do not need the {}",
        "unsaid": "the articles do not say whether you need the {}",
        "facts": "Product facts recognised: {}",
        "carried": " (carried over from earlier: {})",
        "negated": "Not counted (you said you do not have them): {}",
        "why": "Why:",
        "more": "The articles also say:",
        "sides": "What each article says (by date):",
        "undated": "undated",
        "sep": ", ",
        "names": " and the ",
        "end": ".",
        "colon": ": ",
        "said": "What the articles say (in their own words; your case decides):",
        "figure_unsaid": "The articles do not give the date or period you ask about, and I will not guess; what they do "
        "say on the subject follows.",
        "never_said": "The articles in the knowledge base never mention [{}], and I will not guess; what they do say on "
        "the subject follows.",
        "outvoted": "Please note: you describe both [{absent}] and [{other}]. The answer above goes by [{other}]; "
        "if only [{absent}] holds, the answer differs.",
    },
}


def t(language: str, key: str) -> str:
    return TEXT["en" if language == "en" else "zh"][key]


def label(verdict: Verdict, language: str) -> str:
    names = VERDICT_LABELS[verdict]
    return names.en if language == "en" else names.zh


class CitationBook:
    """Numbers quotes in order of first use; the same span is cited once."""

    def __init__(self, docs: dict[str, dict]):
        self.docs = docs
        self.citations: list[Citation] = []
        self._ids: dict[tuple[str, int, int], int] = {}

    def cite(self, doc_id: str, start: int, end: int, score: float) -> int:
        text = self.docs[doc_id]["text"]
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
                    title=doc["title"],
                    date=doc.get("date"),
                    source=doc["source"],
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


def headline(verdict: Verdict, focus: list[LicenseStatus], statuses: list[LicenseStatus], language: str) -> str:
    sep = t(language, "names")
    parts = []
    for key, status, pool in (
        ("need", Verdict.required, statuses),
        ("maybe", Verdict.depends, statuses),
        ("no_need", Verdict.not_required, statuses),
        ("unsaid", Verdict.unknown, focus),
    ):
        names = [s.name for s in pool if s.status == status]
        if names:
            parts.append(t(language, key).format(sep.join(names)))
    if language == "en":
        body = "; ".join(parts)
        return f"Answer: {label(verdict, language)}." + (f" {body[0].upper()}{body[1:]}." if body else "")
    return (
        f"{t(language, 'answer')}{t(language, 'colon')}{label(verdict, language)}{t(language, 'end')}"
        + "；".join(parts)
        + t(language, "end")
    )


def verdict_lines(statuses: list[LicenseStatus], language: str) -> list[str]:
    return [t(language, "why")] + [
        f"{n}. {s.name}（{label(s.status, language)}）：{s.reason}{markers(s.citations)}"
        if language != "en"
        else f"{n}. {s.name} ({label(s.status, language)}): {s.reason} {markers(s.citations)}"
        for n, s in enumerate(statuses, 1)
    ]


def facts_lines(stated: list[str], carried: list[str], negated: list[str], language: str) -> list[str]:
    sep, lines = t(language, "sep"), []
    if stated or carried:
        shown = stated or carried
        lines.append(
            t(language, "facts").format(sep.join(shown))
            + (t(language, "carried").format(sep.join(carried)) if carried and stated else "")
        )
    if negated:
        lines.append(t(language, "negated").format(sep.join(negated)))
    return lines


def quoted(c: Citation, language: str) -> str:
    date = c.date or t(language, "undated")
    return f"“{c.quote}”[{c.id}]（{date}）" if language != "en" else f"“{c.quote}” [{c.id}] ({date})"


def evidence_lines(lead: str, subject: str, cited: list[Citation], language: str) -> list[str]:
    """First line: what was asked, answered by the best unit; then the other units."""
    first = (
        f"{t(language, 'answer')}（{lead}{'，' + subject if subject else ''}）："
        if language != "en"
        else f"{t(language, 'answer')} ({lead}{', ' + subject if subject else ''}): "
    )
    lines = [first + quoted(cited[0], language)]
    if len(cited) > 1:
        lines.append(t(language, "more"))
        lines += [f"{n}. {quoted(c, language)}" for n, c in enumerate(cited[1:], 2)]
    return lines
