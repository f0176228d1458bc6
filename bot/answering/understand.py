"""What a question is about: scope, licences named, product features, known topics, follow-up.

Kept apart from composing the answer so that each decision (is this in scope? which features?)
can be tested on its own and explained in the Answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import jieba

from bot.core.text import fold
from bot.kb.catalog import Catalog
from bot.kb.terms import TermMatcher

jieba.setLogLevel(60)

FOLLOW_UP = re.compile(r"^(那|那么|那如果|如果|要是|假如|换成|改成|只有|仅|还|另外|and |what if|what about|how about|if |then |but if)", re.I)
QUANTITY_CUES = {
    "price": (re.compile(r"多少钱|费用|价格|收费|报价|花多少|贵不贵|\bcost|\bprice|\bfees?\b"),
              re.compile(r"(费用|价格|收费|报价|代办费|官费)[^。]{0,20}\d+(\.\d+)?\s*(万|千|百)?元|\d+(\.\d+)?\s*(万|千|百)?元[^。]{0,10}(费用|价格|收费|报价)")),
    "duration": (re.compile(r"多久|多长时间|几天|几个月|周期|时长|how long|how many days|how many months"),
                 re.compile(r"[\d一二两三四五六七八九十数几]+\s*(个)?\s*(工作日|天|周|星期|月|年)")),
}


@dataclass
class Understanding:
    question: str
    folded: str
    injection: bool = False
    in_domain: bool = False
    licenses: list[str] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    carried_over: list[str] = field(default_factory=list)
    carried_licenses: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    expansion: str = ""
    content_terms: list[str] = field(default_factory=list)
    quantity: str | None = None
    follow_up: bool = False


class QuestionReader:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.licenses = TermMatcher({slug: list(l.aliases) + [l.name] for slug, l in catalog.licenses.items()})
        self.features = TermMatcher({k: list(f.synonyms) for k, f in catalog.features.items()})
        self.domain = TermMatcher({"domain": catalog.domain_terms})
        self.english = TermMatcher({en: [en] for en in catalog.glossary})
        self.injection = [re.compile(p, re.I) for p in catalog.injection_patterns]
        self.stopwords = {fold(w) for w in catalog.stopwords}
        self._catalog_words = {fold(t) for l in catalog.licenses.values() for t in l.aliases + (l.name,)} | {
            fold(t) for f in catalog.features.values() for t in f.synonyms}

    def read(self, question: str, previous_features: list[str] | None = None,
             previous_licenses: list[str] | None = None) -> Understanding:
        folded = fold(question)
        u = Understanding(question=question, folded=folded)
        u.injection = any(p.search(folded) for p in self.injection)
        u.licenses = self.licenses.keys(question)
        u.features = self._resolve_overrides(self.features.keys(question))
        u.topics = [t.key for t in self.catalog.topics.values()
                    if any(fold(tr) in folded for tr in t.triggers)]
        u.follow_up = bool(previous_features or previous_licenses) and (bool(FOLLOW_UP.match(folded.strip())) or len(folded) <= 14)
        if u.follow_up and not u.injection:
            self._carry_over(u, previous_features or [], previous_licenses or [])
        u.topics = [t for t in u.topics if set(self.catalog.topics[t].licenses) & set(u.licenses + u.carried_licenses)]
        u.in_domain = bool(u.licenses or u.features or u.carried_over or u.carried_licenses or self.domain.keys(question, fuzzy=False))
        english = self.english.keys(question, fuzzy=False)
        expansion = [w for en in english for w in self.catalog.glossary[en]]
        expansion += [self.catalog.licenses[s].name for s in u.licenses + u.carried_licenses]
        expansion += [self.catalog.features[f].synonyms[0] for f in u.features + u.carried_over]
        u.expansion = " ".join(dict.fromkeys(expansion))
        u.content_terms = self._content_terms(folded, english)
        for name, (ask, _answer) in QUANTITY_CUES.items():
            if ask.search(folded):
                u.quantity = name
                u.expansion = f"{u.expansion} {QUANTITY_SEARCH_WORDS[name]}".strip()
        return u

    def _resolve_overrides(self, keys: list[str]) -> list[str]:
        return [k for k in keys if not set(self.catalog.features[k].overridden_by) & set(keys)]

    def _carry_over(self, u: Understanding, previous_features: list[str], previous_licenses: list[str]) -> None:
        """Earlier features stay unless the follow-up names one of the same group (it replaces it)."""
        groups = {self.catalog.features[f].group for f in u.features if self.catalog.features[f].group}
        kept = [f for f in previous_features if f in self.catalog.features and f not in u.features
                and self.catalog.features[f].group not in groups]
        u.carried_over = kept
        u.features = self._resolve_overrides(u.features + kept)
        u.carried_over = [f for f in kept if f in u.features]
        if not u.licenses:
            u.carried_licenses = [s for s in previous_licenses if s in self.catalog.licenses]

    def _content_terms(self, folded: str, english: list[str]) -> list[str]:
        """The words a quote must address for the answer to count as answering the question.

        Licence and feature names are excluded (rules handle them); so are question words.
        English words count only through the glossary: the articles are Chinese.
        """
        stripped = folded
        for word in sorted(self._catalog_words, key=len, reverse=True):
            stripped = stripped.replace(word, " ")
        terms = []
        for word in jieba.lcut(stripped):
            word = word.strip()
            if (len(word) < 2 or word in self.stopwords or not re.search(r"[\u3400-\u9fff]", word)
                    or word in QUANTITY_WORDS):
                continue
            terms.append(word)
        for en in english:
            alternatives = [fold(w) for w in self.catalog.glossary[en] if fold(w) not in QUANTITY_WORDS]
            if alternatives:
                terms.append("|".join(alternatives))
        return list(dict.fromkeys(terms))


QUANTITY_SEARCH_WORDS = {"price": "费用 价格 收费", "duration": "时间 周期 多长时间 数周 数月 一个月 左右"}
QUANTITY_WORDS = {"多少钱", "多久", "多长时间", "费用", "价格", "收费", "报价", "几天", "周期", "时长", "多少", "几个", "几个月"}
