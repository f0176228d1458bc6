"""Where the index lives, in one place for the writer (ingest) and the reader (the bot).

Layout of the data directory:

    chroma/                 Chroma persistent store (unless a Chroma server is configured)
    index/CURRENT           names the live generation; replaced atomically at the end of ingest
    index/<generation>/     manifest.json, docs.jsonl, units.jsonl (evidence units), vectors.npy (their
                            vectors, float16, for exact scores), lexical/ (BM25 over the units)

Each ingest writes a new generation (and a new Chroma collection) and only then flips CURRENT,
so a crash half-way leaves the previous generation answering. The Chroma backend is chosen by
settings alone: the same code path talks to the embedded store or to a `chroma run` server.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from bot.core.errors import IndexCorrupt
from bot.core.faults import crash_point
from bot.core.settings import Settings

MANIFEST, DOCS, UNITS, VECTORS, LEXICAL = "manifest.json", "docs.jsonl", "units.jsonl", "vectors.npy", "lexical"


def index_root(settings: Settings) -> Path:
    return settings.data_dir / "index"


def generation_dir(settings: Settings, generation: str) -> Path:
    return index_root(settings) / generation


def new_generation_name() -> str:
    return time.strftime("g%Y%m%d-%H%M%S") + f"-{time.time_ns() % 1_000_000:06d}"


def collection_prefix(settings: Settings) -> str:
    """Per data directory, so several deployments can share one Chroma server safely."""
    return "licensebot-" + hashlib.sha1(str(settings.data_dir).encode()).hexdigest()[:8] + "-"


def collection_name(settings: Settings, generation: str) -> str:
    return collection_prefix(settings) + generation


def open_chroma(settings: Settings):
    import chromadb

    chroma_settings = chromadb.Settings(anonymized_telemetry=False)
    if settings.uses_chroma_server:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port or 8000, settings=chroma_settings)
    (settings.data_dir / "chroma").mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.data_dir / "chroma"), settings=chroma_settings)


REPAIR = "run `licensebot ingest` to build a fresh index"


def read_current(settings: Settings) -> str | None:
    """The live generation, None when no ingest has completed yet. A CURRENT that exists but does
    not name a generation is an error, never "no index": re-ingesting behind the operator's back
    would hide whatever broke it."""
    current = index_root(settings) / "CURRENT"
    try:
        generation = json.loads(current.read_text())["generation"]
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise IndexCorrupt(f"{current} does not name an index generation; {REPAIR}") from None
    if not isinstance(generation, str) or not generation or "/" in generation or generation.startswith("."):
        raise IndexCorrupt(f"{current} names no valid generation ({generation!r}); {REPAIR}")
    return generation


def write_current(settings: Settings, generation: str) -> None:
    """Atomic on POSIX: readers see the old or the new generation, never a half-written one."""
    root = index_root(settings)
    tmp = root / f"CURRENT.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"generation": generation}))
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    crash_point("publish:before-rename")
    os.replace(tmp, root / "CURRENT")


def read_manifest(gen_dir: Path) -> dict:
    return json.loads((gen_dir / MANIFEST).read_text(encoding="utf-8"))


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
