"""The bot as the channels see it: one `ask()` that loads nothing per call and remembers
conversations. CLI, HTTP, Streamlit, WeChat and eval all hold one `Bot`."""
from __future__ import annotations

from bot.answer import Context, answer
from bot.embed import Embedder
from bot.knowledge import Knowledge, KnowledgeHolder
from bot.models import Answer, Verdict
from bot.sessions import SessionStore
from bot.settings import Settings


class Bot:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.knowledge = KnowledgeHolder(settings, embedder)
        self.sessions = SessionStore(settings.data_dir / "sessions.sqlite", settings.session_ttl_s)

    def ask(self, question: str, session_id: str | None = None) -> Answer:
        knowledge = self.knowledge.get()
        context = self.sessions.get(session_id) if session_id else Context()
        result = answer(question, knowledge, context)
        if session_id:
            result.session_id = session_id
            if result.verdict != Verdict.out_of_scope:
                features = list(dict.fromkeys(result.carried_over + result.features))
                licenses = [l.slug for l in result.licenses] or context.licenses
                self.sessions.save(session_id, Context(features=features or context.features, licenses=licenses))
        if self.settings.llm_enabled and result.citations:
            from bot.llm import rewrite_with_llm

            result = rewrite_with_llm(result, self.settings)
        return result

    def loaded(self) -> Knowledge:
        return self.knowledge.get()
