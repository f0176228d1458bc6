"""The one entry every surface calls (CLI, HTTP, WeChat, the page, eval): `Bot.ask` answers and
remembers the conversation, `Bot.status` says what the index holds, and the few other methods are
what a surface may do with state (forget a conversation, rate an answer).

Loading the index and the model is the slow part, so a Bot loads once and swaps in a newly
published index generation when it notices one, without a restart (`holder`). A turn and what the
conversation keeps after it are `turns`; what the service reports about the index is `views`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import numpy as np

from bot.answering.answer import answer, answer_turn
from bot.answering.ground import ungrounded
from bot.answering.handoff import asks_for_person, no_person_here, wants_person
from bot.answering.knowledge import Knowledge
from bot.core.errors import BadQuestion, checked_question
from bot.core.models import Answer, Context, Verdict
from bot.core.private import private_dir
from bot.core.settings import Settings
from bot.core.text import fold
from bot.index.embedders import Embedder
from bot.kb.intents import load_intents
from bot.kb.messages import Messages, load_messages
from bot.insights.operator import OperatorView
from bot.state import stores
from bot.state.feedback import Feedback
from bot.state.logins import LoginFailures, LoginPolicy, OperatorGate
from bot.state.logins import LoginResult as LoginResult  # re-exported: the operator page imports bot.service only
from bot.state.question_log import LoggedAnswer, user_hash
from bot.state.session_ids import load_secret
from bot.service.holder import KnowledgeHolder
from bot.service.turns import TurnRecord, remembered
from bot.service.views import Status, UnitView, unit_views

__all__ = [
    "Bot",
    "KnowledgeHolder",
    "LoginResult",
    "OperatorGate",
    "Status",
    "TurnRecord",
    "UnitView",
    "intent_names",
    "operator_gate",
    "remembered",
]


log = logging.getLogger(__name__)
CHANNELS = ("page", "api", "openai", "wechat", "wecom_kf", "cli")
REPLAYED_TURNS = 8  # the most earlier messages a client-held conversation is read back from
HANDOFF_CHANNELS = ("wechat", "wecom_kf")  # where a person can take the conversation over


def page_messages(settings: Settings | None = None) -> Messages:
    """The message catalogues alone (knowledge/messages), for a page that speaks before the bot is loaded
    (the operator password) or without it."""
    return load_messages((settings or Settings()).knowledge_dir)


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
        self,
        question: str,
        session_id: str | None = None,
        channel: str | None = None,
        user: str | None = None,
        history: Sequence[str] = (),
    ) -> Answer:
        """The Answer of `turn` (same arguments)."""
        return self.turn(question, session_id, channel, user, history).answer

    def turn(
        self,
        question: str,
        session_id: str | None = None,
        channel: str | None = None,
        user: str | None = None,
        history: Sequence[str] = (),
    ) -> TurnRecord:
        """Raises BadQuestion (empty, too long) and NotReady (no usable index).

        `channel` (one of CHANNELS) and `user` (that surface's id of the asker) say who asked: the
        answer is then recorded in the question log, and on a chat channel may be marked for a
        hand-off to a person. Without a channel (eval, warm-up, batch runs) nothing is recorded.
        `history`: the user's earlier messages when the client keeps the conversation instead of a
        session (the OpenAI-style endpoint); read back in order, unrecorded, to know what they lead to."""
        started = time.perf_counter()
        question = checked_question(question, self.settings.max_question_chars)
        knowledge = self.knowledge.get()
        if session_id:
            context = self.sessions.get(session_id)
        else:
            context = self._replayed(history, knowledge)
        answered = answer_turn(question, knowledge, context)
        result, asked = answered.answer, answered.asked
        if channel in HANDOFF_CHANNELS:
            result.handoff = wants_person(result, knowledge, context)
        elif asks_for_person(result, knowledge):
            result = no_person_here(
                result, self.settings.service_hours, self.settings.handoff_contact, knowledge.messages
            )
        if session_id:
            result.session_id = session_id
            if result.verdict != Verdict.out_of_scope:
                self.sessions.update(session_id, lambda stored: remembered(stored, context, result, asked))
        if self.settings.llm_enabled and result.citations and not result.handoff:
            from bot.answering.llm import rewrite_with_llm

            result = rewrite_with_llm(result, self.settings, knowledge.catalog)
        log_id = self._record(result, channel, user, (time.perf_counter() - started) * 1000) if channel else None
        return TurnRecord(result, asked, log_id, answered.reading)

    def _replayed(self, history: Sequence[str], knowledge: Knowledge) -> Context:
        """What a session would hold after the earlier messages: each answered as it would have been,
        kept as `remembered` keeps a turn. A message that could not be a question (empty, too long)
        is passed over, as it was never answered."""
        context = Context()
        for earlier in history[-REPLAYED_TURNS:]:
            try:
                text = checked_question(earlier, self.settings.max_question_chars)
            except BadQuestion:
                continue
            answered = answer_turn(text, knowledge, context)
            if answered.answer.verdict != Verdict.out_of_scope:
                context = remembered(context, context, answered.answer, answered.asked)
        return context

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
        # the answerer itself, on the example questions of each language (knowledge/messages): a warm-up is
        # not a customer's question
        for question in dict.fromkeys(str(knowledge.messages.t(lang, "example")) for lang in ("zh", "en")):
            answer(checked_question(question, self.settings.max_question_chars), knowledge, Context())
        knowledge.reader.warm()

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
            warnings=k.rule_problems,
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
            knowledge.index.docs[h.unit.doc_id].source
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
        return unit_views(self.knowledge.get(), article, kind, license, query, limit)

    def contact_line(self, language: str) -> str:
        """How to reach a person besides the chat (LICENSEBOT_HANDOFF_CONTACT), as one sentence, or ""."""
        contact = self.settings.handoff_contact
        return self.knowledge.get().messages.t(language, "contact").format(contact=contact) if contact else ""

    def messages(self) -> Messages:
        """What the bot says, per language (knowledge/messages), of the loaded knowledge."""
        return self.knowledge.get().messages

    def licences(self, language: str = "zh") -> dict[str, str]:
        """Licence slug -> name in `language` (name_en in English), as the catalogue lists them."""
        return {slug: lic.display(language) for slug, lic in self.knowledge.get().catalog.licenses.items()}

    def features(self, language: str = "zh") -> dict[str, str]:
        """Product feature key -> label in `language`, as rules.yaml lists them."""
        return {key: f.display(language) for key, f in self.knowledge.get().catalog.features.items()}

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
