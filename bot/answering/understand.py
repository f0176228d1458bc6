"""What a question asks: its language, whether it must be refused, the kind of answer wanted, the
licences it names, the product facts it states (or negates), and whether it continues the
conversation.

Kept apart from composing the answer so that each decision can be tested on its own and explained
in the Answer (`intent`, `facts`, `language`, `carried_over`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from collections.abc import Callable
from functools import cache

import jieba
import jieba.posseg
import numpy as np

from bot.answering.facts import Fact, FactFinder
from bot.core.pinyin import is_pinyin
from bot.answering.intent import IntentClassifier, IntentGuess
from bot.core.models import Context
from bot.core.text import fold
from bot.kb.catalog import Catalog
from bot.kb.glossary import Refusal
from bot.kb.learned.follow_up import FollowUpStudent
from bot.kb.pinyin_words import PinyinReader
from bot.kb.terms import TermMatcher

ABOUT_THE_LICENCE = {"conditions", "materials", "process", "time", "cost", "penalty", "authority"}
_CJK = re.compile(r"[\u3400-\u9fff]")
jieba.setLogLevel(60)
_LATIN = re.compile(r"[a-zA-Z]")
MAX_STUDENT_CLAUSES = 8  # a long WeChat message: its first clauses describe the product
NOUN_TAGS = {"n", "j"}  # jieba: nouns (n, nr, ns, nt, nz, ng …) and abbreviations ("年检")


@dataclass
class Screened:
    question: str
    folded: str
    language: str
    refusal: Refusal | None = None


@dataclass
class Understanding:
    question: str
    folded: str
    language: str
    intent: IntentGuess
    licenses: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    carried_over: list[str] = field(default_factory=list)
    carried_licenses: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    follow_up: bool = False
    vector: np.ndarray | None = field(default=None, repr=False)  # the e5 vector the question is searched with
    expansion: str = ""
    content_terms: list[str] = field(default_factory=list)  # what a quote must address ("|" joins alternatives)
    subject_nouns: list[str] = field(default_factory=list)  # the nouns the question is about ("版号", "年检")
    domain: str | None = None  # "strong": a licence word; "context": only product/tech words
    asks_enough: bool = False  # "只做备案够吗？": whether what the user has is enough, not whether it is needed
    asks_which: bool = False  # "要办哪些证？": which licences the product needs, all of them, whatever it names
    held: list[str] = field(default_factory=list)  # licences the user has or is getting: the verdict is on the others

    @property
    def features(self) -> list[str]:
        """Features that hold: stated in this question and not negated, or carried from earlier turns."""
        return list(dict.fromkeys([f.feature for f in self.facts if not f.negated] + self.carried_over))

    @property
    def planned(self) -> list[str]:
        """Features planned beside what the product has now ("明年想加语音房"), and nowhere said to be there."""
        there = {x.feature for x in self.facts if not x.negated and not x.planned} | set(self.carried_over)
        return [
            f for f in dict.fromkeys(x.feature for x in self.facts if x.planned and not x.negated) if f not in there
        ]

    @property
    def asked(self) -> list[str]:
        return list(dict.fromkeys(self.licenses + self.carried_licenses))


def _mean(vectors: list[np.ndarray]) -> np.ndarray | None:
    if not vectors:
        return None
    mean = np.mean(vectors, axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-9)


def language_of(text: str) -> str:
    """en or zh: the language the answer is written in. Chinese written in pinyin is Chinese."""
    cjk, latin = len(_CJK.findall(text)), len(_LATIN.findall(text))
    english = latin > 3 * max(cjk, 1) or (cjk == 0 and latin > 0)
    return "en" if english and not is_pinyin(text) else "zh"


class QuestionReader:
    def __init__(
        self,
        catalog: Catalog,
        intents: IntentClassifier,
        facts: FactFinder,
        follow_ups: FollowUpStudent | None = None,
        pinyin: Callable[[], PinyinReader] | None = None,
    ):
        self.catalog, self.intents, self.facts, self.follow_ups = catalog, intents, facts, follow_ups
        self._pinyin = cache(pinyin) if pinyin is not None else None  # built on the first message in pinyin
        self.wording = catalog.glossary.wording
        absent = self.wording.term_negation
        self.licenses = TermMatcher({slug: list(l.aliases) + [l.name] for slug, l in catalog.licenses.items()}, absent)
        self.domain = TermMatcher(
            {"strong": catalog.glossary.domain_terms, "context": catalog.glossary.context_terms}, absent
        )
        self.english = TermMatcher({en: [en] for en in catalog.glossary.english}, absent)
        self.stopwords = {fold(w) for w in catalog.glossary.stopwords}
        self.function_characters = set(fold(catalog.glossary.function_characters))
        self._catalog_words = sorted(
            {fold(t) for l in catalog.licenses.values() for t in (*l.aliases, l.name)}
            | {fold(t) for f in catalog.features.values() for t in f.synonyms},
            key=len,
            reverse=True,
        )

    def warm(self) -> None:
        """Build what the first message in pinyin would (a server warms up before its first customer)."""
        if self._pinyin is not None:
            self._pinyin()

    def screen(self, question: str) -> Screened:
        """The cheap first look, before anything is embedded: language and refusals."""
        spelled = self._pinyin().read(question) if self._pinyin is not None and is_pinyin(question) else question
        folded = self.wording.unopened(fold(spelled))
        refusal = self.catalog.glossary.refused(folded)
        return Screened(question, folded, language_of(question), refusal)

    def to_embed(self, s: Screened, context: Context | None = None) -> list[str]:
        """What to embed for this question, once: the whole message (the intent and refusal students read
        it), its clauses (the feature student reads each; a product description is searched by them) and
        the conversation's last question when there is something to lean on (the follow-up student)."""
        before = (
            [fold(context.question)] if context and context.question and (context.features or context.licenses) else []
        )
        return list(
            dict.fromkeys(
                [s.folded]
                + self.wording.clauses(s.folded)[:MAX_STUDENT_CLAUSES]
                + self.facts.readable(s.folded)
                + before
            )
        )

    def read(self, s: Screened, vectors: dict[str, np.ndarray], context: Context) -> Understanding:
        """`vectors`: the e5 vectors of the texts `to_embed` chose; the search texts' mean is the search vector."""
        reading = self.intents.reading(s.question, vectors[s.folded])
        asks = self.intents.sure(reading) or self.intents.cued(s.folded)
        readable = self.facts.readable(s.folded)  # the clauses that describe something
        # Searched by those clauses when it asks for a verdict or is not known to ask for anything else
        # (`asks`: the sure or cued intent; the asking part only blurs which feature is meant), else by
        # the whole question.
        search = readable if asks in (None, "verdict", "other") and readable else [s.folded]
        qvec = _mean([vectors[t] for t in search])
        licenses = self.licenses.keys(s.folded, negation=False)
        # A question that only asks about a named licence ("ICP许可证每年要不要年检") describes no
        # product: its words are not read as product features by meaning (only by their synonyms).
        about_licence_only = bool(licenses) and search == [s.folded]
        described = {  # not a claim someone else made ("听说自营商城只要备案就行"): the user checks it
            t: vectors[t]
            for t in self.wording.clauses(s.folded)[:MAX_STUDENT_CLAUSES]
            if t in vectors and not self.wording.reports(t)
        }
        if asks not in (None, "verdict", "other") or about_licence_only:
            # asking for information: only the clauses that describe something, not the asking ones
            # ("注册资本最低多少" is not about foreign capital; "我们做企业资料查询，付费才能看完整报告" is a product)
            described = {t: v for t, v in described.items() if t in readable}
        facts = self.facts.find(s.folded, described)
        stated = [f.feature for f in facts if not f.negated]
        domain = self.domain_of(s.folded)
        intent = self.intents.classify(
            s.folded, qvec, bool(stated), reading, about_licences=bool(licenses) or domain == "strong"
        )
        if intent.name not in ("verdict", "other") and search != [s.folded]:
            qvec = vectors[s.folded]  # known only now to ask for something else: searched by all it says
        u = Understanding(s.question, s.folded, s.language, intent, licenses, facts, vector=qvec)
        u.domain = domain
        u.asks_enough = any(p.search(s.folded) for p in self.catalog.glossary.enough_asks)
        u.asks_which = any(p.search(s.folded) for p in self.catalog.glossary.which_asks)
        u.held = [k for held in self.catalog.glossary.held(s.folded) for k in self.licenses.keys(held, negation=False)]
        u.follow_up = self._elliptical(u, context, vectors)
        if u.follow_up:
            self._carry_over(u, context)
        u.topics = [
            t.key
            for t in self.catalog.topics.values()
            if any(fold(tr) in s.folded for tr in t.triggers) and set(t.licenses) & set(u.asked)
        ]
        u.expansion = self._expansion(u)
        u.content_terms, u.subject_nouns = self._content_terms(u)
        return u

    def domain_of(self, folded: str) -> str | None:
        """ "strong" when the text has a licence word of the glossary ("资质", "牌照"), else "context" when it
        has a product or tech word only, else None."""
        domain = set(self.domain.keys(folded, fuzzy=False, negation=False))
        return "strong" if "strong" in domain else "context" if "context" in domain else None

    def _elliptical(self, u: Understanding, context: Context, vectors: dict[str, np.ndarray]) -> bool:
        """Only a message that leans on what was said before inherits it; one that brings its own
        subject or asks for a definition, an amount, a comparison … is a new question. The follow-up
        student reads the message beside the last question where it can; the rules below decide when
        it is unsure, missing, or the session holds no last question. A message worded as a follow-up
        ("那…", "…呢", "what about …") that describes no product of its own leans on the last one whatever
        the student says: "那除了ICP证，还得办别的证吗？" names a licence, not a new subject; one that points back
        at what was said ("你刚才说的…") continues the conversation whatever it asks; one that opens by bringing up
        another matter ("Different question: …", glossary `new_topic_starts`) does not."""
        if not (context.features or context.licenses):
            return False
        if self.wording.refers_back(u.folded):  # "你刚才说的…", "the one you mentioned": whatever it asks
            return True
        if self.wording.opens_new_topic(u.folded):  # "different question: …": whatever follows
            return False
        marked = self.wording.marks_follow_up(u.folded)
        # a product of its own; an absence in so many words ("既然一分钱都不收…") qualifies the product talked
        # about ("我们做企业官网，只展示公司介绍" reads as the same feature and is a product)
        describes = any(not f.negated and not self._absence(f) for f in u.facts)
        if context.features and (u.licenses or u.domain == "strong") and not describes and self._asks_need(u):
            return True  # "do we need both?": whether a licence is needed can only be asked of a product: the one said
        leans = marked and not describes
        before = fold(context.question)
        if self.follow_ups is not None and context.question and before in vectors:
            said = self.follow_ups.says(
                self.follow_ups.read_pair(context.question, u.question, vectors[before], vectors[u.folded])
            )
            if said is not None and (said or not leans):
                return said
        short = len(u.folded) <= 14 or (u.language == "en" and len(u.folded.split()) <= 8)
        bare = not u.licenses and not describes and short
        # a bare question for a figure, a list or steps asks them of the licence talked about
        # ("注册资本要多少？", "how much does it cost?"); a bare definition or comparison brings its own subject
        about_it = bare and u.intent.name in ABOUT_THE_LICENCE
        return u.intent.name == "verdict" and (marked or bare) or leans or about_it

    def _absence(self, f: Fact) -> bool:
        """A fact of a feature that is an absence (rules.yaml `negative`: "不收费"), worded as a negation."""
        return self.catalog.features[f.feature].negative and self.wording.negated(f.matched)

    def _asks_need(self, u: Understanding) -> bool:
        """Whether the message asks if a licence is needed, as its main question or beside another one
        ("what's the difference between them? do we need both?")."""
        return u.intent.name == "verdict" or self.intents.book.get("verdict").cued(u.folded)

    def _carry_over(self, u: Understanding, context: Context) -> None:
        """Earlier features stay unless the follow-up names one of the same group (it replaces it)
        or negates them; earlier licences stay when the follow-up names none. Features carry into any kind
        of question about the licences ("最嚴重會點？" after "we charge members and never applied" is about
        that product), but not into one of no kind that names no licence word ("and the weather tomorrow?"): they
        would bring it in scope."""
        if not u.licenses:
            u.carried_licenses = [s for s in context.licenses if s in self.catalog.licenses]
        if u.intent.name == "other" and u.domain != "strong":
            return
        stated = {f.feature: f for f in u.facts}
        groups = {
            self.catalog.features[k].group
            for k, f in stated.items()
            if not f.negated and self.catalog.features[k].group
        }
        kept = [
            k
            for k in context.features
            if k in self.catalog.features
            and (
                k in stated
                and not stated[k].negated
                or k not in stated
                and self.catalog.features[k].group not in groups
            )
        ]
        present = set(u.features) | set(kept)
        u.carried_over = [k for k in kept if not set(self.catalog.features[k].overridden_by) & present]

    def _expansion(self, u: Understanding) -> str:
        """Chinese words to search the Chinese articles with: glossary words for English questions,
        the names of the licences and features at stake."""
        words = [
            w
            for en in self.english.keys(u.folded, fuzzy=False, negation=False)
            for w in self.catalog.glossary.english[en]
        ]
        words += [self.catalog.licenses[s].name for s in u.asked]
        words += [self.catalog.features[f.feature].synonyms[0] for f in u.facts if f.by == "words" and not f.negated]
        return " ".join(dict.fromkeys(words))

    def _content_terms(self, u: Understanding) -> tuple[list[str], list[str]]:
        """The words a quote must address for the answer to count as answering the question (not
        licence or feature names, which rules and licence tags handle; not the words that only say
        what kind of answer is wanted; not function words; English through the glossary), and
        among them the nouns, which name what the question is about."""
        stripped = u.folded
        for word in self._catalog_words:
            stripped = stripped.replace(word, " ")
        for intent in self.intents.book.intents:
            for cue in intent.cues:
                stripped = cue.sub(" ", stripped)
        terms, nouns = [], []
        for pair in jieba.posseg.lcut(stripped):
            word = pair.word.strip()
            if (
                len(word) < 2
                or word in self.stopwords
                or not _CJK.search(word)
                or not self.function_characters.isdisjoint(word)
            ):
                continue
            terms.append(word)
            if (
                pair.flag[:1] in NOUN_TAGS and pair.flag != "ns"
            ):  # a place ("成都", "香港") says where, not what is asked
                nouns.append(word)
        for en in self.english.keys(u.folded, fuzzy=False, negation=False):
            alternatives = [fold(w) for w in self.catalog.glossary.english[en]]
            if alternatives:
                terms.append("|".join(alternatives))
        return list(dict.fromkeys(terms)), list(dict.fromkeys(nouns))
