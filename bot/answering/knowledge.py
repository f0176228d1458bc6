"""Everything an answer needs, loaded once per process: index, embedder, catalogue, what each unit
means, the intent classifier, the fact finder and the retriever.

Loading is the slow part (model, index, wording vectors); answering must not repeat it. The service
holds one `Knowledge` and swaps it when a new index generation is published (bot/service/holder.py).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from bot.answering.evidence import KindIndex, ListIndex
from bot.answering.facts import FactFinder
from bot.answering.intent import IntentClassifier
from bot.answering.retrieve import HybridRetriever
from bot.answering.understand import QuestionReader
from bot.core.errors import EmbedderMismatch
from bot.core.gcpause import collector_paused
from bot.core.settings import Settings
from bot.index.embedders import Embedder, load_embedder
from bot.index.layout import read_current
from bot.index.store import StoredIndex, load_index
from bot.kb.pinyin_words import PinyinReader
from bot.kb.catalog import Catalog, load_catalog
from bot.kb.evidence import UnitMeaning, UnitReader, load_cues, unit_meanings
from bot.kb.intents import IntentBook, load_intents
from bot.kb.learned.features import load_feature_student
from bot.kb.learned.follow_up import load_follow_up_student
from bot.kb.learned.intent import load_intent_student
from bot.kb.learned.person import PersonStudent, load_person_student
from bot.kb.learned.refusal import RefusalStudent, load_student
from bot.kb.learned.state import StateStudent, load_state_student
from bot.kb.learned.store import ReaderNotReady
from bot.kb.messages import Messages, load_messages
from bot.kb.prototypes import wording_vectors
from bot.kb.rule_quotes import LocatedQuote, RuleQuote, locate_rule_quotes

log = logging.getLogger(__name__)


@dataclass
class Knowledge:
    settings: Settings
    index: StoredIndex
    embedder: Embedder
    catalog: Catalog
    rule_quotes: dict[RuleQuote, LocatedQuote]
    retriever: HybridRetriever
    reader: QuestionReader
    intents: IntentBook
    meanings: list[UnitMeaning]  # one per index unit
    kinds: KindIndex = field(repr=False, default_factory=lambda: KindIndex.build([]))  # units by kind and licence
    lists: ListIndex = field(
        repr=False, default_factory=ListIndex
    )  # each article's lists, for joining a hit to its list
    meaning_version: str = ""  # what `meanings` were read with (bot.kb.evidence.UnitReader.version)
    refusals: RefusalStudent | None = None  # the shipped refusal student; None: patterns only (said once at load)
    states: StateStudent | None = None  # the shipped state student; None: negation patterns only
    persons: PersonStudent | None = None  # the shipped person student; None: no message reads as asking for a person
    messages: Messages = field(
        default_factory=lambda: Messages({})
    )  # what the bot says around quotes (knowledge/messages/)
    rule_problems: list[str] = field(default_factory=list)  # rules left unapplied: their quotes are gone
    _vectors: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(
        cls,
        settings: Settings,
        embedder: Embedder | None = None,
        retrieval_mode: str = "hybrid",
        previous: "Knowledge | None" = None,
    ) -> "Knowledge":
        """With `previous` (the knowledge loaded before), what the new generation shares with it
        (segments, their folded text and meaning) is taken over, not read again. The cyclic garbage
        collector is paused meanwhile (bot/core/gcpause.py: it was half the load time at 145k units)."""
        with collector_paused():
            return cls._load(settings, embedder, retrieval_mode, previous)

    @classmethod
    def _load(
        cls, settings: Settings, embedder: Embedder | None, retrieval_mode: str, previous: "Knowledge | None"
    ) -> "Knowledge":
        index = load_index(settings, previous.index if previous is not None else None)
        if index.embedder_name != settings.embedder:
            raise EmbedderMismatch(
                f"the index was built with embedder {index.embedder_name!r} but LICENSEBOT_EMBEDDER is {settings.embedder!r}: "
                "run `licensebot ingest` again"
            )
        kdir = settings.knowledge_dir
        catalog = load_catalog(kdir)
        rule_quotes, rule_problems = locate_rule_quotes(catalog, index.docs, str(kdir / "rules.yaml"))
        if rule_problems:  # the articles changed under the rules: those rules go unapplied, and say so
            catalog = catalog.without_quotes(catalog.quotes() - set(rule_quotes))
            log.error(
                "rules not applied, their quotes are no longer in the articles:\n  %s", "\n  ".join(rule_problems)
            )
        embedder = embedder or load_embedder(settings.embedder)
        intents = load_intents(kdir / "intents.yaml")
        units = UnitReader(catalog, load_cues(kdir / "evidence.yaml"))
        ready = _loaded_meanings(previous, units.version)
        meanings = unit_meanings(
            [
                (index.units[p.start : p.end], index.docs[p.doc_id].title, p.meaning, ready.get(p.key))
                for p in index.parts
            ],
            units,
        )
        index.release_meanings()
        classifier = _intent_classifier(intents, embedder, settings)
        states = _student(load_state_student, settings, "feature states")
        facts = FactFinder(catalog, _student(load_feature_student, settings, "product features"), states)
        reader = QuestionReader(
            catalog,
            classifier,
            facts,
            _student(load_follow_up_student, settings, "follow-ups"),
            lambda: PinyinReader.of_knowledge(kdir, catalog),
        )
        return cls(
            settings,
            index,
            embedder,
            catalog,
            rule_quotes,
            HybridRetriever(index, embedder, retrieval_mode),
            reader,
            intents,
            meanings,
            KindIndex.build(meanings),
            ListIndex.build(index.units),
            units.version,
            _student(load_student, settings, "refusals"),
            states,
            _student(
                load_person_student, settings, "requests for a person (glossary.yaml's person_requests verbatim only)"
            ),
            load_messages(kdir),
            rule_problems=rule_problems,
        )

    def stale(self) -> bool:
        return read_current(self.settings) not in (None, self.index.generation)

    def vectors(self, texts: list[str]) -> dict[str, np.ndarray]:
        """e5 query vectors of `texts`, each computed once (eval and batch ask repeat questions)."""
        with self._lock:  # what is cached is taken now: a later eviction (this call's, another thread's) cannot lose it
            found = {t: self._vectors[t] for t in dict.fromkeys(texts) if t in self._vectors}
            for text in found:
                self._vectors.move_to_end(text)  # least recently used goes first
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        fresh = (
            {t: np.asarray(v, dtype=np.float32) for t, v in zip(missing, self.embedder.embed_queries(missing))}
            if missing
            else {}
        )
        with self._lock:
            self._vectors.update(fresh)
            while len(self._vectors) > 1024:
                self._vectors.popitem(last=False)
        return {**found, **fresh}

    def forget_vectors(self) -> None:
        """Empty the question-vector cache (benchmarks measure answers to unseen questions)."""
        with self._lock:
            self._vectors.clear()

    def question_vector(self, folded_question: str) -> np.ndarray:
        return self.vectors([folded_question])[folded_question]


def _intent_classifier(book: IntentBook, embedder: Embedder, settings: Settings) -> IntentClassifier:
    pairs = [(i.name, w) for i in book.intents for w in i.wordings]
    vectors = wording_vectors([w for _, w in pairs], embedder, settings.data_dir)
    student = _student(load_intent_student, settings, "intents")
    unknown = set(student.model.labels) - {i.name for i in book.intents} if student is not None else set()
    if unknown:  # intents.yaml lost an intent the student still says: its readings would have no answer
        logging.getLogger(__name__).warning(
            "intents by cues only: the intent student knows intents that intents.yaml no "
            "longer has (%s): run `licensebot kb train --intent`",
            ", ".join(sorted(unknown)),
        )
        student = None
    return IntentClassifier(book, vectors, [n for n, _ in pairs], student)


def _student(load, settings: Settings, what: str):
    """A shipped student, or None (answering then reads `what` by its patterns only), said once."""
    try:
        return load(settings)
    except ReaderNotReady as exc:
        logging.getLogger(__name__).warning("%s by patterns only: %s", what, exc)
        return None


def _loaded_meanings(previous: Knowledge | None, version: str) -> dict[str, list[UnitMeaning]]:
    """Each segment's meanings as the previous load has them, when read with the same version."""
    if previous is None or previous.meaning_version != version:
        return {}
    return {p.key: previous.meanings[p.start : p.end] for p in previous.index.parts}
