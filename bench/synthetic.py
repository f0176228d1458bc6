"""A synthetic corpus of ~100k chunks made by recombining the articles' sentences, ingested by the
real pipeline (read, clean, chunk, BM25, Chroma, manifest).

Embedding 100k chunks with e5-small on two cores takes ~30 minutes (56 chunks/s), so by default the chunk vectors
are composed from real e5 vectors of their sentences (each distinct sentence embedded once, the
chunk's vector is their normalised mean): the index has the real size and shape, queries use the
real model, and the model's own speed is measured separately on a real sample
(`embed_chunks_per_s`). `--full-embedding` embeds every synthetic chunk for real instead."""

from __future__ import annotations

import random
from collections.abc import Iterable
import time
from pathlib import Path

import numpy as np

from bot.index.embedders import Embedder
from ingest.clean import split_sentences
from bot.core.text import fold

PARAGRAPHS_PER_FILE = 50


class SentenceComposedEmbedder:
    """Chunk vector = normalised mean of the real vectors of its sentences (cached)."""

    def __init__(self, real: Embedder):
        self.real = real
        self.name, self.dimension = real.name, real.dimension
        self.cache: dict[str, np.ndarray] = {}

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        pieces = [[s for s in split_sentences(t.replace("\n", "。")) if s.strip()] or [t] for t in texts]
        missing = sorted({s for ps in pieces for s in ps if s not in self.cache})
        for i in range(0, len(missing), 64):
            for s, v in zip(missing[i : i + 64], self.real.embed_passages(missing[i : i + 64])):
                self.cache[s] = v
        out = np.vstack([np.mean([self.cache[s] for s in ps], axis=0) for ps in pieces])
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.real.embed_query(text)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.real.embed_queries(texts)


def article_sentences(texts: Iterable[str]) -> list[str]:
    sentences = {s.strip() for text in texts for p in text.split("\n") for s in split_sentences(p)}
    return sorted(s for s in sentences if 8 <= len(s) <= 90)


def write_corpus(target: Path, sentences: list[str], paragraphs: int, seed: int = 7) -> int:
    """Files of PARAGRAPHS_PER_FILE paragraphs, each 1-2 random sentences (one chunk each)."""
    rng = random.Random(seed)
    target.mkdir(parents=True, exist_ok=True)
    files = 0
    for start in range(0, paragraphs, PARAGRAPHS_PER_FILE):
        body = []
        for _ in range(min(PARAGRAPHS_PER_FILE, paragraphs - start)):
            picked = rng.sample(sentences, rng.choice((1, 2)))
            while sum(map(len, picked)) > 180:
                picked = picked[:1]
            body.append("".join(picked))
        title = f"合成文章{files:05d}：{fold(rng.choice(sentences))[:12]}"
        (target / f"synthetic_{files:05d}.txt").write_text(
            f"{title}\n\n时间:2025-01-01 10:00:00\n\n" + "\n\n".join(body) + "\n", encoding="utf-8"
        )
        files += 1
    return files


def model_throughput(real: Embedder, texts: list[str]) -> float:
    started = time.perf_counter()
    for i in range(0, len(texts), 32):
        real.embed_passages(texts[i : i + 32])
    return len(texts) / (time.perf_counter() - started)
