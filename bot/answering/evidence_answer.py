"""Answers from evidence units, where no rule or topic decides: the units of the kind the question asks
for (conditions, steps, time …), relevant by meaning and about the licences at stake, quoted in order;
for a verdict question no rule covers, what those units say of each licence; and "the articles do not
say" when no unit answers."""

from __future__ import annotations

from bot.answering import compose as c
from bot.answering.decide import licence_status, Decision, from_polarities, overall
from bot.answering.evidence import MIN_RELEVANCE, Evidence, covered, of_kind, relevant, to_quote
from bot.answering.knowledge import Knowledge
from bot.answering.understand import Understanding
from bot.core.models import Answer, Mode, Verdict

# A unit this close in meaning answers even when it shares none of the question's content words.
SURE_SIMILARITY = 0.89
# ... and one about a noun the articles never use needs to be closer still.
UNHEARD_SIMILARITY = 0.93
MIN_RELEVANCE_EN = 0.78
NEAR_TIE = 0.01  # units this close to the best in meaning are told apart by the question's words
LIST_INTENTS = {"conditions", "materials", "process", "penalty"}


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
    licenses = [licence_status(knowledge.catalog, s, lang, Verdict.unknown, reason, []) for s in u.asked]
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
    return _chosen(u, knowledge, *_ranked(u, knowledge, hits, kinds, focused))


def _ranked(
    u: Understanding, knowledge: Knowledge, hits, kinds: set[str], focused: bool = False
) -> tuple[list[Evidence], frozenset[str]]:
    """Every relevant unit of the kinds, best first, and the licences compared (each gets its best unit)."""
    related = _related(u, knowledge)
    focus = (
        knowledge.intents.focus.get(u.intent.focus, ())
        if u.intent.focus and (focused or u.intent.name == "conditions")
        else ()
    )
    floor = MIN_RELEVANCE_EN if u.language == "en" else MIN_RELEVANCE  # English to Chinese articles runs lower
    scanned = (
        [] if u.vector is None else knowledge.retriever.scan(u.vector, of_kind(knowledge.kinds, kinds, related), floor)
    )
    candidates = hits + scanned
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
    return ranked, frozenset(related) if comparing else frozenset()


def _chosen(u: Understanding, knowledge: Knowledge, ranked: list[Evidence], each_of: frozenset[str]) -> list[Evidence]:
    """The best few of `ranked` to quote, none when they do not address the question's own subject."""
    chosen = _most_addressed_first(to_quote(ranked, each_of), u.content_terms)
    if not chosen:
        return chosen
    best = max(e.hit.similarity for e in chosen)
    # kind-specific intents are bound by their kind, and so is the definition of a licence the question names
    # (its definitions are about it; a second question beside it brings the words they do not address)
    subject_bound = u.intent.name in ("verdict", "other") or (u.intent.name == "definition" and not u.licenses)
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


def _most_addressed_first(chosen: list[Evidence], terms: list[str]) -> list[Evidence]:
    """Of the units about as close in meaning as the best (within `NEAR_TIE`), the one that addresses the
    most of the question's own words leads: the first quote is the answer's first line, and e5 alone
    ranks "提供以下服务的，需要办理ICP许可证" above the list of review categories a question about the
    categories asks for."""
    if len(chosen) < 2 or not terms:
        return chosen
    best = max(e.score for e in chosen)
    near = [e for e in chosen if e.score >= best - NEAR_TIE]
    lead = max(near, key=lambda e: covered(terms, [e]))  # the first of the best-covering: ties keep the order
    return [lead] + [e for e in chosen if e is not lead]


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
    # the best few units of any kind first, then, where none of them addresses it, the one of every relevant
    # unit addressing most of what is left out; none where the question's subject is one the articles do
    # not answer (the best few of any kind say so)
    ranked, each_of = _ranked(u, knowledge, hits, set())
    best_few = _chosen(u, knowledge, ranked, each_of) if chosen else []
    addressing = next((e for e in best_few if e.hit.position not in have and covered(missing, [e]) > 0), None)
    if addressing is None and best_few:
        others = [e for e in ranked if e.hit.position not in have]
        addressing = max(others, key=lambda e: covered(missing, [e]), default=None)
    if addressing is None or covered(missing, [addressing]) == 0:
        return chosen
    if chosen and covered(u.content_terms, [addressing]) > max(covered(u.content_terms, [e]) for e in chosen):
        return [addressing] + chosen  # it answers more of the question than any of them: its first line
    return chosen + [addressing]


def from_evidence(u: Understanding, knowledge: Knowledge, book: c.CitationBook, hits) -> Answer:
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
    licenses = [licence_status(knowledge.catalog, s, u.language, status, reason, ids) for s in u.asked]
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


def from_unit_polarity(u: Understanding, knowledge: Knowledge, book: c.CitationBook, hits) -> Answer:
    """A verdict question no rule covers: the relevant units say how the licence stands, the one that
    addresses most of what it asks first ("审核时哪些类目要求提供许可证？" is answered by the list of categories)."""
    lang = u.language
    deciding = _answering_units(u, knowledge, hits, set())  # how the licence stands, said by the closest units
    chosen = _addressing_every_term(u, knowledge, hits, deciding)
    if not chosen:
        return _unknown(u, knowledge)
    ids = _cite_units(chosen, book)
    statuses = []
    for slug in u.asked:
        said = [(e.meaning.polarity[slug], e.score) for e in deciding if slug in e.meaning.polarity]
        statuses.append(
            licence_status(
                knowledge.catalog,
                slug,
                lang,
                from_polarities(said),
                "see the quotes" if lang == "en" else "见引文",
                [i for i, e in zip(ids, chosen) if e in deciding and slug in e.meaning.polarity] or ids,
            )
        )
    if u.asked:
        decision = overall(statuses, u.asked, knowledge.catalog.filings)
    else:
        stances = [(e.meaning.stance, e.score) for e in deciding if e.meaning.stance]
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
