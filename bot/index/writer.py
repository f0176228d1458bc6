"""Writing one index generation (Chroma collection, lexical index, docs, chunks, manifest) and
publishing it. Used by ingest only.

Nothing here touches the live generation; `publish` flips CURRENT only after every part of the new
generation is on disk. Crash points (bot.core.faults) sit inside the write and the publish so tests
can kill the process there and check that the previous or the new generation answers.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass

import numpy as np

from bot.core.errors import IndexCorrupt
from bot.core.faults import crash_point
from bot.core.settings import Settings
from bot.index.layout import (DOCS, LEXICAL, MANIFEST, UNITS, VECTORS, collection_prefix, generation_dir, index_root, open_chroma,
                              read_current, read_jsonl, read_manifest, write_current, write_jsonl)
from bot.index.lexical import LexicalIndex


@dataclass
class PreviousIndex:
    """The live generation, used as an embedding cache so unchanged chunks are not re-embedded."""

    generation: str | None
    manifest: dict
    fingerprint_to_id: dict[str, str]

    @classmethod
    def load(cls, settings: Settings) -> "PreviousIndex":
        try:
            generation = read_current(settings)
        except IndexCorrupt:  # being rebuilt: nothing to reuse
            return cls(None, {}, {})
        if generation is None:
            return cls(None, {}, {})
        gen_dir = generation_dir(settings, generation)
        try:
            manifest = read_manifest(gen_dir)
            units = read_jsonl(gen_dir / UNITS)
        except (OSError, ValueError):
            return cls(None, {}, {})
        return cls(generation, manifest, {u["fingerprint"]: u["id"] for u in units})

    def cached_embeddings(self, settings: Settings, embedder: str, fingerprints: list[str]) -> dict[str, np.ndarray]:
        if self.generation is None or self.manifest.get("embedder") != embedder:
            return {}
        wanted = {fp: self.fingerprint_to_id[fp] for fp in fingerprints if fp in self.fingerprint_to_id}
        if not wanted:
            return {}
        try:
            collection = open_chroma(settings).get_collection(self.manifest["collection"])
            got = collection.get(ids=list(wanted.values()), include=["embeddings"])
        except Exception:  # a vanished or unreachable old collection only costs re-embedding
            return {}
        by_id = dict(zip(got["ids"], got["embeddings"]))
        return {fp: np.asarray(by_id[cid], dtype=np.float32) for fp, cid in wanted.items() if cid in by_id}


def write_generation(settings: Settings, generation: str, manifest: dict, docs: list[dict], units: list[dict],
                     embeddings: np.ndarray, batch_size: int = 1000) -> None:
    """`units` rows carry `id`, `doc_id`, `text`, `fingerprint` and `search` (what BM25 indexes)."""
    gen_dir = generation_dir(settings, generation)
    gen_dir.mkdir(parents=True, exist_ok=False)
    client = open_chroma(settings)
    collection = client.create_collection(manifest["collection"], embedding_function=None,
                                          metadata={"hnsw:space": "cosine", "generation": generation})
    for i in range(0, len(units), batch_size):
        batch = units[i:i + batch_size]
        collection.add(ids=[u["id"] for u in batch], embeddings=embeddings[i:i + batch_size],
                       documents=[u["text"] for u in batch],
                       metadatas=[{"doc_id": u["doc_id"], "fingerprint": u["fingerprint"]} for u in batch])
        crash_point("write:chroma-batch")
    lexical_dir = gen_dir / LEXICAL
    lexical_dir.mkdir()
    LexicalIndex.build([u["search"] for u in units]).save(lexical_dir)
    np.save(gen_dir / VECTORS, np.asarray(embeddings, dtype=np.float16))
    write_jsonl(gen_dir / DOCS, docs)
    write_jsonl(gen_dir / UNITS, units)
    crash_point("write:before-manifest")
    (gen_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")


def publish(settings: Settings, generation: str) -> None:
    write_current(settings, generation)
    crash_point("publish:before-cleanup")
    remove_stale_generations(settings)


def remove_stale_generations(settings: Settings) -> None:
    """Drop generations (and their collections) that CURRENT does not name: leftovers of
    earlier ingests, including ones that crashed before publishing."""
    try:
        live = read_current(settings)
    except IndexCorrupt:
        live = None
    root = index_root(settings)
    live_collection = None
    if live:
        try:
            live_collection = read_manifest(root / live)["collection"]
        except (OSError, ValueError, KeyError):
            live_collection = None
    for gen_dir in root.iterdir() if root.exists() else []:
        if gen_dir.is_dir() and gen_dir.name != live:
            shutil.rmtree(gen_dir, ignore_errors=True)
    try:
        client = open_chroma(settings)
        for col in client.list_collections():
            name = col if isinstance(col, str) else col.name
            if name.startswith(collection_prefix(settings)) and name != live_collection:
                client.delete_collection(name)
    except Exception:  # cleanup is best effort; a leftover collection is harmless
        pass

