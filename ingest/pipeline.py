"""The ingest job: files -> (only what changed) clean -> evidence units -> embed -> segments ->
a new generation -> publish -> collect what nothing uses. One ingest at a time (bot/index/lock.py).

An article is a segment keyed by its bytes and the recipe that turns bytes into units, so an
unchanged file is not read (size and mtime match what was seen), an unchanged article is not
cleaned, embedded or written, and an edit costs that article's units: unchanged segments are not
even read (the live manifest knows their sizes, the live lexical base their terms). A kept segment
whose files are not as the live manifest saw them when it was written (garbage, truncated, a part
missing) is read back and, when it cannot be read, rebuilt from its article, saying so, instead of
breaking every later run and the bot; its vectors usually come back from the collection. With a
`MeaningSource` (the CLI passes bot.kb's unit reader) what each unit means is read here, once, and
stored in its segment; segments read with other cues or another catalogue are read again.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from bot.core.faults import crash_point
from bot.core.settings import REPO_ROOT, Settings
from bot.index.embedders import Embedder, load_embedder
from bot.index.filestats import FileStats
from bot.index.layout import index_root
from bot.index.lexical_base import base_for
from bot.index.lexical import tokenize
from bot.index.lock import ingest_lock
from bot.index.segments import (
    MeaningSource,
    Segment,
    SegmentUnreadable,
    has_segment,
    read_segment,
    refresh_meaning,
    segment_key,
    segment_stamp,
    write_segment,
)
from bot.index.vectors import VectorStore
from bot.index.writer import collect, live_manifest, publish, write_generation
from ingest.clean import clean_page, load_lexicon
from ingest.read import Found, UnreadableArticle, article_from_bytes, find_articles, read_bytes
from ingest.units import build_units

# Bump when cleaning or unit building changes meaning, so an unchanged corpus is still re-processed.
PIPELINE_VERSION = 3
EMBED_BATCH = 32


@dataclass
class IngestReport:
    files: int = 0
    units: int = 0
    embedded: int = 0
    reused: int = 0
    read: int = 0  # files whose bytes were read (the others matched size and mtime)
    skipped: list[str] = field(default_factory=list)
    rebuilt: list[str] = field(default_factory=list)  # unreadable segments rebuilt from their article
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    generation: str | None = None
    up_to_date: bool = False
    collected: str = ""

    @property
    def chunks(self) -> int:
        """Units are the retrieval pieces; the older name stays for callers that count them."""
        return self.units

    def summary(self) -> str:
        state = "index up to date" if self.up_to_date else f"generation {self.generation}"
        return (
            f"ingest: {self.files} files, {self.units} units ({self.embedded} embedded, {self.reused} reused), "
            f"{len(self.skipped)} skipped, {len(self.errors)} errors, {self.seconds:.1f}s — {state}"
        )


def doc_id_for(source: str) -> str:
    stem = Path(source).stem
    return f"{stem}-{hashlib.sha1(source.encode()).hexdigest()[:6]}"


def recipe_for(settings: Settings, lexicon_path: Path) -> str:
    """Everything besides an article's bytes that decides its units and vectors."""
    return f"v{PIPELINE_VERSION}|{hashlib.sha256(lexicon_path.read_bytes()).hexdigest()[:16]}|{settings.embedder}"


def build_segment(key: str, found: Found, data: bytes, lexicon) -> Segment:
    """Raises UnreadableArticle for a file that yields no article."""
    raw = article_from_bytes(data, found.path, found.shown)
    article = clean_page(raw.text, lexicon, found.path.name)
    if not article.paragraphs:
        raise UnreadableArticle(f"{found.shown}: no article text left after cleaning")
    doc_id = doc_id_for(found.shown)
    doc = {
        "doc_id": doc_id,
        "source": found.shown,
        "title": article.title,
        "date": article.date,
        "keywords": article.keywords,
        "description": article.description,
        "encoding": raw.encoding,
        "sha256": raw.sha256,
        "text": article.text,
        "dropped": [{"reason": r, "text": t} for r, t in article.dropped],
    }
    units = [{**u.to_dict(), "search": u.embed_text} for u in build_units(doc_id, article)]
    return Segment(
        key, doc, units, np.zeros((len(units), 0), np.float16), [tokenize(u["search"]) for u in units], raw.problems
    )


def read_docs(paths: list[Path], settings: Settings) -> tuple[list[dict], list[str]]:
    """The articles' doc rows as an ingest would store them, without embedding or writing anything
    (`licensebot kb check` checks rule quotes against exactly this text); and what could not be read."""
    lexicon = load_lexicon(settings.knowledge_dir / "cleaning.yaml")
    problems: list[str] = []
    docs = []
    for found in find_articles([p for p in paths if p.exists()], REPO_ROOT, problems):
        try:
            docs.append(build_segment("", found, read_bytes(found.path, found.shown), lexicon).doc)
        except UnreadableArticle as exc:
            problems.append(str(exc))
    return docs, problems


@dataclass
class Plan:
    keys: list[str] = field(default_factory=list)  # every readable file's segment, in order
    fresh: list[Segment] = field(default_factory=list)  # segments to build


def segment_sound(
    settings: Settings, key: str, listed: bool, seen: list | None, shown: str, report: IngestReport, log
) -> bool:
    """Whether stored segment `key` can be kept. `listed`: the live generation lists it, `seen` being
    its files' stamps as recorded then (None from an older manifest). Files as recorded are kept
    unread; otherwise the segment is read back whole, and one that cannot be read (or is missing
    although listed: news) is said in one warning line naming the file, to be rebuilt from `shown`."""
    if listed and seen is not None and segment_stamp(settings, key) == seen:
        return True
    if not listed and not has_segment(settings, key):
        return False
    try:
        read_segment(settings, key, with_tokens=True)
        return True
    except SegmentUnreadable as exc:
        report.rebuilt.append(str(exc))
        log(f"warning: {exc}; rebuilt from {shown}")
        return False


def plan(
    files: list[Found],
    settings: Settings,
    recipe: str,
    lexicon,
    stats: FileStats,
    report: IngestReport,
    show_progress: bool,
    log,
    listed: dict[str, list | None],
) -> Plan:
    """The segment key of every readable file, in order, and the segments that must be built.
    `listed`: the live generation's segment keys with their files' stamps as it recorded them."""
    result = Plan()
    for found in tqdm(files, desc="reading", unit="file", disable=not show_progress):
        try:
            stat = found.path.stat()
            sha = stats.known_hash(found.shown, stat)
            data = None
            if sha is None:
                data = read_bytes(found.path, found.shown)
                sha = hashlib.sha256(data).hexdigest()
                report.read += 1
            key = segment_key(found.shown, sha, recipe)
            if not segment_sound(settings, key, key in listed, listed.get(key), found.shown, report, log):
                if data is None:
                    data = read_bytes(found.path, found.shown)
                    report.read += 1
                segment = build_segment(key, found, data, lexicon)
                result.fresh.append(segment)
                for problem in segment.problems:
                    report.skipped.append(problem)
                    log(f"warning: {problem}")
            stats.saw(found.shown, stat, sha)
            result.keys.append(key)
        except UnreadableArticle as exc:
            report.skipped.append(str(exc))
            log(f"skipped: {exc}")
        except Exception as exc:  # one broken page must not stop the others
            report.errors.append(f"{found.shown}: {type(exc).__name__}: {exc}")
            log(f"error: {found.shown}: {type(exc).__name__}: {exc}")
    return result


def embed_segments(
    segments: list[Segment],
    store: VectorStore,
    settings: Settings,
    embedder: Embedder | None,
    report: IngestReport,
    show_progress: bool,
) -> None:
    """Vectors for the new segments' units: from the collection when a unit with the same text was
    embedded before (an edit keeps most of an article's units), else from the model; new ones added."""
    units = [u for s in segments for u in s.units]
    fingerprints = list(dict.fromkeys(u["fingerprint"] for u in units))
    vectors = store.embeddings(fingerprints)
    todo = [fp for fp in fingerprints if fp not in vectors]
    text = {u["fingerprint"]: u["search"] for u in units}
    if todo:
        embedder = embedder or load_embedder(settings.embedder)
        with tqdm(total=len(todo), desc="embedding", unit="unit", disable=not show_progress) as bar:
            for i in range(0, len(todo), EMBED_BATCH):
                batch = todo[i : i + EMBED_BATCH]
                for fp, vec in zip(batch, embedder.embed_passages([text[fp] for fp in batch])):
                    vectors[fp] = np.asarray(vec, dtype=np.float32)
                bar.update(len(batch))
                crash_point("ingest:embedding")
        store.add(todo, np.vstack([vectors[fp] for fp in todo]))
    width = len(next(iter(vectors.values()))) if vectors else None
    for segment in segments:
        if segment.units:
            segment.vectors = np.vstack([vectors[u["fingerprint"]] for u in segment.units])
            continue
        if width is None:  # an empty article, and nothing embedded to measure
            width = (embedder or load_embedder(settings.embedder)).dimension
        segment.vectors = np.zeros((0, width), np.float32)
    report.embedded += len(todo)


def ingest(
    paths: list[Path],
    settings: Settings,
    embedder: Embedder | None = None,
    show_progress: bool = True,
    log=print,
    wait: bool = False,
    meanings: MeaningSource | None = None,
) -> IngestReport:
    """Raises IngestBusy when another ingest holds the lock (unless `wait`). With `meanings`, what
    each unit means is read here and stored in its segment (else the bot reads it at every load)."""
    with ingest_lock(settings, wait, on_wait=log):
        return _ingest(paths, settings, embedder, show_progress, log, meanings)


def _ingest(
    paths: list[Path],
    settings: Settings,
    embedder: Embedder | None,
    show_progress: bool,
    log,
    meanings: MeaningSource | None = None,
) -> IngestReport:
    start = time.perf_counter()
    report = IngestReport()
    lexicon_path = settings.knowledge_dir / "cleaning.yaml"
    lexicon = load_lexicon(lexicon_path)
    for p in paths:
        if not p.exists():
            report.errors.append(f"{p}: no such file or directory")
            log(f"error: {p}: no such file or directory")
    links: list[str] = []
    files = find_articles([p for p in paths if p.exists()], REPO_ROOT, links)
    for message in links:
        report.skipped.append(message)
        log(f"skipped: {message}")

    pending = index_root(settings) / "PENDING"
    crashed = pending.exists()  # the last ingest died while writing: collect everything nothing uses
    if crashed:
        log("the previous ingest did not finish; its leftovers are removed after this one")
    stats = FileStats(settings)
    live = live_manifest(settings)
    planned = plan(
        files,
        settings,
        recipe_for(settings, lexicon_path),
        lexicon,
        stats,
        report,
        show_progress,
        log,
        {key: (live.get("stamps") or {}).get(key) for key in live["segments"]} if live else {},
    )
    keys, known = planned.keys, {}
    if not keys:
        report.errors.append("no readable article among the given paths; the previous index (if any) is kept")
        log(f"error: {report.errors[-1]}")
    elif (
        live
        and live["segments"] == keys
        and not planned.fresh
        and live["embedder"] == settings.embedder
        and (meanings is None or live.get("meaning") == meanings.version)
    ):
        report.up_to_date, report.generation = True, live["generation"]
        report.files, report.units = len(keys), live.get("units", 0)
        report.reused = report.units
    else:
        pending.parent.mkdir(parents=True, exist_ok=True)
        pending.touch()
        _store_meanings(keys, planned.fresh, live, settings, meanings)
        known = _build(planned, settings, embedder, report, show_progress, meanings)
    if keys:
        stats.save()
    # Every run, up to date or not, removes what no kept generation uses (a crashed run's leftovers too).
    report.collected = collect(
        settings, settings.embedder, settings.retire_grace_s, full=crashed, known=known, log=log
    ).summary()
    pending.unlink(missing_ok=True)
    report.seconds = time.perf_counter() - start
    return report


def _store_meanings(
    keys: list[str], fresh: list[Segment], live: dict | None, settings: Settings, meanings: MeaningSource | None
) -> None:
    """New segments get their units' meaning; listed ones read with another version (the cues or the
    catalogue were edited, or the segment comes from an older generation) are read again."""
    if meanings is None:
        return
    for segment in fresh:
        segment.meaning = meanings.stored(segment.units, segment.doc["title"])
    current = set(live["segments"]) if live and live.get("meaning") == meanings.version else set()
    built = {s.key for s in fresh}
    for key in keys:
        if key not in built and key not in current:
            refresh_meaning(settings, key, meanings)


def _build(
    planned: Plan,
    settings: Settings,
    embedder: Embedder | None,
    report: IngestReport,
    show_progress: bool,
    meanings: MeaningSource | None = None,
) -> dict[str, set[str]]:
    """Writes the new segments and a generation listing `planned.keys`, publishes it; returns the new
    segments' fingerprints (the collector then need not read them again). Unchanged segments are
    not read: the live manifest knows their sizes and the live lexical base their terms."""
    store = VectorStore.open(settings, settings.embedder, create=True)
    embed_segments(planned.fresh, store, settings, embedder, report, show_progress)
    for segment in planned.fresh:
        write_segment(settings, segment)
    keys, fresh = planned.keys, planned.fresh
    built = {s.key: s for s in fresh}
    live = live_manifest(settings)
    sizes = _unit_counts(keys, built, live, settings)
    units, docs = sum(sizes[k] for k in keys), len(keys)
    report.files, report.units = docs, units
    report.reused = max(0, units - report.embedded)
    base = base_for(
        settings,
        keys,
        sizes,
        (live or {}).get("lexical"),
        lambda key: built[key] if key in built else read_segment(settings, key, with_tokens=True),
    )
    manifest = {
        "embedder": settings.embedder,
        "pipeline_version": PIPELINE_VERSION,
        "meaning": meanings.version if meanings else None,
        "lexical": base,
        "sizes": sizes,
        "stamps": {key: segment_stamp(settings, key) for key in keys},
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "files": docs,
        "units": units,
        "skipped": report.skipped,
        "errors": report.errors,
    }
    generation = write_generation(settings, keys, manifest)
    publish(settings, generation)
    report.generation = generation
    return {s.key: {u["fingerprint"] for u in s.units} for s in fresh}


def _unit_counts(keys: list[str], built: dict[str, Segment], live: dict | None, settings: Settings) -> dict[str, int]:
    """Units per listed segment: the new ones are in memory, the live manifest knows the others (a
    segment it does not list, from an older generation, is read)."""
    known = (live or {}).get("sizes") or {}
    return {
        key: len(built[key].units)
        if key in built
        else known[key]
        if key in known
        else len(read_segment(settings, key).units)
        for key in keys
    }
