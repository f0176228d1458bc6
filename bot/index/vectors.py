"""The unit vectors in Chroma: one collection per embedder, ids = unit fingerprints.

Content-addressed and append-only: a vector is added once, whatever generation first needs it, and
stays while any kept generation lists a unit with that fingerprint. A reader filters results to its
own generation's fingerprints, so vectors added for a newer generation (or not yet collected after
an older one) never reach it, and nothing a reader uses is deleted under it: the collection itself
is never dropped while its embedder is in use.
"""

from __future__ import annotations

import sqlite3
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.core.faults import crash_point
from bot.core.settings import Settings
from bot.index.layout import collection_name, collection_prefix, open_chroma

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

BATCH = 1000


class VectorStore:
    def __init__(self, collection: Collection, name: str):
        self.collection, self.name = collection, name

    @classmethod
    def open(cls, settings: Settings, embedder: str, create: bool = False) -> "VectorStore":
        client = open_chroma(settings)
        name = collection_name(settings, embedder)
        if create:
            collection = client.get_or_create_collection(
                name, embedding_function=None, metadata={"hnsw:space": "cosine", "embedder": embedder}
            )
        else:
            collection = client.get_collection(name)
        return cls(collection, name)

    def count(self) -> int:
        return int(self.collection.count())

    def present(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), BATCH):
            found.update(self.collection.get(ids=ids[i : i + BATCH], include=[])["ids"])
        return found

    def embeddings(self, ids: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(ids), BATCH):
            got = self.collection.get(ids=ids[i : i + BATCH], include=["embeddings"])
            vectors = got["embeddings"]  # an array (None only when not asked for)
            if vectors is not None:
                out.update({uid: np.asarray(vec, dtype=np.float32) for uid, vec in zip(got["ids"], vectors)})
        return out

    def add(self, ids: list[str], vectors: np.ndarray) -> None:
        """Vectors only: the texts live in the segments (a Chroma document would also feed its
        full-text index, doubling the disk for nothing we query)."""
        for i in range(0, len(ids), BATCH):
            self.collection.add(ids=ids[i : i + BATCH], embeddings=np.asarray(vectors[i : i + BATCH], dtype=np.float32))
            crash_point("write:chroma-batch")

    def delete(self, ids: list[str]) -> None:
        for i in range(0, len(ids), BATCH):
            self.collection.delete(ids=ids[i : i + BATCH])
            crash_point("cleanup:chroma-batch")

    def all_ids(self) -> set[str]:
        ids: set[str] = set()
        offset = 0
        while True:
            page = self.collection.get(include=[], limit=10_000, offset=offset)["ids"]
            ids.update(page)
            if len(page) < 10_000:
                return ids
            offset += len(page)

    def nearest(self, vector: np.ndarray, n: int) -> list[str]:
        if n <= 0:
            return []
        found = self.collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()], n_results=n, include=[]
        )
        return list(found["ids"][0])


def drop_other_collections(settings: Settings, keep: set[str]) -> list[str]:
    """Collections of this data directory no kept generation uses (another embedder, an older
    format); returns their names."""
    client = open_chroma(settings)
    dropped = []
    for col in client.list_collections():
        name = col if isinstance(col, str) else col.name
        if name.startswith(collection_prefix(settings)) and name not in keep:
            client.delete_collection(name)
            dropped.append(name)
    if dropped and not settings.uses_chroma_server:
        remove_orphan_segment_dirs(settings.data_dir / "chroma")
    return dropped


def remove_orphan_segment_dirs(chroma_dir: Path) -> int:
    """Chroma leaves a dropped collection's HNSW directory on disk (chroma-core/chroma#5259): remove
    the UUID-named directories its own catalogue no longer lists."""
    try:
        with sqlite3.connect(f"file:{chroma_dir / 'chroma.sqlite3'}?mode=ro", uri=True) as db:
            live = {row[0] for row in db.execute("SELECT id FROM segments")}
    except sqlite3.Error:
        return 0
    removed = 0
    for path in chroma_dir.iterdir():
        try:
            uuid.UUID(path.name)
        except ValueError:
            continue
        if path.is_dir() and path.name not in live:
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed
