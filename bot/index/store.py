"""Reading the live generation back: everything the bot needs from disk, loaded once.

A generation is a list of segments (one per article) plus its BM25 index; the vectors live in the
embedder's Chroma collection, shared by generations, so dense search keeps only this generation's
fingerprints.

A loaded generation answers from memory, except for the vectors of the few units it scores, which it
reads from their segments' files (kept for a grace period after the generation is retired, like its
vectors in Chroma), so damage to its files afterwards would mostly show at the next start. Those files are written once and never changed, so `damage` compares them with what
was loaded (a stat per file) and reads them again only when one changed: a server can report
"degraded" before a restart fails.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from typing import Any
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from bot.core.errors import IndexCorrupt, IndexMissing, describe
from bot.core.settings import Settings
from bot.index.layout import (
    FORMAT,
    MANIFEST,
    REPAIR,
    generation_dir,
    lexical_root,
    read_current,
    read_manifest,
    segments_dir,
)
from bot.index.lexical import LexicalIndex
from bot.index.lexical_base import open_lexical
from bot.index.segments import SegmentUnreadable, VectorFile, read_segment, segment_files, vector_file
from bot.index.units import Doc, Unit
from bot.index.vectors import VectorStore

SLACK = 32  # extra neighbours asked for, beyond the ids a newer or older generation added
Stamp = tuple[int, int, int] | None  # inode, size, mtime of a file; None: gone


def _stamp(path: Path) -> Stamp:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


@dataclass(frozen=True)
class Part:
    """One segment's place in the loaded generation: its units are units[start:end]."""

    key: str
    doc_id: str
    start: int
    end: int
    vectors: VectorFile | None = field(default=None, repr=False)  # its units' rows, read when scored
    meaning: dict[str, Any] | None = field(
        default=None, repr=False, compare=False
    )  # as stored at ingest (bot.kb.evidence)


@dataclass
class StoredIndex:
    generation: str
    manifest: dict[str, Any]
    docs: dict[str, Doc]
    units: list[Unit]
    lexical: LexicalIndex = field(repr=False)
    store: VectorStore = field(repr=False)
    _positions: dict[str, list[int]] = field(default_factory=dict, repr=False)  # fingerprint -> unit positions
    _foreign: int = 0  # ids in the collection this generation does not list, when it was loaded
    _files: dict[Path, Stamp] = field(default_factory=dict, repr=False)  # what it was read from, as it was
    _checked: tuple[dict[Path, Stamp], str | None] | None = field(default=None, repr=False)  # the last re-read
    _check_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    parts: list[Part] = field(default_factory=list, repr=False)  # one per segment, in order

    def __post_init__(self) -> None:
        for pos, unit in enumerate(self.units):
            self._positions.setdefault(unit.fingerprint, []).append(pos)
        self._starts = [p.start for p in self.parts]

    def vectors_at(self, positions: list[int]) -> np.ndarray:
        """The stored vectors of the units at `positions` (float32, in that order), read from their
        segments' files: answering scores a bounded set of candidates, so no matrix of every unit's
        vector is held. SegmentUnreadable names a file removed or changed under this generation."""
        out: np.ndarray | None = None
        by_part: dict[int, list[int]] = {}
        for n, pos in enumerate(positions):
            by_part.setdefault(bisect_right(self._starts, pos) - 1, []).append(n)
        for index, ns in by_part.items():
            part = self.parts[index]
            assert part.vectors is not None  # every loaded part has its file
            rows = part.vectors.read([positions[n] - part.start for n in ns])
            if out is None:
                out = np.empty((len(positions), rows.shape[1]), np.float32)
            out[ns] = rows
        return out if out is not None else np.zeros((0, 0), np.float32)

    def release_meanings(self) -> None:
        """Forget the meaning rows as stored at ingest, once the caller holds them as objects (at 145k
        units the raw rows take some 75 MB). A later load whose meaning version differs reads those
        segments' meanings again from their words."""
        self.parts = [replace(p, meaning=None) for p in self.parts]

    @property
    def embedder_name(self) -> str:
        return str(self.manifest["embedder"])

    @property
    def collection(self) -> Any:
        return self.store.collection

    def damage(self, settings: Settings) -> str | None:
        """None while this generation's files are as loaded, or changed but still readable (an
        ingest rebuilt a broken segment); else one line naming the file that cannot be read."""
        now = {path: _stamp(path) for path in self._files}
        if now == self._files:
            return None
        with self._check_lock:
            if self._checked is None or self._checked[0] != now:  # each change is read once
                try:
                    _read_files(settings, self.generation)
                    self._checked = (now, None)
                except IndexCorrupt as exc:
                    self._checked = (now, str(exc))
            return self._checked[1]

    def dense(self, vector: np.ndarray, k: int) -> list[int]:
        """Positions of this generation's nearest units, best first. The collection may also hold
        vectors of a newer generation or of one not yet collected: those are skipped, asking Chroma
        for enough more that `k` of ours remain."""
        if not self.units:
            return []
        wanted = min(k, len(self._positions))
        n = wanted + self._foreign + SLACK
        while True:
            ids = self.store.nearest(vector, n)
            positions = [p for uid in ids for p in self._positions.get(uid, ())]
            if len({self.units[p].fingerprint for p in positions}) >= wanted or len(ids) < n:
                return positions[: max(k, wanted)]
            n *= 4  # many vectors were added since this generation was loaded


def load_index(settings: Settings, previous: StoredIndex | None = None) -> StoredIndex:
    """The live generation, or IndexMissing / IndexCorrupt with one line naming what is wrong. With
    `previous` (the generation loaded before), segments both list are taken from it, not read again:
    a reload after one edited article reads that article only."""
    generation = read_current(settings)
    if generation is None:
        raise IndexMissing(f"no index in {settings.data_dir}: run `licensebot ingest` first")
    manifest, docs, units, lexical, files, parts = _read_files(settings, generation, previous)
    step = (
        settings.data_dir / "chroma"
        if not settings.uses_chroma_server
        else Path(f"chroma server {settings.chroma_host}")
    )
    try:
        store = VectorStore.open(settings, manifest["embedder"])
        foreign = max(0, store.count() - len({u.fingerprint for u in units}))
    except Exception as exc:  # noqa: BLE001 - any way the store can be broken; the message names it
        raise IndexCorrupt(f"{step}: cannot be read ({describe(exc)}); {REPAIR}") from None
    return StoredIndex(generation, manifest, docs, units, lexical, store, _foreign=foreign, _files=files, parts=parts)


def _read_files(
    settings: Settings, generation: str, previous: StoredIndex | None = None
) -> tuple[dict[str, Any], dict[str, Doc], list[Unit], LexicalIndex, dict[Path, Stamp], list[Part]]:
    """(manifest, docs, units, lexical index, the files read with their stamps, the parts) of
    a generation; IndexCorrupt names the file that cannot be read. Segments `previous` holds are taken
    from it (their files are only stat-ed)."""
    gen_dir = generation_dir(settings, generation)
    if not gen_dir.is_dir():
        raise IndexCorrupt(f"{gen_dir}: the generation CURRENT names is missing; {REPAIR}")
    step: Path = gen_dir / MANIFEST
    files = {step: _stamp(step)}
    try:
        manifest = read_manifest(gen_dir)
        if manifest.get("format") != FORMAT:
            raise IndexCorrupt(f"{step}: an index of an older licensebot; {REPAIR}")
        docs: dict[str, Doc] = {}
        units: list[Unit] = []
        parts: list[Part] = []
        loaded = {p.key: p for p in previous.parts} if previous is not None else {}
        shared = _Shared()  # equal meaning rows of all segments, held once
        for key in manifest["segments"]:
            step = segments_dir(settings) / f"{key}.*"
            files.update((path, _stamp(path)) for path in segment_files(settings, key)[:2])  # the reader's two
            doc, seg_units, meaning, rows = (
                _reused(previous, loaded[key])
                if previous is not None and key in loaded
                else _read(settings, key, shared)
            )
            docs[doc.doc_id] = doc
            parts.append(Part(key, doc.doc_id, len(units), len(units) + len(seg_units), rows, meaning))
            units += seg_units
        step = lexical_root(settings) / str(manifest.get("lexical"))
        files.update((path, _stamp(path)) for path in sorted(step.iterdir()))
        lexical = open_lexical(settings, manifest["lexical"], [(p.key, p.start, p.end) for p in parts])
    except IndexCorrupt:
        raise
    except SegmentUnreadable as exc:  # it names the file and what is wrong with it
        raise IndexCorrupt(f"{exc}; {REPAIR}") from None
    except Exception as exc:  # noqa: BLE001 - any way a file can be broken; the message names it
        raise IndexCorrupt(f"{step}: cannot be read ({describe(exc)}); {REPAIR}") from None
    if lexical.size != len(units):
        raise IndexCorrupt(
            f"{lexical_root(settings) / manifest['lexical']}: {lexical.size} entries for {len(units)} units; {REPAIR}"
        )
    return manifest, docs, units, lexical, files, parts


def _read(settings: Settings, key: str, shared: _Shared) -> tuple[Doc, list[Unit], dict[str, Any] | None, VectorFile]:
    """A segment's doc, units, stored meaning and vector file (its header checked, its rows left on
    disk), its units as answering holds them (bot/index/units.py): without the folded text BM25 was
    tokenised from, sharing their article's doc_id string and one copy of each kind, section and heading."""
    segment = read_segment(settings, key, with_vectors=False)
    doc = Doc.from_row(segment.doc)
    units = [Unit.from_row(row, doc) for row in segment.units]
    meaning = segment.meaning
    if meaning is not None and isinstance(meaning.get("rows"), list):
        meaning = {**meaning, "rows": [shared.row(row) for row in meaning["rows"]]}
    return doc, units, meaning, vector_file(settings, key, len(units))


@dataclass
class _Shared:
    """The meaning rows read so far, each once. A row met before is found by its text (repr) without
    being frozen again: at 145k units 108k rows are 7.7k texts, and freezing every row took 0.4 s of
    a 3 s start-up."""

    values: dict[Any, Any] = field(default_factory=dict)
    by_text: dict[str, Any] = field(default_factory=dict)

    def row(self, row: Any) -> Any:
        text = repr(row)
        found = self.by_text.get(text)
        if found is None:
            found = self.by_text[text] = _frozen(row, self.values)
        return found


def _frozen(value: Any, shared: dict[Any, Any]) -> Any:
    """A JSON value as a hashable one (lists as tuples, objects as sorted (key, value) tuples), equal
    values one object: most units of a large corpus mean the same few things, and the rows of every
    segment are held until answering has read them (at 145k units, 80 MB as parsed JSON)."""
    if isinstance(value, list):
        value = tuple(_frozen(v, shared) for v in value)
    elif isinstance(value, dict):
        value = tuple(sorted((k, _frozen(v, shared)) for k, v in value.items()))
    else:
        return value
    return shared.setdefault(value, value)


def _reused(previous: StoredIndex, part: Part) -> tuple[Doc, list[Unit], dict[str, Any] | None, VectorFile]:
    assert part.vectors is not None
    return previous.docs[part.doc_id], previous.units[part.start : part.end], part.meaning, part.vectors
