"""Writing a generation (a manifest of segments and the BM25 index over their units), publishing it,
and collecting what no kept generation uses. Used by ingest only, under the ingest lock.

Nothing here changes what a reader of the live generation sees until `publish` flips CURRENT. The
generation it replaces is marked RETIRED first and kept (its segments, its vectors) for a grace
period, so a process still loading or answering from it loses nothing under it. Crash points
(bot.core.faults) sit inside each step so tests can kill the process there.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from bot.core.files import atomic_write
from bot.core.errors import IndexCorrupt
from bot.core.faults import crash_point
from bot.core.private import DIR_MODE
from bot.core.settings import Settings
from bot.index.layout import (
    FORMAT,
    MANIFEST,
    RETIRED,
    collection_name,
    generation_dir,
    index_root,
    new_generation_name,
    read_current,
    read_manifest,
    write_current,
)
from bot.index.lexical_base import base_fingerprints, collect_bases
from bot.index.segments import delete_segment, read_fingerprints, remove_partial_files, stored_keys
from bot.index.vectors import VectorStore, drop_other_collections

KEEP_RETIRED = 2  # a reader holds the live generation or, for a moment, the one before; one more for safety


def live_manifest(settings: Settings) -> dict[str, Any] | None:
    """The live generation's manifest when it is one this version can extend, else None (a fresh
    build follows; a broken or older index is replaced, never patched)."""
    try:
        generation = read_current(settings)
        if generation is None:
            return None
        manifest = read_manifest(generation_dir(settings, generation))
    except (IndexCorrupt, OSError, ValueError):
        return None
    return manifest if manifest.get("format") == FORMAT else None


def write_generation(settings: Settings, segments: list[str], manifest: dict[str, Any]) -> str:
    """A new generation listing `segments` (already on disk, as is the lexical base `manifest` names)."""
    generation = new_generation_name()
    gen_dir = generation_dir(settings, generation)
    gen_dir.mkdir(mode=DIR_MODE, parents=True)
    crash_point("write:before-manifest")
    full = {
        **manifest,
        "format": FORMAT,
        "generation": generation,
        "segments": segments,
        "collection": collection_name(settings, manifest["embedder"]),
    }
    atomic_write(gen_dir / MANIFEST, json.dumps(full, ensure_ascii=False, indent=1))
    return generation


def publish(settings: Settings, generation: str) -> None:
    """Retire the live generation (stamped now), then flip CURRENT to `generation`."""
    try:
        old = read_current(settings)
    except IndexCorrupt:
        old = None
    if old and old != generation and generation_dir(settings, old).is_dir():
        (generation_dir(settings, old) / RETIRED).write_text(str(time.time()))
    write_current(settings, generation)
    crash_point("publish:before-cleanup")


@dataclass
class Collected:
    generations: list[str] = field(default_factory=list)
    segments: int = 0
    vectors: int = 0
    collections: list[str] = field(default_factory=list)
    partial_files: int = 0

    def summary(self) -> str:
        parts = [f"{len(self.generations)} generations", f"{self.segments} segments", f"{self.vectors} vectors"]
        if self.collections:
            parts.append(f"{len(self.collections)} collections")
        return "removed " + ", ".join(parts)


def _kept_generations(settings: Settings, grace_s: float, now: float) -> tuple[list[str], list[str]]:
    """(kept, doomed) generation names: the live one, plus the newest retired ones still in their
    grace period; everything else (older, never published, half-written) goes."""
    try:
        live = read_current(settings)
    except IndexCorrupt:
        live = None
    root = index_root(settings)
    retired: list[tuple[float, str]] = []
    doomed: list[str] = []
    for gen_dir in sorted(root.iterdir()) if root.is_dir() else []:
        if not gen_dir.is_dir() or gen_dir.name in ("segments", "lexical") or gen_dir.name == live:
            continue
        stamp = gen_dir / RETIRED
        try:
            when = float(stamp.read_text()) if stamp.exists() else None
        except ValueError:
            when = 0.0
        if when is not None and now - when < grace_s and (gen_dir / MANIFEST).exists():
            retired.append((when, gen_dir.name))
        else:
            doomed.append(gen_dir.name)
    retired.sort(reverse=True)
    doomed += [name for _, name in retired[KEEP_RETIRED:]]
    return ([live] if live else []) + [name for _, name in retired[:KEEP_RETIRED]], doomed


def _segments_of(settings: Settings, generations: list[str]) -> tuple[set[str], set[str], set[str]]:
    """(segment keys, collection names, lexical bases) the given generations list."""
    keys: set[str] = set()
    collections: set[str] = set()
    bases: set[str] = set()
    for name in generations:
        try:
            manifest = read_manifest(generation_dir(settings, name))
        except (OSError, ValueError):
            continue
        keys.update(manifest.get("segments", []))
        if manifest.get("collection"):
            collections.add(manifest["collection"])
        if manifest.get("lexical"):
            bases.add(manifest["lexical"])
    return keys, collections, bases


def collect(
    settings: Settings,
    embedder: str,
    grace_s: float,
    full: bool = False,
    known: dict[str, set[str]] | None = None,
    log: Callable[[str], None] = lambda m: None,
) -> Collected:
    """Remove what no kept generation uses: generations, segments, vectors, other collections.

    Normally only the vectors of segments being removed are candidates (their fingerprints minus
    those of kept segments: `known` spares re-reading segments the caller has in memory). With
    `full` (the last ingest died, so vectors may have been added that no segment lists) every id in
    the collection is checked."""
    result = Collected()
    known = known or {}
    now = time.time()
    kept, doomed = _kept_generations(settings, grace_s, now)
    kept_keys, kept_collections, kept_bases = _segments_of(settings, kept)
    doomed_keys = stored_keys(settings) - kept_keys

    def fingerprints(keys: set[str]) -> set[str]:
        out: set[str] = set()
        for key in keys:
            try:
                out |= known[key] if known is not None and key in known else read_fingerprints(settings, key)
            except (OSError, ValueError, KeyError):
                continue
        return out

    store = None
    try:
        store = VectorStore.open(settings, embedder, create=False)
    except Exception:  # noqa: BLE001 - no collection yet: nothing to collect there
        store = None
    if store is not None:
        if full:
            candidates = store.all_ids()
        else:
            candidates = fingerprints(doomed_keys)
        if candidates:
            for base in kept_bases:  # they list most kept segments' fingerprints: no need to read those segments
                try:
                    known = {**base_fingerprints(settings, base), **known}
                except (OSError, ValueError):
                    continue
            unused = sorted(candidates - fingerprints(kept_keys))
            if unused:
                store.delete(unused)
                result.vectors = len(unused)
    for key in doomed_keys:
        delete_segment(settings, key)
    result.segments = len(doomed_keys)
    for name in doomed:
        shutil.rmtree(generation_dir(settings, name), ignore_errors=True)
    result.generations = doomed
    collect_bases(settings, kept_bases)
    result.partial_files = remove_partial_files(settings)
    for tmp in index_root(settings).glob("CURRENT.*.tmp"):
        tmp.unlink(missing_ok=True)
    try:
        result.collections = drop_other_collections(settings, kept_collections | {collection_name(settings, embedder)})
    except Exception as exc:  # noqa: BLE001 - an unreachable server only postpones this
        log(f"warning: other collections not checked: {exc}")
    return result
