"""Where the index lives and how it is opened.

Layout of the data directory:

    chroma/                 Chroma persistent store (unless a Chroma server is configured)
    index/CURRENT           names the live generation; replaced atomically at the end of ingest
    index/<generation>/     manifest.json, docs.jsonl, chunks.jsonl, lexical/ (BM25)

Each ingest writes a new generation (and a new Chroma collection) and only then flips CURRENT,
so a crash half-way leaves the previous generation answering. The Chroma backend is chosen by
settings alone: the same code path talks to the embedded store or to a `chroma run` server.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from bot.lexical import LexicalIndex
from bot.settings import Settings


class IndexMissing(RuntimeError):
    """No ingest has completed in this data directory yet."""


def index_root(settings: Settings) -> Path:
    return settings.data_dir / "index"


def open_chroma(settings: Settings):
    import chromadb

    chroma_settings = chromadb.Settings(anonymized_telemetry=False)
    if settings.uses_chroma_server:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port or 8000, settings=chroma_settings)
    (settings.data_dir / "chroma").mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.data_dir / "chroma"), settings=chroma_settings)


def read_current(settings: Settings) -> str | None:
    current = index_root(settings) / "CURRENT"
    try:
        return json.loads(current.read_text())["generation"]
    except (FileNotFoundError, KeyError, json.JSONDecodeError):
        return None


def write_current(settings: Settings, generation: str) -> None:
    """Atomic on POSIX: readers see the old or the new generation, never a half-written one."""
    root = index_root(settings)
    tmp = root / f"CURRENT.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"generation": generation}))
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, root / "CURRENT")


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@dataclass
class StoredIndex:
    """Everything the bot needs from disk, loaded once."""

    generation: str
    manifest: dict
    docs: dict[str, dict]
    chunks: list[dict]
    lexical: LexicalIndex
    collection: object = field(repr=False)

    @property
    def embedder_name(self) -> str:
        return self.manifest["embedder"]


def load_index(settings: Settings) -> StoredIndex:
    generation = read_current(settings)
    if generation is None:
        raise IndexMissing(f"no index in {settings.data_dir}: run `licensebot ingest` first")
    gen_dir = index_root(settings) / generation
    manifest = json.loads((gen_dir / "manifest.json").read_text(encoding="utf-8"))
    docs = {d["doc_id"]: d for d in read_jsonl(gen_dir / "docs.jsonl")}
    chunks = read_jsonl(gen_dir / "chunks.jsonl")
    lexical = LexicalIndex.load(gen_dir / "lexical")
    collection = open_chroma(settings).get_collection(manifest["collection"])
    return StoredIndex(generation, manifest, docs, chunks, lexical, collection)
