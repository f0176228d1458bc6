"""Reading the live generation back: everything the bot needs from disk, loaded once."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bot.core.errors import IndexMissing
from bot.core.settings import Settings
from bot.index.layout import DOCS, LEXICAL, UNITS, VECTORS, generation_dir, open_chroma, read_current, read_jsonl, read_manifest
from bot.index.lexical import LexicalIndex


@dataclass
class StoredIndex:
    generation: str
    manifest: dict
    docs: dict[str, dict]
    units: list[dict]
    vectors: np.ndarray = field(repr=False)  # one row per unit, memory-mapped
    lexical: LexicalIndex = field(repr=False)
    collection: object = field(repr=False)

    @property
    def embedder_name(self) -> str:
        return self.manifest["embedder"]


def load_index(settings: Settings) -> StoredIndex:
    generation = read_current(settings)
    if generation is None:
        raise IndexMissing(f"no index in {settings.data_dir}: run `licensebot ingest` first")
    gen_dir = generation_dir(settings, generation)
    manifest = read_manifest(gen_dir)
    docs = {d["doc_id"]: d for d in read_jsonl(gen_dir / DOCS)}
    units = read_jsonl(gen_dir / UNITS)
    vectors = np.load(gen_dir / VECTORS, mmap_mode="r")
    lexical = LexicalIndex.load(gen_dir / LEXICAL)
    collection = open_chroma(settings).get_collection(manifest["collection"])
    return StoredIndex(generation, manifest, docs, units, vectors, lexical, collection)
