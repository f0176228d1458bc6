"""Hybrid retrieval over evidence units: bigram BM25 and multilingual dense vectors, fused by
reciprocal rank, each hit carrying its exact cosine similarity to the question.

Measured on these articles: BM25 over bigrams recall@5 0.87, e5-small 0.93, fused 0.93 with the
best MRR. Lexical catches exact licence names and numbers; dense catches paraphrase, Traditional
script and English. RRF needs no score calibration between the two; the cosine similarity is kept
beside it because "is anything in the knowledge base about this at all?" is a question of meaning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from bot.index.embedders import Embedder
from bot.index.segments import SegmentUnreadable
from bot.index.store import StoredIndex
from bot.index.units import Unit

log = logging.getLogger(__name__)

RRF_K = 60


@dataclass
class Hit:
    unit: Unit
    position: int
    score: float  # fused rank score
    similarity: float  # cosine similarity of the unit to the question
    lexical_rank: int | None = None
    dense_rank: int | None = None
    via: int | None = None  # the position of the list item this hit on a whole list came from

    @property
    def chunk(self) -> Unit:  # the LangChain adapter and older callers speak of chunks
        return self.unit


class HybridRetriever:
    def __init__(self, index: StoredIndex, embedder: Embedder, mode: str = "hybrid"):
        if mode not in {"hybrid", "lexical", "dense"}:
            raise ValueError(f"retrieval mode {mode!r}: expected hybrid, lexical or dense")
        self.index = index
        self.embedder = embedder
        self.mode = mode

    def lexical(self, query: str, k: int) -> list[int]:
        return [i for i, _ in self.index.lexical.search(query, k)]

    def dense(self, vector: np.ndarray, k: int) -> list[int]:
        return self.index.dense(vector, k)

    def similarity(self, vector: np.ndarray, positions: list[int]) -> np.ndarray:
        if not positions:
            return np.zeros(0, np.float32)
        try:
            rows = self.index.vectors_at(positions)
        except SegmentUnreadable as exc:  # a generation held past its grace period lost its files: answer anyway
            log.warning("%s; scoring these units by their text until the next reload", exc)
            rows = self.embedder.embed_passages([self.index.units[p].text for p in positions])
        return rows @ vector

    def search(self, query: str, k: int = 8, expansion: str = "", vector: np.ndarray | None = None) -> list[Hit]:
        depth = max(k * 3, 20)
        lexical = self.lexical(f"{query} {expansion}".strip(), depth) if self.mode != "dense" else []
        dense = []
        if self.mode != "lexical":
            vector = self.embedder.embed_query(query) if vector is None else vector
            dense = self.dense(vector, depth)
        fused: dict[int, list] = {}
        for rank, pos in enumerate(lexical):
            fused.setdefault(pos, [0.0, None, None])
            fused[pos][0] += 1.0 / (RRF_K + rank + 1)
            fused[pos][1] = rank + 1
        for rank, pos in enumerate(dense):
            fused.setdefault(pos, [0.0, None, None])
            fused[pos][0] += 1.0 / (RRF_K + rank + 1)
            fused[pos][2] = rank + 1
        top = sorted(fused, key=lambda p: -fused[p][0])[:k]
        sims = self.similarity(vector, top) if vector is not None else np.zeros(len(top))
        return [Hit(self.index.units[p], p, fused[p][0], float(s), fused[p][1], fused[p][2]) for p, s in zip(top, sims)]

    def scan(self, vector: np.ndarray, positions: list[int], floor: float | None = None) -> list[Hit]:
        """Exact similarity of the question to the given units (those of the kind a question asks for):
        cheap for the few hundred or thousand units of a kind, and it finds a unit the fused ranking
        placed too low ("要多久" shares no words with "大概需要一个月左右"). With `floor`, only the
        units at least that similar become hits (the others could not answer anyway)."""
        sims = self.similarity(vector, positions)
        keep = (
            range(len(positions))
            if floor is None
            else np.flatnonzero(np.asarray(sims, dtype=np.float64) >= floor).tolist()
        )
        return [Hit(self.index.units[positions[i]], positions[i], 0.0, float(sims[i])) for i in keep]
