"""Everything an answer needs, loaded once per process: index, embedder, catalogue, retriever.

Loading is the slow part (model, index); answering must not repeat it. The service holds one
`Knowledge` and swaps it when a new index generation is published (bot/service.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.answering.retrieve import HybridRetriever
from bot.answering.understand import QuestionReader
from bot.core.errors import EmbedderMismatch
from bot.core.settings import Settings
from bot.core.text import fold_aligned
from bot.index.embedders import Embedder, load_embedder
from bot.index.layout import read_current
from bot.index.store import StoredIndex, load_index
from bot.kb.catalog import Catalog, load_catalog
from bot.kb.rule_quotes import LocatedQuote, RuleQuote, verify_rule_quotes


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
