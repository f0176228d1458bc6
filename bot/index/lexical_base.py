"""Lexical bases on disk: term frequencies of a list of segments, written once by ingest and shared
by the generations that follow, each adding the few segments changed since (bot/index/lexical.py).

    index/lexical/<base>/segments.json      [[segment key, units], ...] in the base's order
    index/lexical/<base>/vocab.json, postings.npz
    index/lexical/<base>/fingerprints.json  {segment key: [unit fingerprints]}: the collector checks
                                            vectors against these instead of reading every segment

A base is written under a temporary name and renamed whole; only a manifest names it, and the
collector removes the bases no kept generation names.
"""

from __future__ import annotations

import json
import os
import shutil
from typing import Callable, Sequence

import numpy as np

from bot.core.settings import Settings
from bot.index.layout import lexical_root, new_generation_name
from bot.index.lexical import LexicalIndex, Postings, Tier
from bot.index.segments import Segment, read_segment

REBASE_SHARE = 0.1  # a new base once the units added or removed since the base exceed this share


def base_segments(settings: Settings, base: str) -> list[tuple[str, int]]:
    rows = json.loads((lexical_root(settings) / base / "segments.json").read_text(encoding="utf-8"))
    return [(str(key), int(n)) for key, n in rows]


def base_fingerprints(settings: Settings, base: str) -> dict[str, set[str]]:
    rows = json.loads((lexical_root(settings) / base / "fingerprints.json").read_text(encoding="utf-8"))
    return {key: set(fps) for key, fps in rows.items()}


def write_base(settings: Settings, keys: list[str], segment_of: Callable[[str], Segment]) -> str:
    """A new base over `keys` (in order; `segment_of` gives a segment with its tokens); returns its name."""
    name = new_generation_name()
    final = lexical_root(settings) / name
    tmp = final.with_name(f"{name}.{os.getpid()}.tmp")
    tokens: list[list[str]] = []
    rows = []
    fingerprints = {}
    for key in keys:
        segment = segment_of(key)
        tokens += segment.tokens
        rows.append([key, len(segment.tokens)])
        fingerprints[key] = [u["fingerprint"] for u in segment.units]
    Postings.from_tokens(tokens).save(tmp)
    (tmp / "segments.json").write_text(json.dumps(rows), encoding="utf-8")
    (tmp / "fingerprints.json").write_text(json.dumps(fingerprints), encoding="utf-8")
    os.replace(tmp, final)
    return name


def base_for(
    settings: Settings,
    keys: list[str],
    sizes: dict[str, int],
    live_base: str | None,
    segment_of: Callable[[str], Segment],
) -> str:
    """The live base when the segments added or removed since it are few, else a new one."""
    if live_base:
        try:
            in_base = base_segments(settings, live_base)
        except (OSError, ValueError, TypeError):
            in_base = None
        if in_base is not None:
            listed, based = set(keys), {k for k, _ in in_base}
            changed = sum(sizes[k] for k in keys if k not in based) + sum(n for k, n in in_base if k not in listed)
            if changed <= REBASE_SHARE * max(1, sum(sizes[k] for k in keys)):
                return live_base
    return write_base(settings, keys, segment_of)


def open_lexical(settings: Settings, base: str, parts: Sequence[tuple[str, int, int]]) -> LexicalIndex:
    """The lexical index of a generation whose segments are `parts` (key, first and end position):
    the base's units mapped to their positions (those of segments no longer listed masked out), plus
    one small tier over the listed segments the base does not hold."""
    postings = Postings.load(lexical_root(settings) / base)
    where = {key: (start, end) for key, start, end in parts}
    positions = np.full(len(postings.lengths), -1, dtype=np.int64)
    offset = 0
    based = set()
    for key, n in base_segments(settings, base):
        span = where.get(key)
        if span is not None and span[1] - span[0] == n:
            positions[offset : offset + n] = np.arange(span[0], span[1])
            based.add(key)
        offset += n
    tiers = [Tier(postings, positions)]
    extra = [(key, start, end) for key, start, end in parts if key not in based]
    if extra:
        tokens = [words for key, _, _ in extra for words in read_segment(settings, key, with_tokens=True).tokens]
        tiers.append(Tier(Postings.from_tokens(tokens), np.concatenate([np.arange(s, e) for _, s, e in extra])))
    return LexicalIndex(tiers)


def collect_bases(settings: Settings, kept: set[str]) -> int:
    """Remove the bases (and half-written ones) that no kept generation names."""
    root = lexical_root(settings)
    removed = 0
    for path in root.iterdir() if root.is_dir() else []:
        if path.name not in kept:
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed
