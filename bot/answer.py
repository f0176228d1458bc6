"""The one function that decides what is said: question -> Answer.

Order of decisions, safest first: refuse what is not about licences (or tries to steer the
bot); let the rule table decide verdicts for recognised product features; show every side of a
known disagreement with dates; otherwise quote retrieved sentences, and say the knowledge base
does not answer when the quotes do not address what was asked. Nothing is stated without a quote.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from bot.knowledge import Knowledge
from bot.models import Answer, Citation, LicenseStatus, Mode, Verdict
from bot.quotes import Candidate, answers_question, candidate_sentences
from bot.understand import Understanding

STATUS_ZH = {Verdict.required: "需要", Verdict.not_required: "不需要", Verdict.depends: "视情况而定",
             Verdict.unknown: "知识库未说明"}
PRIORITY = [Verdict.required, Verdict.depends, Verdict.not_required, Verdict.unknown]
CAUTION = "提示：以上依据知识库文章整理，仅供参考；是否需要办理，以当地通信管理局的认定为准。"
OUT_OF_SCOPE = ("这个问题不在本助手的范围内。我只根据知识库文章回答中国互联网资质问题"
                "（ICP经营许可证、ICP备案、EDI许可证、国内多方通信业务许可证、网络文化经营许可证）。")
NOT_IN_KB = "知识库中的文章没有回答这个问题，我不做猜测。建议向当地通信管理局或专业顾问确认。"
MAX_RETRIEVAL_QUOTES = 3


class EmptyQuestion(ValueError):
    pass


@dataclass
class Context:
    """What earlier turns of a conversation established (see bot/sessions.py)."""

    features: list[str] = field(default_factory=list)
    licenses: list[str] = field(default_factory=list)


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
            context = text[para_start + 2 if para_start != -1 else 0: para_end if para_end != -1 else len(text)]
            self._ids[key] = len(self.citations) + 1
            self.citations.append(Citation(id=self._ids[key], doc_id=doc_id, title=doc["title"], date=doc.get("date"),
                                           source=doc["source"], quote=text[start:end], score=round(score, 4),
                                           context=context))
        return self._ids[key]


def _markers(ids: list[int]) -> str:
    return "".join(f"[{i}]" for i in dict.fromkeys(ids))


def _strongest(statuses: list[Verdict]) -> Verdict:
    return min(statuses, key=PRIORITY.index) if statuses else Verdict.unknown


def answer(question: str, knowledge: Knowledge, context: Context | None = None) -> Answer:
    started = time.perf_counter()
    question = (question or "").strip()
    if not question:
        raise EmptyQuestion("the question is empty")
    context = context or Context()
    u = knowledge.reader.read(question, context.features, context.licenses)
    book = CitationBook(knowledge.index.docs)
    if u.injection or not u.in_domain:
        result = Answer(question=question, verdict=Verdict.out_of_scope, answer=OUT_OF_SCOPE, mode=Mode.refusal,
                        confidence=0.9)
    elif u.features:
        result = _from_rules(u, knowledge, book)
    elif u.topics:
        result = _from_topic(u, knowledge, book)
    else:
        result = _from_retrieval(u, knowledge, book)
    result.citations = book.citations
    result.features = [f for f in u.features if f not in u.carried_over]
    result.carried_over = u.carried_over
    result.latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return result


def _rule_citations(knowledge: Knowledge, quotes, book: CitationBook, score: float = 1.0) -> list[int]:
    ids = []
    for q in quotes:
        loc = knowledge.rule_quotes[q]
        ids.append(book.cite(loc.doc_id, loc.start, loc.end, score))
    return ids


def _from_rules(u: Understanding, knowledge: Knowledge, book: CitationBook) -> Answer:
    catalog = knowledge.catalog
    per_license: dict[str, list] = {}
    for key in u.features:
        for rule in catalog.features[key].licenses:
            per_license.setdefault(rule.slug, []).append((catalog.features[key], rule))
    statuses: list[LicenseStatus] = []
    for slug, entries in per_license.items():
        status = _strongest([r.status for _, r in entries])
        chosen = [(f, r) for f, r in entries if r.status == status]
        ids = [i for _, r in chosen for i in _rule_citations(knowledge, r.quotes, book)]
        reason = "；".join(dict.fromkeys(f"{f.label}：{r.reason}" for f, r in chosen))
        statuses.append(LicenseStatus(slug=slug, name=catalog.licenses[slug].name, status=status, reason=reason,
                                      citations=list(dict.fromkeys(ids))))
    asked = list(dict.fromkeys(u.licenses + u.carried_licenses))
    for slug in asked:
        if slug not in per_license:
            statuses.append(LicenseStatus(slug=slug, name=catalog.licenses[slug].name, status=Verdict.unknown,
                                          reason="知识库文章没有说明这些产品功能是否需要此证", citations=[]))
    statuses.sort(key=lambda s: (s.slug not in asked, PRIORITY.index(s.status)))
    focus = [s for s in statuses if s.slug in asked] or statuses
    verdict = _strongest([s.status for s in focus])
    if verdict == Verdict.unknown and not asked:
        verdict = Verdict.depends
    labels = "、".join(catalog.features[f].label for f in u.features)
    lines = [_headline(verdict, focus, statuses)]
    carried = f"（沿用上文：{'、'.join(catalog.features[f].label for f in u.carried_over)}）" if u.carried_over else ""
    lines.append(f"识别到的产品功能：{labels}{carried}")
    lines.append("依据：")
    for n, s in enumerate(statuses, 1):
        lines.append(f"{n}. {s.name}（{STATUS_ZH[s.status]}）：{s.reason}{_markers(s.citations)}")
    lines.append(CAUTION)
    definite = all(s.status in (Verdict.required, Verdict.not_required) for s in focus)
    return Answer(question=u.question, verdict=verdict, licenses=statuses, answer="\n".join(lines), mode=Mode.rules,
                  confidence=0.9 if definite else 0.7)


def _headline(verdict: Verdict, focus: list[LicenseStatus], statuses: list[LicenseStatus]) -> str:
    need = [s.name for s in statuses if s.status == Verdict.required]
    no_need = [s.name for s in statuses if s.status == Verdict.not_required]
    maybe = [s.name for s in statuses if s.status == Verdict.depends]
    unknown = [s.name for s in focus if s.status == Verdict.unknown]
    parts = []
    if need:
        parts.append(f"需要办理{'、'.join(need)}")
    if maybe:
        parts.append(f"{'、'.join(maybe)}视情况而定")
    if no_need:
        parts.append(f"不需要{'、'.join(no_need)}")
    if unknown:
        parts.append(f"知识库没有说明是否需要{'、'.join(unknown)}")
    return f"结论：{STATUS_ZH[verdict]}。" + "；".join(parts) + "。"


def _from_topic(u: Understanding, knowledge: Knowledge, book: CitationBook) -> Answer:
    topic = knowledge.catalog.topics[u.topics[0]]
    docs = knowledge.index.docs
    quotes = sorted(topic.quotes, key=lambda q: docs[knowledge.rule_quotes[q].doc_id].get("date") or "")
    lines = [f"结论：{topic.summary}。", "各文章的说法（按日期）："]
    ids = []
    for n, q in enumerate(quotes, 1):
        loc = knowledge.rule_quotes[q]
        cid = book.cite(loc.doc_id, loc.start, loc.end, 1.0)
        ids.append(cid)
        doc = docs[loc.doc_id]
        lines.append(f"{n}. {doc.get('date') or '日期不详'}《{doc['title']}》：{book.citations[cid - 1].quote}[{cid}]")
    lines.append(CAUTION)
    licenses = [LicenseStatus(slug=s, name=knowledge.catalog.licenses[s].name, status=Verdict.depends,
                              reason=f"{topic.label}：文章说法不一", citations=ids) for s in topic.licenses]
    return Answer(question=u.question, verdict=Verdict.depends, licenses=licenses, answer="\n".join(lines),
                  mode=Mode.rules, confidence=0.7)


def _pick(relevant: list[Candidate]) -> list[Candidate]:
    """Best few sentences, at most two per article, none far below the best one."""
    chosen: list[Candidate] = []
    floor = relevant[0].score * 0.5 if relevant else 0
    for c in relevant:
        if c.score < floor:
            break
        if any(c.doc_id == o.doc_id and c.start < o.end and o.start < c.end for o in chosen):
            continue
        if sum(1 for o in chosen if o.doc_id == c.doc_id) >= 2:
            continue
        chosen.append(c)
        if len(chosen) == MAX_RETRIEVAL_QUOTES:
            break
    return chosen


def _from_retrieval(u: Understanding, knowledge: Knowledge, book: CitationBook) -> Answer:
    # A price or duration must be stated in a quote, so look further down the ranking for one.
    hits = knowledge.retriever.search(u.question, k=20 if u.quantity else 8, expansion=u.expansion)
    candidates = candidate_sentences(hits, u, knowledge.index.docs)
    asked = list(dict.fromkeys(u.licenses + u.carried_licenses))
    aliases = [a for s in asked for a in knowledge.catalog.licenses[s].aliases]
    ok, relevant = answers_question(u, candidates[:40 if u.quantity else 16], aliases)
    if not ok or not relevant:
        licenses = [LicenseStatus(slug=s, name=knowledge.catalog.licenses[s].name, status=Verdict.unknown,
                                  reason="知识库文章没有回答这个问题", citations=[]) for s in asked]
        return Answer(question=u.question, verdict=Verdict.unknown, licenses=licenses,
                      answer=f"结论：{NOT_IN_KB}\n{CAUTION}", mode=Mode.retrieval, confidence=0.3)
    chosen = _pick(relevant)
    top = max(c.score for c in chosen)
    lines = ["结论：知识库中的相关说法如下（这类问题要结合具体业务判断，以下为文章原文）："]
    ids = []
    for n, c in enumerate(chosen, 1):
        cid = book.cite(c.doc_id, c.start, c.end, c.score / top)
        ids.append(cid)
        doc = knowledge.index.docs[c.doc_id]
        lines.append(f"{n}. {book.citations[cid - 1].quote}[{cid}]（{doc.get('date') or '日期不详'}）")
    lines.append(CAUTION)
    names = {s: knowledge.catalog.licenses[s] for s in asked}
    licenses = [LicenseStatus(slug=s, name=names[s].name, status=Verdict.depends, reason="需结合具体业务判断，见引文",
                              citations=ids) for s in asked]
    coverage_conf = 0.5 + 0.1 * min(len(chosen), 3)
    return Answer(question=u.question, verdict=Verdict.depends, licenses=licenses, answer="\n".join(lines),
                  mode=Mode.retrieval, confidence=round(min(coverage_conf, 0.8), 2))
