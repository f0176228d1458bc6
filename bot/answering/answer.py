"""The one function that decides what is said: question -> Answer.

understand -> retrieve -> decide -> compose -> ground. Order of decisions, safest first: refuse what
must be refused (forgery, evasion, steering the bot) and what is not about licences; show every
side of a known disagreement with dates; let the rule table decide verdicts for the product facts
the question states; otherwise answer from the evidence units of the kind the question asks for,
and say the knowledge base does not answer when no unit is relevant by meaning. Nothing is stated
without a quote, and the finished text passes the same grounding check as an LLM's would.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace

from bot.answering import compose as c
from bot.answering.decide import Decision, from_polarities, overall, rule_statuses
from bot.answering.facts import ASK, NEGATION, NOT_NEGATION, clauses
from bot.answering.evidence import MIN_RELEVANCE, Evidence, covered, of_kind, relevant, to_quote
from bot.answering.ground import ungrounded
from bot.answering.knowledge import Knowledge
from bot.answering.understand import Screened, Understanding
from bot.core.errors import checked_question
from bot.core.models import Answer, Context, Fact, LicenseStatus, Mode, Verdict
from bot.kb.glossary import Refusal
from bot.kb.learned.refusal import NONE as NO_REFUSAL
from bot.kb.learned.state import not_there

# Cosine similarity of the best unit above which a question without licence words is in scope:
# calibrated on the eval suites' in-scope and out-of-scope questions (bench prints the curve).
IN_SCOPE_SIMILARITY = 0.87
IN_SCOPE_WITH_CONTEXT_WORD = 0.865
# A unit this close in meaning answers even when it shares none of the question's content words.
SURE_SIMILARITY = 0.89
# ... and one about a noun the articles never use needs to be closer still.
UNHEARD_SIMILARITY = 0.93
MIN_RELEVANCE_EN = 0.78
LIST_INTENTS = {"conditions", "materials", "process", "penalty"}
UNRELATED = "unrelated"  # the refusal class of a task that has nothing to do with licences
log = logging.getLogger(__name__)


@dataclass
class Turn:
    """An answer and what answering knew besides it that is not part of the Answer JSON: the licences
    the question was about (the session keeps them for the next message)."""

    answer: Answer
    asked: list[str] = field(default_factory=list)


def answer(question: str, knowledge: Knowledge, context: Context | None = None) -> Answer:
    return answer_turn(question, knowledge, context).answer


def answer_turn(question: str, knowledge: Knowledge, context: Context | None = None) -> Turn:
    started = time.perf_counter()
    s = knowledge.reader.screen(checked_question(question, None))
    book = c.CitationBook(knowledge.index.docs)
    u = None
    learned = None
    if not s.refusal:
        texts = knowledge.reader.to_embed(s, context)
        vectors = knowledge.vectors(texts + [s.folded])  # one batch: the student reads the whole message
        learned = _learned_refusal(s, knowledge, vectors[s.folded])
    if s.refusal or (learned and learned.kind != UNRELATED):
        result = _refused(s, _reason(s, s.refusal or learned), knowledge)
    else:
        u = knowledge.reader.read(s, {t: vectors[t] for t in texts}, context or Context())
        hits = knowledge.retriever.search(s.folded, k=24, expansion=u.expansion, vector=u.vector)
        _learned_states(u, knowledge)
        if learned and not _names_the_domain(u):  # an unrelated task: refused, saying so, unless it names licences
            result = _refused(s, _reason(s, learned), knowledge)
        elif not _in_scope(u, hits, knowledge.reader.facts.sure):
            result = _refused(s, _out_of_scope_reason(s, knowledge, vectors[s.folded]), knowledge)
        elif u.topics and u.intent.name in ("authority", "verdict", "other"):
            result = _from_topic(u, knowledge, book)
        elif u.features and u.intent.name in ("verdict", "conditions"):
            result = _from_rules(u, knowledge, book)
        elif u.intent.name == "verdict":
            result = _from_unit_polarity(u, knowledge, book, hits)
        else:
            result = _from_evidence(u, knowledge, book, hits)
    return Turn(_finish(result, u, s, book, knowledge, started), list(u.asked) if u is not None else [])


def _finish(
    result: Answer, u: Understanding | None, s: Screened, book: c.CitationBook, knowledge: Knowledge, started: float
) -> Answer:
    result.citations = book.citations
    result.language = s.language
    if u is not None:
        result.intent = u.intent.name
        result.follow_up = u.follow_up and result.verdict != Verdict.out_of_scope  # a refused message continues nothing
        result.carried_over = u.carried_over
        result.features = [
            f for f in dict.fromkeys(x.feature for x in u.facts if not x.negated) if f not in u.carried_over
        ]
        result.facts = [Fact(feature=f.feature, negated=f.negated, matched=f.matched) for f in u.facts]
    problems = ungrounded(result, knowledge.catalog)
    if problems:  # an extractive answer passes by construction; the tests and the eval hold it to that
        log.error("ungrounded answer to %r: %s", s.question[:80], problems)
    result.latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return result


def _in_scope(u: Understanding, hits, sure: float) -> bool:
    """A licence, a product feature in so many words, a licence word or leaning on the conversation
    before puts a question in scope; a
    feature read only by meaning does not on its own ("红烧肉怎么做" is near some wording of
    something), so then, as for every other question, some unit must be close in meaning."""
    if u.asked or u.topics or u.domain == "strong" or u.carried_over or any(f.by == "words" for f in u.facts):
        return True
    if u.follow_up and u.intent.name not in ("verdict", "other"):  # asks the conversation's licence for a
        return True  # time, a cost, the steps … ("And how long does it take to get it?"); not "what about the weather"
    if any(f.by == "meaning" and f.score >= sure for f in u.facts):  # a reading of the feature student that is sure
        return True
    best = max((h.similarity for h in hits), default=0.0)
    if u.domain == "context":
        return u.intent.name != "cost" and best >= IN_SCOPE_WITH_CONTEXT_WORD
    return best >= IN_SCOPE_SIMILARITY


def _learned_refusal(s: Screened, knowledge: Knowledge, vector) -> Refusal | None:
    """The refusal class the shipped student reads in a message no pattern matched, when it is sure
    enough (its threshold was chosen for precision at training), with that class's reason."""
    if knowledge.refusals is None:
        return None
    reading = knowledge.refusals.read(s.question, vector)
    if reading.label == NO_REFUSAL:
        return None
    return next((r for r in knowledge.catalog.glossary.refusals if r.kind == reading.label), None)


def _out_of_scope_reason(s: Screened, knowledge: Knowledge, vector) -> str:
    """A question refused for being out of scope says it is a task unrelated to licences when the
    refusal student leans that way, even below its threshold: scope has settled the refusal already
    ("Write a short cover letter"); the student only names the reason."""
    if knowledge.refusals is None or knowledge.refusals.leaning(s.question, vector) != UNRELATED:
        return ""
    return next((_reason(s, r) for r in knowledge.catalog.glossary.refusals if r.kind == UNRELATED), "")


def _learned_states(u: Understanding, knowledge: Knowledge) -> None:
    """A feature the rules read as there is not there when the state student reads the words up to it
    as negated or stopped ("我哋個app冇語音房", "以前有多人视频") or its clause, with the next one
    when that states no feature and asks nothing, as stopped ("we used to have group video calls,
    but removed them last month"). The negation words of facts.py know Mandarin before the term,
    not dialects or tenses. Left alone: facts the rules read as negated, and facts whose own words
    are a negation ("不招别的商家", "用户基本都不在国内": the feature is an absence)."""
    if knowledge.states is None:
        return
    todo = [
        (i, f, _lead_and_window(f.matched, u))
        for i, f in enumerate(u.facts)
        if not f.negated and not NEGATION.search(NOT_NEGATION.sub("", f.matched))
    ]
    vectors = knowledge.vectors(list(dict.fromkeys(t for _, _, pair in todo for t in pair))) if todo else {}
    for i, f, (lead, window) in todo:
        if (
            not_there(knowledge.states.read(lead, vectors[lead]))
            or knowledge.states.read(window, vectors[window]).label == "past"
        ):
            u.facts[i] = replace(f, negated=True)


def _lead_and_window(matched: str, u: Understanding) -> tuple[str, str]:
    """The fact's clause up to the end of its words (a negation later in the clause is about
    something else: "我们的社交小程序没有语音"), and the whole clause with the next one when that
    states no feature and asks nothing (a later clause can say a feature was stopped)."""
    parts = clauses(u.folded)
    at = next((n for n, c in enumerate(parts) if matched in c), None)
    if at is None:
        return u.folded, u.folded
    clause = parts[at]
    lead = clause[: clause.index(matched) + len(matched)]
    following = parts[at + 1] if at + 1 < len(parts) else ""
    if following and not ASK.search(following) and not any(f.matched in following for f in u.facts):
        return lead, clause + "，" + following
    return lead, clause


def _names_the_domain(u: Understanding) -> bool:
    """A licence, a licence word or a product feature in so many words: then a message the student
    reads as an unrelated task is still answered (it may be a licence question worded oddly)."""
    return bool(u.asked or u.topics or u.domain or u.carried_over or any(f.by == "words" for f in u.facts))


def _reason(s: Screened, refusal: Refusal) -> str:
    return refusal.reason_en if s.language == "en" else refusal.reason


def _refused(s: Screened, reason: str, knowledge: Knowledge) -> Answer:
    """The reason, then what the bot answers about: every licence of the catalogue, by name."""
    scope = knowledge.messages.t(s.language, "out_of_scope").format(
        licences=knowledge.messages.t(s.language, "sep").join(knowledge.catalog.names(s.language))
    )
    text = (reason + "\n" if reason else "") + scope
    return Answer(question=s.question, verdict=Verdict.out_of_scope, answer=text, mode=Mode.refusal, confidence=0.9)


def _cite_rule(knowledge: Knowledge, book: c.CitationBook):
    def cite(quotes) -> list[int]:
        return [book.cite(loc.doc_id, loc.start, loc.end, 1.0) for loc in (knowledge.rule_quotes[q] for q in quotes)]

    return cite


def _labels(knowledge: Knowledge, keys: list[str], language: str) -> list[str]:
    return [knowledge.catalog.features[k].display(language) for k in keys]


def _from_rules(u: Understanding, knowledge: Knowledge, book: c.CitationBook) -> Answer:
    lang = u.language
    statuses = rule_statuses(
        u.features, u.asked, knowledge.catalog, _cite_rule(knowledge, book), lang, knowledge.messages
    )
    stated = [f.feature for f in u.facts if not f.negated and f.feature not in u.carried_over]
    focus = u.asked
    if u.follow_up and not u.licenses and stated:  # "那如果只有1对1视频呢？" asks about what that change touches
        focus = list(dict.fromkeys(r.slug for f in stated for r in knowledge.catalog.features[f].licenses))
    decision = overall(statuses, focus, knowledge.catalog.filings)
    negated = [f.feature for f in u.facts if f.negated]
    lines = [c.headline(knowledge.messages, decision.verdict, decision.focus, statuses, lang)]
    lines += c.facts_lines(
        knowledge.messages,
        _labels(knowledge, stated, lang),
        _labels(knowledge, u.carried_over, lang),
        _labels(knowledge, negated, lang),
        lang,
    )
    lines += _outvoted(u.features, statuses, knowledge, lang)
    lines += c.verdict_lines(knowledge.messages, statuses, lang) + [knowledge.messages.t(lang, "caution")]
    definite = all(s.status in (Verdict.required, Verdict.not_required) for s in decision.focus)
    return Answer(
        question=u.question,
        verdict=decision.verdict,
        licenses=statuses,
        answer="\n".join(lines),
        mode=Mode.rules,
        confidence=0.9 if definite else 0.7,
    )


def _outvoted(features: list[str], statuses, knowledge: Knowledge, lang: str) -> list[str]:
    """A stated absence ("完全免费", `negative` in rules.yaml) that another stated feature outvotes
    ("但是放广告") is said, not settled silently: which reading the verdict goes by, and that it would
    differ with the absence alone."""
    features_of = knowledge.catalog.features
    final = {s.slug: s.status for s in statuses}
    lines = []
    for key in features:
        rules = features_of[key].licenses
        if not features_of[key].negative or not any(final.get(r.slug) not in (None, r.status) for r in rules):
            continue
        outvoting = [
            k
            for k in features
            if k != key
            and any(
                final.get(r.slug) == r.status != Verdict.unknown
                for r in features_of[k].licenses
                if r.slug in {x.slug for x in rules}
            )
        ]
        if outvoting:
            lines.append(
                knowledge.messages.t(lang, "outvoted").format(
                    absent=_labels(knowledge, [key], lang)[0],
                    other=knowledge.messages.t(lang, "sep").join(_labels(knowledge, outvoting, lang)),
                )
            )
    return lines


def _from_topic(u: Understanding, knowledge: Knowledge, book: c.CitationBook) -> Answer:
    lang, docs = u.language, knowledge.index.docs
    topic = knowledge.catalog.topics[u.topics[0]]
    quotes = sorted(topic.quotes, key=lambda q: docs[knowledge.rule_quotes[q].doc_id].get("date") or "")
    summary = topic.summary_en or topic.summary if lang == "en" else topic.summary
    lines = [
        f"{knowledge.messages.t(lang, 'answer')}{knowledge.messages.t(lang, 'colon')}{summary}{knowledge.messages.t(lang, 'end')}",
        knowledge.messages.t(lang, "sides"),
    ]
    ids = []
    for n, q in enumerate(quotes, 1):
        loc = knowledge.rule_quotes[q]
        cid = book.cite(loc.doc_id, loc.start, loc.end, 1.0)
        ids.append(cid)
        doc = docs[loc.doc_id]
        lines.append(
            f"{n}. {doc.get('date') or knowledge.messages.t(lang, 'undated')}《{doc['title']}》{knowledge.messages.t(lang, 'colon')}{book.quote(cid).quote}[{cid}]"
        )
    lines.append(knowledge.messages.t(lang, "caution"))
    reason = f"{topic.label_en if lang == 'en' and getattr(topic, 'label_en', '') else topic.label}"
    licenses = [
        LicenseStatus(
            slug=s,
            name=knowledge.catalog.licenses[s].display(lang),
            status=Verdict.depends,
            reason=reason,
            citations=ids,
        )
        for s in topic.licenses
    ]
    return Answer(
        question=u.question,
        verdict=Verdict.depends,
        licenses=licenses,
        answer="\n".join(lines),
        mode=Mode.rules,
        confidence=0.7,
    )


def _related(u: Understanding, knowledge: Knowledge) -> set[str]:
    """The licences a question is about: named or carried, else those its product facts bear on."""
    if u.asked:
        return set(u.asked)
    return {
        r.slug for f in u.features for r in knowledge.catalog.features[f].licenses if r.status != Verdict.not_required
    }


def _unknown(u: Understanding, knowledge: Knowledge) -> Answer:
    lang = u.language
    reason = knowledge.messages.t(lang, "not_in_kb")
    licenses = [
        LicenseStatus(
            slug=s,
            name=knowledge.catalog.licenses[s].display(lang),
            status=Verdict.unknown,
            reason=reason,
            citations=[],
        )
        for s in u.asked
    ]
    return Answer(
        question=u.question,
        verdict=Verdict.unknown,
        licenses=licenses,
        answer=f"{knowledge.messages.t(lang, 'answer')}{knowledge.messages.t(lang, 'colon')}{reason}\n{knowledge.messages.t(lang, 'caution')}",
        mode=Mode.retrieval,
        confidence=0.3,
    )


def _cite_units(chosen: list[Evidence], book: c.CitationBook) -> list[int]:
    top = max(e.score for e in chosen)
    return [book.cite(e.unit.doc_id, e.unit.start, e.unit.end, e.score / top) for e in chosen]


def _subject(u: Understanding, knowledge: Knowledge) -> str:
    return knowledge.messages.t(u.language, "sep").join(
        knowledge.catalog.licenses[s].display(u.language) for s in u.asked
    )


def _answering_units(
    u: Understanding, knowledge: Knowledge, hits, kinds: set[str], focused: bool = False
) -> list[Evidence]:
    """The units to quote: relevant by meaning, of the kind asked for, about the licences at stake —
    and addressing the question's own subject ("版号", "有效期") unless they are very close in meaning.
    The question's focus ("capital") narrows a conditions question, or any with `focused`."""
    related = _related(u, knowledge)
    focus = (
        knowledge.intents.focus.get(u.intent.focus, ())
        if u.intent.focus and (focused or u.intent.name == "conditions")
        else ()
    )
    floor = MIN_RELEVANCE_EN if u.language == "en" else MIN_RELEVANCE  # English to Chinese articles runs lower
    candidates = hits + knowledge.retriever.scan(u.vector, of_kind(knowledge.kinds, kinds, related), floor)
    comparing = u.intent.name == "comparison" and len(related) >= 2
    ranked = relevant(
        candidates,
        knowledge.meanings,
        kinds,
        related,
        focus,
        floor,
        prefer_lists=u.intent.name in LIST_INTENTS,
        lists=knowledge.lists,
        comparing=comparing,
        whole_lists=u.intent.name == "other",
    )
    chosen = to_quote(ranked, related if comparing else frozenset())
    if not chosen:
        return chosen
    best = max(e.hit.similarity for e in chosen)
    subject_bound = u.intent.name in ("verdict", "other", "definition")  # kind-specific intents are bound by their kind
    unheard = any(not knowledge.index.lexical.knows(n) for n in u.subject_nouns)
    if unheard and best < (UNHEARD_SIMILARITY if subject_bound else SURE_SIMILARITY - 0.01):
        return []  # the question is about something the articles never mention ("版号", "年检")
    if best < SURE_SIMILARITY and subject_bound and covered(u.content_terms, chosen) == 0:
        return []
    if (
        best < SURE_SIMILARITY
        and not subject_bound
        and u.subject_nouns
        and covered(u.subject_nouns, chosen) == 0
        and knowledge.intents.figure_asked(u.folded) is not None
    ):
        return []  # a figure of something these units never name: "一个月左右" answers 办证要多久, not 有效期是几年
    return chosen


def _addressing_every_term(u: Understanding, knowledge: Knowledge, hits, chosen: list[Evidence]) -> list[Evidence]:
    """The intent shapes the answer; it does not exclude evidence. When the units of the kind asked for
    leave one of the question's content words unaddressed, the most relevant unit of any kind that
    addresses it is quoted too, after them; a question with a focus ("注册资本") that asks something
    else as well (a comparison) also gets the units a conditions question with that focus would."""
    have = {e.hit.position for e in chosen}
    if u.intent.focus and u.intent.name != "conditions":  # "有什么区别，注册资本各要多少？"
        focused = _answering_units(u, knowledge, hits, set(knowledge.intents.get("conditions").evidence), focused=True)
        extra = [e for e in focused if e.hit.position not in have][:2]
        chosen, have = chosen + extra, have | {e.hit.position for e in extra}
    missing = [t for t in u.content_terms if not covered([t], chosen)]
    if not missing:
        return chosen
    extra = next(
        (
            e
            for e in _answering_units(u, knowledge, hits, set())
            if e.hit.position not in have and covered(missing, [e]) > 0
        ),
        None,
    )
    return chosen + [extra] if extra is not None else chosen


def _from_evidence(u: Understanding, knowledge: Knowledge, book: c.CitationBook, hits) -> Answer:
    intent = knowledge.intents.get(u.intent.name)
    chosen = _addressing_every_term(u, knowledge, hits, _answering_units(u, knowledge, hits, set(intent.evidence)))
    if not chosen:
        return _unknown(u, knowledge)
    unsaid = _part_unsaid(u, knowledge, intent.evidence, chosen)
    if (
        unsaid and not intent.evidence
    ):  # nothing but that part was asked ("有效期是几年"): the rest would be unrelated quotes
        return _unknown(u, knowledge)  # decided before citing: the book's citations go out with the answer
    ids = _cite_units(chosen, book)
    lead = intent.lead_en if u.language == "en" else intent.lead
    lines = c.evidence_lines(
        knowledge.messages, lead, _subject(u, knowledge), [book.quote(i) for i in ids], u.language
    ) + [knowledge.messages.t(u.language, "caution")]
    reason = "see the quotes" if u.language == "en" else "见引文"
    status = Verdict.depends
    if unsaid:  # the articles are silent on part of what was asked: said first, then what they do say
        lines, status, reason = [unsaid] + lines, Verdict.unknown, knowledge.messages.t(u.language, "not_in_kb")
    licenses = [
        LicenseStatus(
            slug=s, name=knowledge.catalog.licenses[s].display(u.language), status=status, reason=reason, citations=ids
        )
        for s in u.asked
    ]
    return Answer(
        question=u.question,
        verdict=status,
        licenses=licenses,
        answer="\n".join(lines),
        mode=Mode.retrieval,
        confidence=round(min(0.5 + 0.1 * len(chosen), 0.8), 2),
    )


def _part_unsaid(u: Understanding, knowledge: Knowledge, kinds: tuple[str, ...], chosen: list[Evidence]) -> str | None:
    """The line saying which part of the question the articles are silent on, or None: the thing the
    question is about, when they never mention it ("每年要年检吗": no article has the word, though the
    quotes answer the question's kind; a question with other subjects they do mention is answered), or
    a figure (a date, a period: intents.yaml `figures`) that none of the quoted units states."""
    if u.subject_nouns and not any(knowledge.index.lexical.knows(n) for n in u.subject_nouns):
        return knowledge.messages.t(u.language, "never_said").format(
            knowledge.messages.t(u.language, "names").join(u.subject_nouns)
        )
    figure = knowledge.intents.figure_asked(u.folded)
    if figure is not None and figure.kind not in kinds and not any(figure.kind in e.meaning.kinds for e in chosen):
        return knowledge.messages.t(u.language, "figure_unsaid")
    return None


def _from_unit_polarity(u: Understanding, knowledge: Knowledge, book: c.CitationBook, hits) -> Answer:
    """A verdict question no rule covers: the relevant units say how the licence stands."""
    lang = u.language
    chosen = _answering_units(u, knowledge, hits, set())
    if not chosen:
        return _unknown(u, knowledge)
    ids = _cite_units(chosen, book)
    statuses = []
    for slug in u.asked:
        said = [(e.meaning.polarity[slug], e.score) for e in chosen if slug in e.meaning.polarity]
        statuses.append(
            LicenseStatus(
                slug=slug,
                name=knowledge.catalog.licenses[slug].display(lang),
                status=from_polarities(said),
                reason="see the quotes" if lang == "en" else "见引文",
                citations=[i for i, e in zip(ids, chosen) if slug in e.meaning.polarity] or ids,
            )
        )
    if u.asked:
        decision = overall(statuses, u.asked, knowledge.catalog.filings)
    else:
        stances = [(e.meaning.stance, e.score) for e in chosen if e.meaning.stance]
        decision = Decision(statuses, from_polarities(stances), [])
    if decision.verdict == Verdict.unknown:
        decision.verdict = Verdict.depends
    lines = [
        c.headline(knowledge.messages, decision.verdict, decision.focus, statuses, lang),
        knowledge.messages.t(lang, "said"),
    ]
    lines += [f"{n}. {c.quoted(knowledge.messages, book.quote(i), lang)}" for n, i in enumerate(ids, 1)] + [
        knowledge.messages.t(lang, "caution")
    ]
    return Answer(
        question=u.question,
        verdict=decision.verdict,
        licenses=statuses,
        answer="\n".join(lines),
        mode=Mode.retrieval,
        confidence=round(min(0.5 + 0.1 * len(chosen), 0.8), 2),
    )
