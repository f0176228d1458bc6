"""Hybrid retrieval: bigram BM25 and multilingual dense vectors, fused by reciprocal rank.

Measured on these articles: BM25 over bigrams recall@5 0.87, e5-small 0.93, fused 0.93 with the
best MRR (0.80). Lexical catches exact licence names and numbers; dense catches paraphrase,
Traditional script and English. RRF needs no score calibration between the two.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.core.text import fold
from bot.index.embedders import Embedder
from bot.index.store import StoredIndex

RRF_K = 60


@dataclass
class Hit:
    chunk: dict
    score: float
    lexical_rank: int | None = None
    dense_rank: int | None = None


class HybridRetriever:
    def __init__(self, index: StoredIndex, embedder: Embedder, mode: str = "hybrid"):
        if mode not in {"hybrid", "lexical", "dense"}:
            raise ValueError(f"retrieval mode {mode!r}: expected hybrid, lexical or dense")
        self.index = index
        self.embedder = embedder
        self.mode = mode
        self._position = {c["id"]: i for i, c in enumerate(index.chunks)}

    def lexical(self, query: str, k: int) -> list[int]:
        return [i for i, _ in self.index.lexical.search(query, k)]

    def dense(self, query: str, k: int) -> list[int]:
        if not self.index.chunks:
            return []
        vector = self.embedder.embed_query(fold(query))
        result = self.index.collection.query(query_embeddings=[vector.tolist()], n_results=min(k, len(self.index.chunks)),
                                             include=[])
        return [self._position[cid] for cid in result["ids"][0] if cid in self._position]

    def search(self, query: str, k: int = 8, expansion: str = "") -> list[Hit]:
        depth = max(k * 3, 20)
        lexical = self.lexical(f"{query} {expansion}".strip(), depth) if self.mode != "dense" else []
        dense = self.dense(query, depth) if self.mode != "lexical" else []
        fused: dict[int, Hit] = {}
        for rank, pos in enumerate(lexical):
            hit = fused.setdefault(pos, Hit(self.index.chunks[pos], 0.0))
            hit.score += 1.0 / (RRF_K + rank + 1)
            hit.lexical_rank = rank + 1
        for rank, pos in enumerate(dense):
            hit = fused.setdefault(pos, Hit(self.index.chunks[pos], 0.0))
            hit.score += 1.0 / (RRF_K + rank + 1)
            hit.dense_rank = rank + 1
        return sorted(fused.values(), key=lambda h: -h.score)[:k]
