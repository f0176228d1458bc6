"""Reading the live generation back: everything the bot needs from disk, loaded once."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pathlib import Path

from bot.core.errors import IndexCorrupt, IndexMissing, describe
from bot.core.settings import Settings
from bot.index.layout import (DOCS, LEXICAL, MANIFEST, REPAIR, UNITS, VECTORS, generation_dir, open_chroma, read_current,
                              read_jsonl, read_manifest)
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
    """The live generation, or IndexMissing / IndexCorrupt with one line naming what is wrong."""
    generation = read_current(settings)
    if generation is None:
        raise IndexMissing(f"no index in {settings.data_dir}: run `licensebot ingest` first")
    gen_dir = generation_dir(settings, generation)
    if not gen_dir.is_dir():
        raise IndexCorrupt(f"{gen_dir}: the generation CURRENT names is missing; {REPAIR}")
    step = gen_dir / MANIFEST
    try:
        manifest = read_manifest(gen_dir)
        step = gen_dir / DOCS
        docs = {d["doc_id"]: d for d in read_jsonl(step)}
        step = gen_dir / UNITS
        units = read_jsonl(step)
        step = gen_dir / VECTORS
        vectors = np.load(step, mmap_mode="r")
        step = gen_dir / LEXICAL
        lexical = LexicalIndex.load(step)
        step = settings.data_dir / "chroma" if not settings.uses_chroma_server else Path(f"chroma server {settings.chroma_host}")
        collection = open_chroma(settings).get_collection(manifest["collection"])
    except Exception as exc:  # noqa: BLE001 - any way a file can be broken; the message names it
        raise IndexCorrupt(f"{step}: cannot be read ({describe(exc)}); {REPAIR}") from None
    if len(vectors) != len(units):
        raise IndexCorrupt(f"{gen_dir / VECTORS}: {len(vectors)} vectors for {len(units)} units; {REPAIR}")
    return StoredIndex(generation, manifest, docs, units, vectors, lexical, collection)
