"""The state student's say on the product facts the rules read as there: a feature negated in a dialect
or stopped in the past is not counted (the rules' negation words know Mandarin before the term only),
and one planned beside what the product has now is said to be planned."""

from __future__ import annotations

from dataclasses import replace

from bot.answering.facts import Fact
from bot.answering.knowledge import Knowledge
from bot.answering.understand import Understanding
from bot.kb.learned.state import not_there


FOLLOWING = 2  # clauses after a fact's own that may say it was stopped


def apply_learned_states(u: Understanding, knowledge: Knowledge) -> None:
    """A feature the rules read as there is not there when the state student reads the words up to it
    as negated or stopped ("我哋個app冇語音房", "以前有多人视频") or its clause, with the next one
    when that states no feature and asks nothing, as stopped ("we used to have group video calls,
    but removed them last month"). The negation words of glossary.yaml know Mandarin before the term,
    not dialects or tenses. Left alone: facts the rules read as negated, and facts whose own words
    are a negation ("不招别的商家", "用户基本都不在国内": the feature is an absence)."""
    if knowledge.states is None:
        return
    todo = [
        (i, f, _lead_and_windows(f, u, knowledge))
        for i, f in enumerate(u.facts)
        if not f.negated and not knowledge.catalog.glossary.wording.negated(f.matched)
    ]
    wording = knowledge.catalog.glossary.wording
    texts = [t for _, _, (lead, windows) in todo for t in (lead, *windows)]
    vectors = knowledge.vectors(list(dict.fromkeys(texts))) if todo else {}
    planned = []
    for i, f, (lead, windows) in todo:
        said = knowledge.states.read(lead, vectors[lead])
        denied_plan = said.label == "planned" and wording.denies_plan(lead)  # "不打算加语音房"
        # not sure it is there now, and its clause puts it in the past ("we used to sell a membership")
        bygone = said.label == "present" and said.probability < 0.5 and wording.in_past(lead)
        if (
            not_there(said)
            or denied_plan
            or bygone
            or any(knowledge.states.read(w, vectors[w]).label == "past" for w in windows)
        ):
            u.facts[i] = replace(f, negated=True)
        elif said.label == "planned":
            planned.append(i)
    # A plan beside what the product has now ("现在卖会员，明年想加语音房") is said as a plan (its licence
    # is needed before it launches); a product that is all plans is simply the one being built.
    if planned and any(not f.negated for n, f in enumerate(u.facts) if n not in planned):
        for i in planned:
            u.facts[i] = replace(u.facts[i], planned=True)


def _lead_and_windows(fact: Fact, u: Understanding, knowledge: Knowledge) -> tuple[str, list[str]]:
    """The fact's clause up to the end of its words (a negation later in the clause is about
    something else: "我们的社交小程序没有语音"), and the whole clause, then with each next one (up to
    `FOLLOWING`) while they state no other feature, ask nothing and have no licence word of the
    glossary: a later clause can say a feature was stopped ("去年试过让别的商家进来开店，抽点佣金，
    后来砍掉了"), and one after that what there is now ("拎走咗，而家净系得…": read in each window);
    one about a licence says how the licence stands ("卖会员两年了，一直没办经营许可证"). A link word at the
    clause's start (glossary `connectives`: "不过页面上挂了点广告") is left out. No window
    when another feature follows in the clause: a later clause is about that one."""
    wording, matched = knowledge.catalog.glossary.wording, fact.matched
    parts = wording.clauses(u.folded)
    at = next((n for n, c in enumerate(parts) if matched in c), None)
    if at is None:
        return u.folded, [u.folded]
    clause = parts[at]
    lead = clause[: clause.index(matched) + len(matched)]
    others = [f.matched for f in u.facts if f.feature != fact.feature]
    if any(m in clause[len(lead) :] for m in others):  # "我们的交友小程序本来有语音房，后来下架了":
        return wording.bare(lead), []  # what a later clause stopped is the nearer feature, not the product's kind
    windows = [wording.bare(clause)]
    for following in parts[at + 1 : at + 1 + FOLLOWING]:
        if (
            wording.asks(following)
            or any(m in following for m in others)
            or knowledge.reader.domain_of(following) == "strong"
        ):
            break
        windows.append(windows[-1] + "，" + following)
    return wording.bare(lead), windows
