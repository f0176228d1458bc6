"""Product facts in a question, by words and by meaning, with negation in the user's own clause.

A customer rarely uses the articles' words: "让外面的商户在小程序里开店" is a merchant platform. A
feature counts when one of its synonyms appears (typos tolerated) or when the feature student
(bot/kb/learned/features.py, learned from the labelled corpus) reads a clause of the question as
describing it. The question is cut into clauses at punctuation and at 但/不过/而是/除了… (the words of
knowledge/glossary.yaml `wording`); a
feature found in a clause that the user negates ("不收会员费", "用户之间不能聊天", "没有多人语音")
is kept as a negated fact, which decides nothing but is shown so the user can correct it; the state
student then reads the negations and tenses no pattern here knows (answer.py). Features that are
themselves an absence ("不收任何费用") are not flipped by their own negation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bot.core.text import fold
from bot.kb.catalog import Catalog
from bot.kb.learned.features import FeatureStudent
from bot.kb.learned.state import StateStudent, not_there
from bot.kb.terms import TermMatcher

MAX_CLAUSES = 4


@dataclass(frozen=True)
class Fact:
    feature: str
    negated: bool
    matched: str  # the user's words the fact was read from
    by: str  # "words" | "meaning" (the feature student)
    score: float = 1.0  # by meaning: the student's probability
    planned: bool = False  # planned beside what the product has now: counted, and said to be a plan


class FactFinder:
    """Features by words (the synonyms of rules.yaml) and by meaning (the feature student on each
    clause; without a student, by words only)."""

    def __init__(self, catalog: Catalog, student: FeatureStudent | None, states: StateStudent | None = None):
        """`states`: the state student, which reads whether a clause the feature student found a feature
        in says the product has it; without it, a negation word in the clause says it has not."""
        self.catalog, self.student, self.states = catalog, student, states
        self.wording = catalog.glossary.wording
        self.sure = student.sure if student is not None else 1.0
        self.words = TermMatcher({k: list(f.synonyms) for k, f in catalog.features.items()}, self.wording.term_negation)
        self._synonyms = {k: frozenset(fold(s) for s in f.synonyms) for k, f in catalog.features.items()}
        # one question is read by words three times: readable() for what to embed and for the search
        # vector, then find(); remembered for the last few questions
        self._words_of = lru_cache(maxsize=64)(self._read_words)

    def _words(self, folded: str) -> dict[str, Fact]:
        return dict(self._words_of(folded))  # a copy: find() adds the facts read by meaning

    def _read_words(self, folded: str) -> tuple[tuple[str, Fact], ...]:
        facts: dict[str, Fact] = {}
        for hit in self.words.find(folded, fuzzy=True, negation=False):
            negated = (
                self.wording.negated_before(folded, hit.start)
                or self.wording.removed_after(folded, hit.end)
                or self.wording.removed_before(folded, hit.start)
            ) and not self.catalog.features[hit.key].negative
            facts.setdefault(hit.key, Fact(hit.key, negated, folded[hit.start : hit.end], "words"))
        return tuple(facts.items())

    def readable(self, folded: str) -> list[str]:
        """The clauses that describe the product, whose mean vector the question is searched with: not
        the asking part ("需要办什么证？"), and not a clause that names a feature only to deny it
        ("我们没有语音聊天房"): e5 does not see the negation, and such a clause is near every kind of call."""
        denied = [f.matched for f in self._words(folded).values() if f.negated]
        describing = [
            c
            for c in self.wording.clauses(folded)
            if len(c) >= 4 and not self.wording.asks(c) and not self.wording.reports(c)
        ]
        describing = describing[:MAX_CLAUSES]
        return [c for c in describing if not any(w in c for w in denied)]

    def find(self, folded: str, vectors: dict[str, np.ndarray]) -> list[Fact]:
        """Facts by words, and by the student from `vectors`: the e5 vector of each clause it is to read
        (the caller leaves out the asking clauses of a question for information). A feature's state is read
        in the clause that states it most surely."""
        facts = self._words(folded)
        if self.student is not None:
            for key, (p, stating) in self.student.read(vectors).items():
                if key in facts:
                    continue
                # one clause that says the product has it outweighs others that mention it otherwise
                # ("主要给海外华人用" beside "用户基本都不在国内"); else the surest clause's state
                read = [(clause, self._negated(key, clause, vectors[clause])) for clause in stating]
                clause, negated = next((r for r in read if not r[1]), read[0])
                facts[key] = Fact(key, negated, clause, "meaning", p)
        return self._resolve(self._beside_hearsay(folded, list(facts.values())))

    def _beside_hearsay(self, folded: str, facts: list[Fact]) -> list[Fact]:
        """A feature named only where the message reports what someone else said ("合伙人说商家入驻的平台才要
        EDI") is the claim the user checks: it goes where the rest of the message describes their own product
        (alone, the claim is what is asked about: "听说有语音房的要办多方通信证？")."""
        clauses = self.wording.clauses(folded)
        reported = [c for c in clauses if self.wording.reports(c)]
        if not reported:
            return facts
        own = [c for c in clauses if c not in reported]
        claimed = [f for f in facts if any(f.matched in c for c in reported) and not any(f.matched in c for c in own)]
        if not any(not f.negated for f in facts if f not in claimed):
            return facts
        return [f for f in facts if f not in claimed]

    def _negated(self, key: str, clause: str, vec: np.ndarray) -> bool:
        """ "用户基本都不在国内" states users abroad, "没有别的商家" denies a marketplace: the state
        student tells them apart; a negation word alone cannot, but it settles a reading the student
        is unsure of."""
        negative = self.catalog.features[key].negative
        worded = self.wording.negated(clause) and not negative
        removed = self.wording.removes(clause) and not negative
        if self.states is None:
            return worded or removed
        reading = self.states.read(clause, vec)
        if removed and not (reading.label == "present" and reading.probability >= 0.6):
            return True  # "what if we drop the live group classes", unless sure it is there ("商家可自己下架商品")
        # sure it is not there; or not sure, but likelier not there than there, and the clause has a
        # negation word of its own ("没有别的卖家进驻": two weak signals that agree); a plan said not to be
        # one is none ("以后也不准备开通…", glossary `plan_negations`)
        return (
            not_there(reading)
            or (worded and reading.label == "present" and reading.probability < 0.5)
            or (reading.label == "planned" and self.wording.denies_plan(clause))
        )

    def _exact(self, fact: Fact) -> bool:
        """The fact's words are one of its feature's synonyms as written, not a near miss."""
        return fact.matched in self._synonyms[fact.feature]

    def _contradict(self, a: str, b: str) -> bool:
        """Two features whose rules give some licence different statuses (rules.yaml decides, not code)."""
        rules = {r.slug: r.status for r in self.catalog.features[a].licenses}
        return any(r.slug in rules and rules[r.slug] != r.status for r in self.catalog.features[b].licenses)

    def _resolve(self, facts: list[Fact]) -> list[Fact]:
        """A feature read by meaning gives way to one of its group read by words in the same stretch
        of text ("只有1对1视频" is not also a group call) or read more surely with verdicts that
        contradict it; overridden features go."""
        features = self.catalog.features
        kept: list[Fact] = []
        for f in sorted(facts, key=lambda f: (f.by != "words", -f.score)):
            group = features[f.feature].group
            # a rival (read by words or more surely: kept goes first) is the same stretch of text, or, for a
            # reading that is not sure, a feature of the group whose verdicts contradict this one's ("我们开了
            # 几家饭店" is not a marketplace beside "网站放地址电话和菜单"); features that agree stand together
            # (own goods only, no fees), and so does a sure reading ("现在只卖自己的货，下个月准备让其他卖家进来开店")
            rivals = [
                k
                for k in kept
                if features[k.feature].group == group
                and not k.negated
                and (k.matched in f.matched or (self._contradict(f.feature, k.feature) and f.score < self.sure))
            ]
            # ... unless it is the more specific one ("网店" by words, "让别的商家开店" by meaning)
            if f.by == "meaning" and group and any(f.feature not in features[k.feature].overridden_by for k in rivals):
                continue
            # "请问语音这部分…" asks about the voice feature already described ("一对一语音通话"): no new one
            if (
                f.by == "meaning"
                and group
                and self.wording.points_back(f.matched)
                and self.wording.asks(f.matched)
                and any(features[k.feature].group == group and not k.negated for k in kept)
            ):
                continue
            # a reading by meaning never overrules the words of its own stretch: "做了个收费会员网站" is
            # near a brochure site, but it names member fees, whose verdicts contradict one
            if f.by == "meaning" and any(
                k.by == "words"
                and self._exact(k)  # "分类资讯" is one character from a blog's "分享资讯", not its words
                and not k.negated
                and k.matched in f.matched
                and self._contradict(f.feature, k.feature)
                and f.feature not in features[k.feature].overridden_by  # "商城里只卖自己做的皂" is the own shop
                for k in kept
            ):
                continue
            kept.append(f)
        present = {f.feature for f in kept if not f.negated}
        return [f for f in kept if f.negated or not set(features[f.feature].overridden_by) & present]
