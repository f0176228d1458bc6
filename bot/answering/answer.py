"""The one function that decides what is said: question -> Answer.

Order of decisions, safest first: refuse what is not about licences (or tries to steer the
bot); let the rule table decide verdicts for recognised product features; show every side of a
known disagreement with dates; otherwise quote retrieved sentences, and say the knowledge base
does not answer when the quotes do not address what was asked. Nothing is stated without a quote.
"""
from __future__ import annotations

import time

from bot.answering.compose import CAUTION, NOT_IN_KB, OUT_OF_SCOPE, CitationBook, headline, markers, status_zh
from bot.answering.decide import rule_statuses, strongest
from bot.answering.knowledge import Knowledge
from bot.answering.quotes import Candidate, answers_question, candidate_sentences
from bot.answering.understand import Understanding
from bot.core.errors import checked_question
from bot.core.models import Answer, Context, LicenseStatus, Mode, Verdict

MAX_RETRIEVAL_QUOTES = 3


def answer(question: str, knowledge: Knowledge, context: Context | None = None) -> Answer:
    started = time.perf_counter()
    question = checked_question(question, None)
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
    asked = list(dict.fromkeys(u.licenses + u.carried_licenses))
    statuses = rule_statuses(u.features, asked, catalog,
                             lambda quotes: _rule_citations(knowledge, quotes, book))
    focus = [s for s in statuses if s.slug in asked] or statuses
    verdict = strongest([s.status for s in focus])
    if verdict == Verdict.unknown and not asked:
        verdict = Verdict.depends
    labels = "、".join(catalog.features[f].label for f in u.features)
    lines = [headline(verdict, focus, statuses)]
    carried = f"（沿用上文：{'、'.join(catalog.features[f].label for f in u.carried_over)}）" if u.carried_over else ""
    lines.append(f"识别到的产品功能：{labels}{carried}")
    lines.append("依据：")
    for n, s in enumerate(statuses, 1):
        lines.append(f"{n}. {s.name}（{status_zh(s.status)}）：{s.reason}{markers(s.citations)}")
    lines.append(CAUTION)
    definite = all(s.status in (Verdict.required, Verdict.not_required) for s in focus)
    return Answer(question=u.question, verdict=verdict, licenses=statuses, answer="\n".join(lines), mode=Mode.rules,
                  confidence=0.9 if definite else 0.7)


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
