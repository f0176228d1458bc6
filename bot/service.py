"""The one entry every surface calls (CLI, HTTP, WeChat, the page, eval): `Bot.ask` answers and
remembers the conversation, `Bot.status` says what the index holds, and the few other methods are
what a surface may do with state (forget a conversation, rate an answer).

Loading the index and the model is the slow part, so a Bot loads once and swaps in a newly
published index generation when it notices one, without a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel

from bot.answering.answer import answer, answer_turn
from bot.answering.ground import ungrounded
from bot.answering.handoff import asks_for_person, no_person_here, wants_person
from bot.answering.knowledge import Knowledge
from bot.core.errors import NotReady, checked_question, describe
from bot.core.models import Answer, Context, Verdict
from bot.core.private import private_dir
from bot.core.settings import Settings
from bot.core.text import fold
from bot.index.embedders import Embedder
from bot.index.layout import read_current
from bot.kb.intents import load_intents
from bot.insights.operator import OperatorView
from bot.state import stores
from bot.state.feedback import Feedback
from bot.state.logins import LoginFailures, LoginPolicy, OperatorGate
from bot.state.logins import LoginResult as LoginResult  # re-exported: the operator page imports bot.service only
from bot.state.question_log import LoggedAnswer, user_hash
from bot.state.session_ids import load_secret


log = logging.getLogger(__name__)
WARM_UP = ("我的语音聊天房小程序需要多方通信许可证吗？", "What does the ICP licence require?")
CHANNELS = ("page", "api", "wechat", "wecom_kf", "cli")
HANDOFF_CHANNELS = ("wechat", "wecom_kf")  # where a person can take the conversation over


class Status(BaseModel):
    """What /healthz, the page's sidebar and `licensebot eval` report about the loaded index."""

    generation: str
    articles: int
    units: int  # evidence units: what is searched and quoted
    created: str
    embedder: str
    llm: str | None
    problem: str | None = None  # the index cannot be (re)loaded from disk; the loaded one keeps answering


class UnitView(BaseModel):
    """One evidence unit as `licensebot kb show` prints it: what was stored and what it means."""

    id: str
    source: str
    kind: str
    heading: str
    text: str
    licenses: list[str]
    named: bool
    kinds: list[str]
    topic: list[str]
    polarity: dict[str, str]
    similarity: float | None = None


class KnowledgeHolder:
    """Thread-safe holder that follows the published index generation without a restart.

    The request that first notices a new generation loads it while every other request keeps
    answering from the loaded one, and the swap is one assignment, so a publish never fails or
    stalls a request. A newly published generation that cannot be loaded never replaces a working
    one: the loaded index keeps answering and `problem` says what is wrong until a good
    generation is published."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self._embedder = embedder
        self._lock = threading.Lock()
        self._knowledge: Knowledge | None = None
        self._failed: str | None = None  # the generation that failed to load
        self._loading = False
        self.problem: str | None = None
        self._damage_logged: str | None = None

    def get(self) -> Knowledge:
        with self._lock:
            try:
                current = read_current(self.settings)
            except NotReady as exc:  # CURRENT itself is broken
                if self._knowledge is None:
                    raise
                return self._keep(str(exc), "CURRENT")
            loaded = self._knowledge
            if loaded is None:  # the first load: every request waits for it
                self._knowledge = Knowledge.load(self.settings, self._embedder)
                return self._knowledge
            if current == loaded.index.generation:
                self._failed = self.problem = None  # back on the loaded generation
                return loaded
            if current in (None, self._failed) or self._loading:
                return loaded  # still the broken one, or another request is loading the new one
            self._loading = True
        try:
            fresh = Knowledge.load(self.settings, self._embedder or loaded.embedder, previous=loaded)
        except Exception as exc:  # noqa: BLE001 - whatever broke the new generation, keep the old one
            why = (
                str(exc)
                if isinstance(exc, NotReady)
                else f"index generation {current}: {describe(exc)}; run `licensebot ingest`"
            )
            with self._lock:
                self._loading = False
                return self._keep(why, current)
        with self._lock:
            self._knowledge, self._failed, self.problem, self._loading = fresh, None, None, False
            return fresh

    def health(self) -> str | None:
        """What is wrong with the index being served, None when nothing is: a newer generation that
        could not be loaded, or damage since loading to the files of the loaded one (it answers from
        memory, but the next start could not load it)."""
        loaded = self._knowledge
        if self.problem or loaded is None:
            return self.problem
        damage = loaded.index.damage(self.settings)
        if damage is None:
            return None
        if damage != self._damage_logged:
            log.error("%s", damage)
        self._damage_logged = damage
        return f"{damage} (still answering from {loaded.index.generation}, which a restart could not load)"

    def _keep(self, what: str, failed: str | None) -> Knowledge:
        if self.problem is None or self._failed != failed:
            self.problem = f"{what} (still answering from {self._knowledge.index.generation})"
            log.error("%s", self.problem)
        self._failed = failed
        return self._knowledge


@dataclass
class TurnRecord:
    """One answered message as the service knows it: the Answer every surface shows, the licences
    it was about (for the session) and its row in the question log (for a rating or a failed
    hand-off). The Answer carries none of this."""

    answer: Answer
    asked: list[str] = field(default_factory=list)
    log_id: str | None = None


def remembered(stored: Context, seen: Context, result: Answer, asked: list[str]) -> Context:
    """The session after this turn: what is stored now (another turn may have written since this one
    read `seen`), minus the features this turn replaced, plus this turn's features and licences, and
    this turn's question (the follow-up student reads the next message beside it)."""
    now = list(dict.fromkeys(result.carried_over + result.features))
    dropped = set(seen.features) - set(now) if now else set()
    features = [f for f in stored.features if f not in dropped] + [f for f in now if f not in stored.features]
    misses = 0 if result.handoff or result.verdict != Verdict.unknown else stored.misses + 1
    return Context(
        features=features,
        licenses=asked or stored.licenses or seen.licenses,
        misses=misses,
        question=result.question,
    )


def intent_names(settings: Settings | None = None) -> list[str]:
    """The intents knowledge/intents.yaml declares, in its order: eval cases and the operator's
    forms label questions with these, so a new intent is one entry there, not a code change."""
    knowledge_dir = (settings or Settings()).knowledge_dir
    return [intent.name for intent in load_intents(knowledge_dir / "intents.yaml").intents]


def operator_gate(settings: Settings) -> OperatorGate:
    """The operator page's password check, throttled per client (bot/state/logins.py). Apart from the
    Bot, so that a guess is refused without loading the model and index."""
    store = settings.admin_login_store or settings.data_dir / "logins.sqlite"
    return OperatorGate(settings.admin_password, LoginFailures(store, LoginPolicy.of(settings)))


class Bot:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        private_dir(settings.data_dir)  # before any store is created in it
        self.knowledge = KnowledgeHolder(settings, embedder)
        self.sessions = stores.session_store(settings)
        self.feedback_log = stores.feedback_log(settings)
        self.question_log = stores.question_log(settings)
        self._salt: bytes | None = None

    def ask(
        self, question: str, session_id: str | None = None, channel: str | None = None, user: str | None = None
    ) -> Answer:
        """The Answer of `turn` (same arguments)."""
        return self.turn(question, session_id, channel, user).answer

    def turn(
        self, question: str, session_id: str | None = None, channel: str | None = None, user: str | None = None
    ) -> TurnRecord:
        """Raises BadQuestion (empty, too long) and NotReady (no usable index).

        `channel` (one of CHANNELS) and `user` (that surface's id of the asker) say who asked: the
        answer is then recorded in the question log, and on a chat channel may be marked for a
        hand-off to a person. Without a channel (eval, warm-up, batch runs) nothing is recorded."""
        started = time.perf_counter()
        question = checked_question(question, self.settings.max_question_chars)
        knowledge = self.knowledge.get()
        context = self.sessions.get(session_id) if session_id else Context()
        answered = answer_turn(question, knowledge, context)
        result, asked = answered.answer, answered.asked
        if channel in HANDOFF_CHANNELS:
            result.handoff = wants_person(result, knowledge, context)
        elif asks_for_person(result, knowledge):
            result = no_person_here(result, self.settings.service_hours, self.settings.handoff_contact)
        if session_id:
            result.session_id = session_id
            if result.verdict != Verdict.out_of_scope:
                self.sessions.update(session_id, lambda stored: remembered(stored, context, result, asked))
        if self.settings.llm_enabled and result.citations and not result.handoff:
            from bot.answering.llm import rewrite_with_llm

            result = rewrite_with_llm(result, self.settings, knowledge.catalog)
        log_id = self._record(result, channel, user, (time.perf_counter() - started) * 1000) if channel else None
        return TurnRecord(result, asked, log_id)

    def _record(self, result: Answer, channel: str, user: str | None, latency_ms: float) -> str | None:
        """The answer's row id in the question log; a failing log never costs the user the answer (None)."""
        try:
            if self._salt is None:
                self._salt = load_secret(self.settings.log_salt, self.settings.data_dir, "log-salt.key")
            entry = LoggedAnswer.of(result, channel, user_hash(user, self._salt), latency_ms)
            entry.handed_off = bool(result.handoff)
            entry.refused = entry.refused and result.handoff != "asked"  # asking for a person is not refused
            self.question_log.record(entry)
            return entry.id
        except Exception:  # noqa: BLE001
            log.exception("could not record the answer in the question log")
            return None

    def handoff_failed(self, answer_log_id: str | None) -> None:
        """A channel could not hand the user over after all: the log must not say it did."""
        if answer_log_id:
            self._update_log(answer_log_id, handed_off=False)

    def _update_log(self, entry_id: str, **changes) -> None:
        try:
            self.question_log.update(entry_id, **changes)
        except Exception:  # noqa: BLE001
            log.exception("could not update the question log")

    def loaded(self) -> Knowledge:
        """Load (or reload) now; raises NotReady with what to run when there is no usable index."""
        return self.knowledge.get()

    def warm(self) -> None:
        """Load everything a first answer would otherwise load lazily (model, index, tokenisers),
        so that the first customers do not wait for it."""
        knowledge = self.loaded()
        for question in WARM_UP:  # the answerer itself: a warm-up is not a customer's question
            answer(checked_question(question, self.settings.max_question_chars), knowledge, Context())

    def status(self) -> Status:
        k = self.knowledge.get()
        return Status(
            generation=k.index.generation,
            articles=len(k.index.docs),
            units=len(k.index.units),
            created=str(k.index.manifest.get("created", "?")),
            embedder=k.index.embedder_name,
            llm=self.settings.llm_model if self.settings.llm_enabled else None,
            problem=self.knowledge.health(),
        )

    def grounding_problems(self, given: Answer) -> list[str]:
        """What in an answer is not backed by its quotes (bot/answering/ground.py; [] when grounded):
        eval holds every answer it scores to this, as the LLM path is held at run time."""
        return ungrounded(given, self.knowledge.get().catalog)

    def sources_for(self, question: str, k: int = 10) -> list[str]:
        """The article sources the retriever alone ranks for a question, best first (eval's recall@k)."""
        knowledge = self.knowledge.get()
        vector = knowledge.question_vector(fold(question))
        return [
            knowledge.index.docs[h.unit.doc_id]["source"]
            for h in knowledge.retriever.search(fold(question), k=k, vector=vector)
        ]

    def units(
        self,
        article: str | None = None,
        kind: str | None = None,
        license: str | None = None,
        query: str | None = None,
        limit: int = 20,
    ) -> list[UnitView]:
        """The evidence units of the index with what each means, filtered; most similar first with `query`."""
        k = self.knowledge.get()
        picked = []
        for pos, (unit, meaning) in enumerate(zip(k.index.units, k.meanings)):
            source = k.index.docs[unit.doc_id]["source"]
            if (
                (article and article not in source)
                or (kind and kind not in meaning.kinds)
                or (license and license not in meaning.licenses)
            ):
                continue
            picked.append((pos, unit, meaning, source))
        sims = {}
        if query:
            vector = k.question_vector(fold(query))
            sims = dict(zip([p for p, *_ in picked], k.retriever.similarity(vector, [p for p, *_ in picked]).tolist()))
            picked.sort(key=lambda row: -sims[row[0]])
        return [
            UnitView(
                id=u.id,
                source=src,
                kind=u.kind,
                heading=u.heading,
                text=u.text,
                licenses=list(m.licenses),
                named=m.named,
                kinds=sorted(m.kinds),
                topic=sorted(m.topic),
                polarity=m.polarity,
                similarity=round(sims[p], 3) if query else None,
            )
            for p, u, m, src in picked[:limit]
        ]

    def licences(self) -> dict[str, str]:
        """Licence slug -> name, as the catalogue lists them."""
        return {slug: lic.name for slug, lic in self.knowledge.get().catalog.licenses.items()}

    def features(self) -> dict[str, str]:
        """Product feature key -> label, as rules.yaml lists them."""
        return {key: f.label for key, f in self.knowledge.get().catalog.features.items()}

    def forget(self, session_id: str) -> None:
        self.sessions.clear(session_id)

    def rate(self, key: str, answer: Answer, rating: str, comment: str = "", log_id: str | None = None) -> None:
        """`log_id`: the answer's row in the question log (TurnRecord.log_id), which gets the rating too."""
        self.feedback_log.record(Feedback.on(key, answer, rating, comment))
        if log_id:
            self._update_log(log_id, rating=rating)

    def feedback(self) -> list[dict]:
        return self.feedback_log.read_all()

    def operator(self) -> OperatorView:
        """The question log as the operator sees it (page, `licensebot stats`)."""

        def embed(questions: list[str]) -> np.ndarray:  # not through the answerer's small cache: it may evict
            if not questions:
                return np.zeros((0, self.knowledge.get().embedder.dimension), np.float32)
            rows = np.asarray(self.knowledge.get().embedder.embed_queries([fold(q) for q in questions]), np.float32)
            return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)

        return OperatorView(self.question_log, embed, self.settings.operator_suite, self.settings.knowledge_dir)
