"""e5 query vectors of training texts, cached per text in the data dir.

Embedding the corpus (thousands of messages, clauses and their pieces) is the slow step of
training: minutes on two cores. Vectors are therefore kept per folded text, in shard files of a
folder per embedder, so a retrain after a small corpus edit embeds only the new lines. Each run
adds one shard (written to a temporary name and renamed, so two trainers or a killed one never
leave a half file); many shards are merged into one. Arrays only (np.load(allow_pickle=False)).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bot.core.files import atomic_write
from bot.core.text import fold
from bot.index.embedders import Embedder

log = logging.getLogger(__name__)
BATCH = 32
MAX_SHARDS = 16


def text_key(text: str) -> bytes:
    """The cache key of a text: its folded form's hash (the embedder sees the folded text)."""
    return hashlib.sha1(fold(text).encode()).hexdigest().encode()


def cache_dir(data_dir: Path, embedder_name: str) -> Path:
    return data_dir / "cache" / f"reader-vectors-{hashlib.sha1(embedder_name.encode()).hexdigest()[:10]}"


def _write_shard(folder: Path, keys: list[bytes], matrix: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(b"".join(sorted(keys))).hexdigest()[:16]
    atomic_write(
        folder / f"{name}.npz",
        lambda out: np.savez(out, keys=np.asarray(keys, dtype="S40"), vectors=matrix.astype(np.float32)),
    )


class VectorCache:
    """Folded text -> L2-normalised e5 query vector, for one embedder."""

    def __init__(self, data_dir: Path, embedder_name: str):
        self.folder = cache_dir(data_dir, embedder_name)
        self._vectors: dict[bytes, np.ndarray] = {}
        shards = sorted(self.folder.glob("*.npz")) if self.folder.is_dir() else []
        for shard in shards:
            try:
                with np.load(shard, allow_pickle=False) as stored:
                    self._vectors.update(zip(stored["keys"].tolist(), stored["vectors"]))
            except (OSError, ValueError, KeyError) as exc:  # a broken shard costs embedding again
                log.warning("ignoring the unreadable vector cache %s: %s", shard, exc)
        if len(shards) > MAX_SHARDS and self._vectors:
            keys = sorted(self._vectors)
            _write_shard(self.folder, keys, np.vstack([self._vectors[k] for k in keys]))
            for shard in shards:
                if shard.name != f"{hashlib.sha1(b''.join(keys)).hexdigest()[:16]}.npz":
                    shard.unlink(missing_ok=True)

    def missing(self, texts: list[str]) -> list[str]:
        return [t for t in dict.fromkeys(texts) if text_key(t) not in self._vectors]

    def vectors(
        self, texts: list[str], embedder: Embedder, progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """One row per text, in order; texts not in the cache are embedded (folded, as queries) in
        batches, `progress(done, total)` after each, and saved every few batches."""
        todo = self.missing(texts)
        fresh_keys: list[bytes] = []
        fresh: list[np.ndarray] = []
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            matrix = embedder.embed_queries([fold(t) for t in batch])
            matrix = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)
            for text, vec in zip(batch, matrix):
                self._vectors[text_key(text)] = vec
                fresh_keys.append(text_key(text))
                fresh.append(vec)
            if len(fresh) >= 20 * BATCH or start + BATCH >= len(todo):
                self._save(fresh_keys, fresh)
                fresh_keys, fresh = [], []
            if progress:
                progress(min(start + BATCH, len(todo)), len(todo))
        if not texts:
            return np.zeros((0, embedder.dimension), np.float32)
        return np.vstack([self._vectors[text_key(t)] for t in texts]).astype(np.float32)

    def _save(self, keys: list[bytes], vectors: list[np.ndarray]) -> None:
        if not keys:
            return
        try:
            _write_shard(self.folder, keys, np.vstack(vectors))
        except OSError as exc:  # a read-only data dir only costs embedding again next time
            log.warning("could not cache vectors in %s: %s", self.folder, exc)


class CachedEmbedder:
    """An embedder that answers from the cache (and fills it): the held-out figures at training are
    computed by the run-time reader without embedding the held-out writer again."""

    def __init__(self, cache: VectorCache, embedder: Embedder):
        self.cache, self.embedder, self.name = cache, embedder, embedder.name
        self.dimension = embedder.dimension

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.cache.vectors(texts, self.embedder)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self.embed_queries([text])[0])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.embedder.embed_passages(texts)
