"""Where the index lives, in one place for the writer (ingest) and the reader (the bot).

Layout of the data directory:

    chroma/                      Chroma persistent store (unless a Chroma server is configured): one
                                 collection of unit vectors per embedder, ids = unit fingerprints
                                 (content-addressed, written append-only, shared by generations)
    index/CURRENT                names the live generation; replaced atomically at the end of ingest
    index/segments/<key>.json    one article as read: its doc row and its units (with BM25 tokens);
    index/segments/<key>.npy     their vectors (float16). The key hashes the file's bytes with
                                 everything that shapes its units, so an unchanged article keeps its
                                 segment from one generation to the next and is never rewritten
    index/<generation>/          manifest.json (the segments, in order, their unit counts, the lexical
                                 base it extends); RETIRED once a newer one is published
    index/lexical/<base>/        term frequencies of many segments, shared by the generations that
                                 follow it (bot/index/lexical_base.py)
    index/files.json             size, mtime and hash per source file: unchanged files are not read
    index/ingest.lock            held by the one running ingest (bot/index/lock.py)
    index/PENDING                exists while an ingest writes; found at start, it means the last
                                 one died, and the next run collects everything nothing uses

An edit to one article writes one segment, adds only its new vectors and a manifest naming the
live lexical base (which the reader completes with that one segment's stored tokens); the previous generation stays whole until it has been retired for a grace period,
so a reader that still holds it never loses anything under it.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.files import atomic_write
from bot.core.errors import IndexCorrupt
from bot.core.private import DIR_MODE
from bot.core.settings import Settings

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

MANIFEST, RETIRED = "manifest.json", "RETIRED"
FORMAT = 4  # manifests of older formats (3: a BM25 index per generation) are read as "no index": ingest again


def index_root(settings: Settings) -> Path:
    return settings.data_dir / "index"


def generation_dir(settings: Settings, generation: str) -> Path:
    return index_root(settings) / generation


def new_generation_name() -> str:
    return time.strftime("g%Y%m%d-%H%M%S") + f"-{time.time_ns() % 1_000_000:06d}"


def collection_prefix(settings: Settings) -> str:
    """Per data directory, so several deployments can share one Chroma server safely. The id is
    stored in the data directory (not derived from its path), so a moved or copied data directory
    still finds its vectors."""
    path = index_root(settings) / "deployment-id"
    try:
        ident = path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        tmp = path.with_name(f"deployment-id.{os.getpid()}.tmp")
        tmp.write_text(secrets.token_hex(4))
        try:
            os.link(tmp, path)  # the first process to get here decides
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        ident = path.read_text().strip()
    return f"licensebot-{ident}-"


def collection_name(settings: Settings, embedder: str) -> str:
    """One collection per embedder: vectors of different models never mix."""
    return collection_prefix(settings) + "units-" + hashlib.sha1(embedder.encode()).hexdigest()[:10]


def segments_dir(settings: Settings) -> Path:
    return index_root(settings) / "segments"


def lexical_root(settings: Settings) -> Path:
    return index_root(settings) / "lexical"


def open_chroma(settings: Settings) -> ClientAPI:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.uses_chroma_server:
        return chromadb.HttpClient(
            host=settings.chroma_host or "localhost", port=settings.chroma_port or 8000, settings=chroma_settings
        )
    (settings.data_dir / "chroma").mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
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
    atomic_write(root / "CURRENT", json.dumps({"generation": generation}), crash="publish:before-rename")


def read_manifest(gen_dir: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((gen_dir / MANIFEST).read_text(encoding="utf-8"))
    return manifest


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
