"""One article's share of the index: its doc row, its evidence units, their BM25 tokens and their
vectors, stored under a key that hashes the article's bytes with everything that shapes its units.

Generations list segments instead of copying them, so an article that did not change is neither
read, cleaned, embedded nor written again. A segment's files are written under temporary names and
renamed, the JSON last: a segment whose JSON exists is complete.

A segment is read back only through `read_segment`, which checks its shape as well as its syntax:
anything else on disk (garbage, a truncated or emptied file, JSON of another shape, vectors or
tokens that do not match the units) is `SegmentUnreadable`, naming the file and what is wrong, so
ingest can rebuild it from its article and a reader can say which file broke.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from pydantic import ConfigDict, TypeAdapter, ValidationError, with_config
from typing_extensions import NotRequired, TypedDict

from bot.core.files import atomic_write
from bot.core.faults import crash_point
from bot.core.private import DIR_MODE
from bot.core.settings import Settings
from bot.index.layout import segments_dir


@dataclass
class Segment:
    key: str
    doc: dict[str, Any]
    units: list[dict[str, Any]]  # rows with id, doc_id, text, fingerprint, search, …
    vectors: np.ndarray = field(repr=False)  # one row per unit
    tokens: list[list[str]] = field(default_factory=list, repr=False)  # BM25 tokens per unit
    problems: list[str] = field(default_factory=list)  # reading warnings, said again when the segment is reused
    meaning: dict[str, Any] | None = (
        None  # what the units mean, as read at ingest ({"version", "rows", "index"}; bot.kb.evidence)
    )


class MeaningSource(Protocol):
    """Reads what units mean (bot.kb.evidence.UnitReader, handed in by the CLI: ingest does not
    import bot.kb). `version` hashes what meaning is read with; a stored one of another version is stale."""

    version: str

    def stored(self, units: list[dict[str, Any]], title: str) -> dict[str, Any]: ...


class SegmentUnreadable(ValueError):
    """A segment file that is missing or cannot be read as one; the message starts with its path."""


@with_config(ConfigDict(extra="allow"))
class _Doc(TypedDict):
    """The doc fields the bot reads (quotes, titles, dates); others written by ingest are kept."""

    doc_id: str
    source: str
    title: str
    date: str | None
    text: str


@with_config(ConfigDict(extra="allow"))
class _Unit(TypedDict):
    id: str
    doc_id: str
    start: int
    end: int
    text: str
    kind: str
    fingerprint: str


class _Meta(TypedDict):
    doc: _Doc
    units: list[_Unit]
    problems: NotRequired[list[str]]
    meaning: NotRequired[dict[str, Any] | None]


_META = TypeAdapter(_Meta)
_TOKENS = TypeAdapter(list[list[str]])


def _validated(adapter: TypeAdapter[Any], path: Path) -> Any:
    """The file's JSON checked against `adapter`'s shape, or SegmentUnreadable naming the file and
    the first problem (with its line and column, or the field's path)."""
    try:
        return adapter.validate_json(path.read_bytes())
    except FileNotFoundError:
        raise SegmentUnreadable(f"{path}: missing") from None
    except OSError as exc:
        raise SegmentUnreadable(f"{path}: {exc.strerror or type(exc).__name__}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise SegmentUnreadable(f"{path}: {where + ': ' if where else ''}{first['msg']}{more}") from None


def _matrix(path: Path, rows: int) -> np.ndarray:
    try:
        matrix = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise SegmentUnreadable(f"{path}: missing") from None
    except (OSError, ValueError, EOFError):
        raise SegmentUnreadable(f"{path}: not a NumPy array file") from None
    if matrix.ndim != 2 or len(matrix) != rows or not np.issubdtype(matrix.dtype, np.floating):
        raise SegmentUnreadable(f"{path}: {matrix.shape} {matrix.dtype} array for {rows} units")
    return np.asarray(matrix)


def segment_key(source: str, sha256: str, recipe: str) -> str:
    """`recipe` names everything besides the bytes that decides the units and vectors (pipeline
    version, cleaning lexicon, embedder)."""
    return hashlib.sha256(f"{recipe}|{source}|{sha256}".encode()).hexdigest()[:24]


def segment_files(settings: Settings, key: str) -> tuple[Path, Path, Path]:
    """(units JSON, vectors, BM25 tokens) of segment `key`."""
    base = segments_dir(settings) / key
    return base.with_suffix(".json"), base.with_suffix(".npy"), base.with_suffix(".tokens.json")


def write_segment(settings: Settings, segment: Segment) -> None:
    meta, vectors, tokens = segment_files(settings, segment.key)
    meta.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    atomic_write(vectors, lambda out: np.save(out, np.asarray(segment.vectors, dtype=np.float16)))
    atomic_write(tokens, json.dumps(segment.tokens, ensure_ascii=False))
    crash_point("write:segment")
    _write_meta(settings, segment)


def _write_meta(settings: Settings, segment: Segment) -> None:
    meta = segment_files(settings, segment.key)[0]
    atomic_write(
        meta,
        json.dumps(
            {"doc": segment.doc, "units": segment.units, "problems": segment.problems, "meaning": segment.meaning},
            ensure_ascii=False,
        ),
    )


def refresh_meaning(settings: Settings, key: str, source: MeaningSource) -> bool:
    """Read a stored segment's meaning again when it was read with another version (the cues or the
    catalogue changed); the JSON is replaced whole, so a reader sees the old or the new. True if rewritten."""
    segment = read_segment(settings, key)
    if (segment.meaning or {}).get("version") == source.version:
        return False
    segment.meaning = source.stored(segment.units, segment.doc["title"])
    _write_meta(settings, segment)
    return True


def segment_stamp(settings: Settings, key: str) -> list[list[int] | None]:
    """(size, mtime) of each of the segment's files, None for a missing one. Segment files are written
    once and replaced whole, so an unchanged stamp means the file is as it was written: ingest need
    not read it again to know it is sound."""
    stamps: list[list[int] | None] = []
    for path in segment_files(settings, key):
        try:
            st = path.stat()
            stamps.append([st.st_size, st.st_mtime_ns])
        except OSError:
            stamps.append(None)
    return stamps


def has_segment(settings: Settings, key: str) -> bool:
    return segment_files(settings, key)[0].exists()


def read_segment(settings: Settings, key: str, with_tokens: bool = False, with_vectors: bool = True) -> Segment:
    """Raises SegmentUnreadable (naming the file) for a segment missing any part or of the wrong shape.
    Without vectors its `vectors` is an empty (units x 0) array: `read_vectors` reads them later, into
    a matrix of the whole generation, so loading never holds every segment's rows twice."""
    meta, vectors, tokens = segment_files(settings, key)
    data = _validated(_META, meta)
    text = data["doc"]["text"]
    for unit in data["units"]:  # answering reads a unit's text from its article (bot/index/units.py)
        if unit["doc_id"] != data["doc"]["doc_id"] or text[unit["start"] : unit["end"]] != unit["text"]:
            raise SegmentUnreadable(f"{meta}: unit {unit['id']} is not a span of its article's text")
    matrix = _matrix(vectors, len(data["units"])) if with_vectors else np.zeros((len(data["units"]), 0), np.float16)
    words: list[list[str]] = []
    if with_tokens:
        words = _validated(_TOKENS, tokens)
        if len(words) != len(data["units"]):
            raise SegmentUnreadable(f"{tokens}: tokens for {len(words)} units, the segment has {len(data['units'])}")
    return Segment(key, data["doc"], data["units"], matrix, words, data.get("problems", []), data.get("meaning"))


def read_vectors(settings: Settings, key: str, rows: int) -> np.ndarray:
    """A segment's vectors (SegmentUnreadable unless there are `rows` of them)."""
    return _matrix(segment_files(settings, key)[1], rows)


@dataclass(frozen=True)
class VectorFile:
    """Where a segment's vector rows are in its .npy file, so that answering reads the few rows it
    scores instead of holding every unit's vector (at 145k units the matrix took 112 MB)."""

    path: Path
    offset: int  # of the first row, after the NumPy header
    rows: int
    width: int
    dtype: np.dtype[Any]

    def read(self, wanted: list[int]) -> np.ndarray:
        """Rows `wanted` (in that order) as float32, in one read of the span they lie in (one article's
        units: tens of kilobytes at most); SegmentUnreadable if the file is gone or changed."""
        if not wanted:
            return np.zeros((0, self.width), np.float32)
        size = self.width * self.dtype.itemsize
        first, last = min(wanted), max(wanted)
        try:
            with self.path.open("rb") as fh:
                fh.seek(self.offset + first * size)
                data = fh.read((last - first + 1) * size)
        except OSError as exc:
            raise SegmentUnreadable(f"{self.path}: {exc.strerror or type(exc).__name__}") from None
        if len(data) != (last - first + 1) * size:
            raise SegmentUnreadable(f"{self.path}: shorter than its {self.rows} rows")
        span = np.frombuffer(data, self.dtype).reshape(-1, self.width)
        return span[[row - first for row in wanted]].astype(np.float32)


def vector_file(settings: Settings, key: str, rows: int) -> VectorFile:
    """A segment's vector file, its header checked as `read_vectors` checks the whole matrix (a 2-D
    float array of `rows` rows, all of them in the file), without reading the rows."""
    path = segment_files(settings, key)[1]
    try:
        with path.open("rb") as fh:
            version = np.lib.format.read_magic(fh)
            header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran, dtype = header(fh)
            offset = fh.tell()
        size = path.stat().st_size
    except FileNotFoundError:
        raise SegmentUnreadable(f"{path}: missing") from None
    except OSError as exc:
        raise SegmentUnreadable(f"{path}: {exc.strerror or type(exc).__name__}") from None
    except (ValueError, EOFError):
        raise SegmentUnreadable(f"{path}: not a NumPy array file") from None
    if len(shape) != 2 or shape[0] != rows or fortran or not np.issubdtype(dtype, np.floating) or dtype.hasobject:
        raise SegmentUnreadable(f"{path}: {shape} {dtype} array for {rows} units")
    if size < offset + rows * shape[1] * dtype.itemsize:
        raise SegmentUnreadable(f"{path}: shorter than its {rows} rows")
    return VectorFile(path, offset, rows, shape[1], dtype)


def read_fingerprints(settings: Settings, key: str) -> set[str]:
    return {u["fingerprint"] for u in _validated(_META, segment_files(settings, key)[0])["units"]}


def stored_keys(settings: Settings) -> set[str]:
    """Complete segments on disk."""
    root = segments_dir(settings)
    return (
        {p.name[: -len(".json")] for p in root.glob("*.json") if not p.name.endswith(".tokens.json")}
        if root.is_dir()
        else set()
    )


def delete_segment(settings: Settings, key: str) -> None:
    meta, vectors, tokens = segment_files(settings, key)
    for path in (meta, tokens, vectors):  # the JSON first: a half-deleted segment reads as absent
        path.unlink(missing_ok=True)


def remove_partial_files(settings: Settings) -> int:
    """Temporary files of a write that died, and parts of segments whose JSON never landed."""
    root = segments_dir(settings)
    if not root.is_dir():
        return 0
    complete = stored_keys(settings)
    removed = 0
    for path in root.iterdir():
        key = path.name.split(".")[0]
        if path.name.endswith(".tmp") or key not in complete:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
