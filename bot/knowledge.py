"""Everything an answer needs, loaded once per process: index, embedder, catalogue, retriever.

Loading is the slow part (model, index); answering must not repeat it, so channels hold one
`Knowledge` and the index generation is re-checked cheaply so that a finished ingest is picked
up without a restart.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from bot.catalog import Catalog, LocatedQuote, RuleQuote, load_catalog, verify_rule_quotes
from bot.embed import Embedder, load_embedder
from bot.retrieve import HybridRetriever
from bot.settings import Settings
from bot.store import StoredIndex, load_index, read_current
from bot.understand import QuestionReader
from ingest.normalise import fold_aligned


class EmbedderMismatch(RuntimeError):
    pass


@dataclass
class Knowledge:
    settings: Settings
    index: StoredIndex
    embedder: Embedder
    catalog: Catalog
    rule_quotes: dict[RuleQuote, LocatedQuote]
    retriever: HybridRetriever
    reader: QuestionReader

    @classmethod
    def load(cls, settings: Settings, embedder: Embedder | None = None, retrieval_mode: str = "hybrid") -> "Knowledge":
        index = load_index(settings)
        if index.embedder_name != settings.embedder:
            raise EmbedderMismatch(
                f"the index was built with embedder {index.embedder_name!r} but LICENSEBOT_EMBEDDER is {settings.embedder!r}: "
                "run `licensebot ingest` again")
        for doc in index.docs.values():
            doc["_folded"] = fold_aligned(doc["text"])
        catalog = load_catalog(settings.knowledge_dir)
        rule_quotes = verify_rule_quotes(catalog, index.docs, str(settings.knowledge_dir / "rules.yaml"))
        embedder = embedder or load_embedder(settings.embedder)
        return cls(settings, index, embedder, catalog, rule_quotes, HybridRetriever(index, embedder, retrieval_mode),
                   QuestionReader(catalog))

    def stale(self) -> bool:
        return read_current(self.settings) not in (None, self.index.generation)


class KnowledgeHolder:
    """Thread-safe holder that reloads when a new index generation has been published."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self._embedder = embedder
        self._lock = threading.Lock()
        self._knowledge: Knowledge | None = None

    def get(self) -> Knowledge:
        with self._lock:
            if self._knowledge is None or self._knowledge.stale():
                embedder = self._embedder or (self._knowledge.embedder if self._knowledge else None)
                self._knowledge = Knowledge.load(self.settings, embedder)
            return self._knowledge
