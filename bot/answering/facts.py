"""Product facts in a question, by words and by meaning, with negation in the user's own clause.

A customer rarely uses the articles' words: "让外面的商户在小程序里开店" is a merchant platform. A
feature counts when one of its synonyms appears (typos tolerated) or when a clause that describes
the product is close in meaning (multilingual-e5) to one of the feature's wordings. The question is
cut into clauses at punctuation and at 但/不过/而是/除了…; a feature found in a clause that the
user negates ("不收会员费", "用户之间不能聊天", "没有多人语音") is kept as a negated fact, which
decides nothing but is shown so the user can correct it. Wordings that are themselves negative
("不收任何费用") are not flipped by their own negation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bot.core.text import fold
from bot.kb.catalog import Catalog
from bot.kb.terms import TermMatcher

# z-scores of a clause against a feature's wordings: the best feature of a clause counts from MIN_Z,
# a second one only from MIN_Z_MORE. Swept on the customer, features and questions suites (not the
# held-out one): pass rates are flat within ±0.2 of these values.
MIN_Z = 1.85
MIN_Z_MORE = 3.2
MIN_MARGIN = 0.1  # the best feature of a vague clause must stand out from the runner-up
MIN_Z_QUALIFIER = 3.0
MAX_CLAUSES = 4
SPLIT = re.compile(r"[，,。；;！!？?、\n]+|(?=但是|但|不过|而是|可是|除了|另外|此外|并且|而且|又有|还有|同时)|\band\b|\bbut\b|(?<=[.;])\s")
# Words that contain a negation character without negating: 无论, 是否, 要不要 …
NOT_NEGATION = re.compile(r"无论|不管|是否|有没有|要不要|需不需要|用不用|是不是|不仅|不但|不只|不同|不少|不错|不久|不过|能不能|会不会|不一定|免费|"
                          r"别的|别人|别家|别处|特别|区别|分别|类别|级别|非常|无数")
NEGATION = re.compile(r"不|没|无|非|未|禁止|别|\bno\b|\bnot\b|n't|without|never")
ASK = re.compile(r"吗|呢|什么|哪些|哪个|要不要|需不需要|是否|多少|怎么|如何|能不能|可不可以|可以吗|得办|要办|办啥|\?|\b(do|does|is|are|can|which|what|how)\b")
# A negation right before a term, or a few characters before it in the same clause ("不在网上卖东西").
NEAR_NEGATION = re.compile(r"(不|没|无|非|未|别|禁止|\bno\b|\bnot\b|n't|without|never)[^，,。；;!?！？、]{0,4}$")


@dataclass(frozen=True)
class Fact:
    feature: str
    negated: bool
    matched: str  # the user's words the fact was read from
    by: str  # "words" | "meaning"
    score: float = 1.0


def clauses(folded: str) -> list[str]:
    return [c.strip() for c in SPLIT.split(folded) if c and c.strip()]


def negated_clause(clause: str) -> bool:
    return bool(NEGATION.search(NOT_NEGATION.sub("", clause)))


def _language(text: str) -> str:
    return "en" if re.search(r"[a-z]", text) and not re.search(r"[\u3400-\u9fff]", text) else "zh"


class FactFinder:
    """Features by words and by meaning. Similarities of e5 vectors are compressed (an unrelated
    question is often 0.84 from a wording, a related one 0.92), and some wordings are close to
    everything; so a wording's similarity to a clause is read as a z-score against how similar that
    wording is to the other features' and intents' wordings of its own language (its background).
    A clause is compared with the wordings of its own language only: cross-lingual similarities run
    lower and would make every English clause look unlike everything."""

    def __init__(self, catalog: Catalog, vectors: np.ndarray, owners: list[str], wordings: list[str],
                 background: tuple[np.ndarray, list[str]] | None = None):
        """`vectors[i]` is the e5 vector of `wordings[i]`, a wording of feature `owners[i]`;
        `background`: further vectors with their texts (intent wordings) that no feature should match."""
        self.catalog = catalog
        self.words = TermMatcher({k: list(f.synonyms) for k, f in catalog.features.items()})
        languages = np.asarray([_language(fold(w)) for w in wordings])
        extra_vecs, extra_texts = background if background is not None else (np.zeros((0, vectors.shape[1] if len(vectors) else 384)), [])
        extra_langs = np.asarray([_language(fold(w)) for w in extra_texts])
        self.tables = {}
        for lang in ("zh", "en"):
            mine = languages == lang
            if not mine.any():
                continue
            vecs, own = vectors[mine], np.asarray(owners)[mine]
            negative = np.asarray([negated_clause(fold(w)) or catalog.features[o].negative
                                   for o, w, m in zip(owners, wordings, mine) if m], dtype=bool)
            others = np.vstack([vecs, extra_vecs[extra_langs == lang]]) if len(extra_texts) else vecs
            self.tables[lang] = (vecs, own, negative, *self._background(vecs, own, others))

    @staticmethod
    def _background(vecs: np.ndarray, owners: np.ndarray, others: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sims = vecs @ others.T
        mean, std = np.zeros(len(owners)), np.ones(len(owners))
        for i, owner in enumerate(owners):
            mask = np.r_[owners != owner, np.ones(len(others) - len(owners), dtype=bool)]
            mean[i], std[i] = sims[i][mask].mean(), max(sims[i][mask].std(), 1e-3)
        return mean, std

    def _words(self, folded: str) -> dict[str, Fact]:
        facts: dict[str, Fact] = {}
        for hit in self.words.find(folded, fuzzy=True, negation=False):
            window = NOT_NEGATION.sub("", re.split(r"[,，。;；!?！？、]", folded[max(0, hit.start - 10):hit.start])[-1])
            negated = bool(NEAR_NEGATION.search(window)) and not self.catalog.features[hit.key].negative
            facts.setdefault(hit.key, Fact(hit.key, negated, folded[hit.start:hit.end], "words"))
        return facts

    def readable(self, folded: str) -> list[str]:
        """The clauses that describe the product and may be read by meaning: not the asking part
        ("需要办什么证？"), and not a clause that names a feature only to deny it ("我们没有语音聊天房"):
        e5 does not see the negation, and such a clause is close to every kind of call."""
        denied = [f.matched for f in self._words(folded).values() if f.negated]
        describing = [c for c in clauses(folded) if len(c) >= 4 and not ASK.search(c)][:MAX_CLAUSES]
        return [c for c in describing if not any(w in c for w in denied)]

    def find(self, folded: str, vectors: dict[str, np.ndarray], by_meaning: bool = True) -> list[Fact]:
        """Facts by words, and by meaning from `vectors`: the e5 vector of each describing clause, or
        of the whole question when it has none (then only with `by_meaning`, which is off for a
        question that asks for information and describes no product: "注册资本最低多少" is not
        about foreign capital)."""
        facts = self._words(folded)
        table = self.tables.get(_language(folded))
        denied = [f.matched for f in facts.values() if f.negated]
        for clause, vec in vectors.items():
            whole = clause == folded
            if table is None or (whole and (not by_meaning or any(w in clause for w in denied))):
                continue
            for key, score, negative in self._near(vec, table):
                found = facts.get(key)
                if found is None or (found.by == "meaning" and score > found.score):  # a feature keeps its clearest clause
                    facts[key] = Fact(key, negated_clause(clause) and not negative, clause, "meaning", round(score, 2))
        return self._resolve(list(facts.values()))

    @staticmethod
    def _near(vec: np.ndarray, table) -> list[tuple[str, float, bool]]:
        """The best feature for a clause if it stands out from the rest, and any other that stands
        out clearly; each with whether its closest wording is itself phrased as a negation."""
        vecs, owners, negative, mean, std = table
        z = (vecs @ vec - mean) / std
        best: dict[str, tuple[float, bool]] = {}
        for i in np.argsort(-z):
            key = str(owners[i])
            if key not in best:
                best[key] = (float(z[i]), bool(negative[i]))
        ranked = list(best.items())
        out = []
        for n, (key, (score, neg)) in enumerate(ranked):
            if n == 0:
                runner_up = ranked[1][1][0] if len(ranked) > 1 else -9.0
                if score >= MIN_Z and (score - runner_up >= MIN_MARGIN or score >= MIN_Z_MORE):
                    out.append((key, score, neg))
            elif score >= MIN_Z_MORE:
                out.append((key, score, neg))
        return out

    def _resolve(self, facts: list[Fact]) -> list[Fact]:
        """A feature read by meaning gives way to one of its group read by words or read more
        surely ("只有1对1视频" is not also a group call); a qualifier (users abroad, foreign capital)
        flips verdicts, so by meaning it needs a clearer match; overridden features go."""
        features = self.catalog.features
        kept: list[Fact] = []
        for f in sorted(facts, key=lambda f: (f.by != "words", -f.score)):
            group = features[f.feature].group
            # a rival is the same stretch of text read by words, or any when this reading is vague ("我开了家奶茶店"
            # is not a marketplace); another clause that clearly describes another feature of the group stands
            # ("现在只卖自己的货，下个月准备让其他卖家进来开店" has both)
            rivals = [k for k in kept if features[k.feature].group == group and not k.negated
                      and (k.matched in f.matched or f.score < MIN_Z_MORE)]
            # ... unless it is the more specific one ("网店" by words, "让别的商家开店" by meaning)
            if f.by == "meaning" and group and any(f.feature not in features[k.feature].overridden_by for k in rivals):
                continue
            if f.by == "meaning" and features[f.feature].qualifier and f.score < MIN_Z_QUALIFIER:
                continue
            kept.append(f)
        present = {f.feature for f in kept if not f.negated}
        return [f for f in kept if f.negated or not set(features[f.feature].overridden_by) & present]
