"""The ingest job: files -> clean -> evidence units -> embed (only what changed) -> new generation -> publish."""
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
from bot.index.layout import collection_name, new_generation_name
from bot.index.writer import PreviousIndex, publish, remove_stale_generations, write_generation
from ingest.clean import clean_page, load_lexicon
from ingest.read import Found, UnreadableArticle, find_articles, read_article
from ingest.units import build_units

# Bump when cleaning or unit building changes meaning, so an unchanged corpus is still re-processed.
PIPELINE_VERSION = 2
EMBED_BATCH = 32


@dataclass
class IngestReport:
    files: int = 0
    units: int = 0
    embedded: int = 0
    reused: int = 0
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    generation: str | None = None
    up_to_date: bool = False

    @property
    def chunks(self) -> int:
        """Units are the retrieval pieces; the older name stays for callers that count them."""
        return self.units

    def summary(self) -> str:
        state = "index up to date" if self.up_to_date else f"generation {self.generation}"
        return (f"ingest: {self.files} files, {self.units} units ({self.embedded} embedded, {self.reused} reused), "
                f"{len(self.skipped)} skipped, {len(self.errors)} errors, {self.seconds:.1f}s — {state}")


def doc_id_for(source: str) -> str:
    stem = Path(source).stem
    return f"{stem}-{hashlib.sha1(source.encode()).hexdigest()[:6]}"


def read_corpus(files: list[Found], lexicon, report: IngestReport, show_progress: bool, log) -> tuple[list[dict], list[dict]]:
    """Every readable file as a doc row and its evidence units; unreadable ones are skipped by name."""
    docs: list[dict] = []
    units: list[dict] = []
    for found in tqdm(files, desc="reading", unit="file", disable=not show_progress):
        path, source = found.path, found.shown
        try:
            raw = read_article(path, source)
            article = clean_page(raw.text, lexicon, path.name)
            if not article.paragraphs:
                raise UnreadableArticle(f"{source}: no article text left after cleaning")
        except UnreadableArticle as exc:
            report.skipped.append(str(exc))
            log(f"skipped: {exc}")
            continue
        except Exception as exc:  # one broken page must not stop the others
            report.errors.append(f"{source}: {type(exc).__name__}: {exc}")
            log(f"error: {source}: {type(exc).__name__}: {exc}")
            continue
        for problem in raw.problems:
            report.skipped.append(problem)
            log(f"warning: {problem}")
        doc_id = doc_id_for(source)
        docs.append({"doc_id": doc_id, "source": source, "title": article.title, "date": article.date,
                     "keywords": article.keywords, "description": article.description, "encoding": raw.encoding,
                     "sha256": raw.sha256, "text": article.text,
                     "dropped": [{"reason": r, "text": t} for r, t in article.dropped]})
        units += [{**u.to_dict(), "search": u.embed_text} for u in build_units(doc_id, article)]
    return docs, units


def embed_units(units: list[dict], previous: PreviousIndex, settings: Settings, embedder: Embedder | None,
                report: IngestReport, show_progress: bool) -> np.ndarray:
    """One vector per unit: reused from the live generation when its fingerprint is unchanged."""
    cached = previous.cached_embeddings(settings, settings.embedder, [u["fingerprint"] for u in units])
    todo = [i for i, u in enumerate(units) if u["fingerprint"] not in cached]
    vectors: dict[int, np.ndarray] = {i: cached[u["fingerprint"]] for i, u in enumerate(units) if u["fingerprint"] in cached}
    if todo:
        embedder = embedder or load_embedder(settings.embedder)
        with tqdm(total=len(todo), desc="embedding", unit="unit", disable=not show_progress) as bar:
            for i in range(0, len(todo), EMBED_BATCH):
                ids = todo[i:i + EMBED_BATCH]
                for j, vec in zip(ids, embedder.embed_passages([units[j]["search"] for j in ids])):
                    vectors[j] = vec
                bar.update(len(ids))
                crash_point("ingest:embedding")
    report.embedded = len(todo)
    report.reused = len(units) - len(todo)
    return np.vstack([vectors[i] for i in range(len(units))]) if units else np.zeros((0, 384), np.float32)


def ingest(paths: list[Path], settings: Settings, embedder: Embedder | None = None, show_progress: bool = True,
           log=print) -> IngestReport:
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
    docs, units = read_corpus(files, lexicon, report, show_progress, log)
    report.files, report.units = len(docs), len(units)
    if not docs:
        report.errors.append("no readable article among the given paths; the previous index (if any) is kept")
        log(f"error: {report.errors[-1]}")
        report.seconds = time.perf_counter() - start
        return report

    previous = PreviousIndex.load(settings)
    signature = _corpus_signature(docs, lexicon_path, settings.embedder)
    if previous.manifest.get("signature") == signature and not report.errors:
        report.up_to_date, report.generation, report.reused = True, previous.generation, len(units)
        report.seconds = time.perf_counter() - start
        return report

    matrix = embed_units(units, previous, settings, embedder, report, show_progress)
    generation = new_generation_name()
    remove_stale_generations(settings)  # leftovers of a crashed ingest
    manifest = {"generation": generation, "collection": collection_name(settings, generation),
                "embedder": settings.embedder, "signature": signature, "pipeline_version": PIPELINE_VERSION,
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "files": len(docs), "units": len(units),
                "skipped": report.skipped, "errors": report.errors}
    write_generation(settings, generation, manifest, docs, units, matrix)
    publish(settings, generation)
    report.generation = generation
    report.seconds = time.perf_counter() - start
    return report


def _corpus_signature(docs: list[dict], lexicon_path: Path, embedder: str) -> str:
    h = hashlib.sha256()
    h.update(f"v{PIPELINE_VERSION}|{embedder}|".encode())
    h.update(lexicon_path.read_bytes())
    for d in sorted(docs, key=lambda d: d["source"]):
        h.update(f'{d["source"]}:{d["sha256"]}|'.encode())
    return h.hexdigest()
