"""The articles as an editor manages them: list, look inside, upload, replace, delete.

Uploaded files live in `settings.uploads_path` (in the data dir, not the package), and an uploaded
file with the name of a shipped article replaces it (ingest.read.corpus_paths). Each change is
checked first (bot/editing/uploads.py), written atomically, then applied by an ingest of the whole
corpus, which only processes what changed; the bot reloads before the call returns, so the new
article is answerable when the caller hears back. One change at a time per process (and the
ingest lock across processes).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from bot.core.files import atomic_write
from bot.core.settings import REPO_ROOT
from bot.editing.meanings import unit_meanings
from bot.editing.uploads import UploadRejected, checked_article, checked_name
from bot.index.units import Doc
from bot.kb.check import quote_problems
from bot.service import Bot, UnitView
from ingest.pipeline import doc_id_for, ingest
from ingest.read import corpus_paths, find_articles

log = logging.getLogger(__name__)
Progress = Callable[[float, str], object]


class ArticleItem(BaseModel):
    id: str = Field(description="the article's id (stable while its file keeps its name)")
    title: str
    date: str | None
    source: str = Field(description="the file, as answers cite it")
    units: int = Field(description="evidence units ingest cut it into")
    licences: list[str] = Field(description="licences its units name")
    uploaded: bool = Field(description="uploaded by an editor (else shipped with the package)")
    replaces_shipped: bool = Field(False, description="an upload that replaces the shipped article of its name")
    indexed: str = Field(description="when the index generation holding this version was published")
    status: str = Field(description="ok, or problems")
    problems: list[str] = Field(default_factory=list, description="reading warnings, rule quotes it no longer holds")


class Removed(BaseModel):
    reason: str
    text: str


class ArticleDetail(ArticleItem):
    pieces: list[UnitView] = Field(description="its evidence units as ingest made them")
    removed: list[Removed] = Field(description="what cleaning left out (spam, ads, mojibake), with the reason")
    text: str = Field(description="the article text as stored (what quotes are verbatim spans of)")


def _quiet(fraction: float, text: str) -> None:
    log.debug("%.0f%% %s", fraction * 100, text)


class ArticleDesk:
    def __init__(self, bot: Bot):
        self.bot, self.settings = bot, bot.settings
        self._lock = threading.Lock()

    # reading

    def articles(self) -> list[ArticleItem]:
        k = self.bot.loaded()
        docs = k.index.docs
        flagged = self._problems([docs[p.doc_id] for p in k.index.parts])
        uploads = self._uploads()  # once for the list, not once per article
        return [self._item(p.doc_id, flagged, uploads) for p in k.index.parts]

    def article(self, article_id: str) -> ArticleDetail:
        k = self.bot.loaded()
        doc = k.index.docs.get(article_id)
        if doc is None:
            raise KeyError(article_id)
        item = self._item(article_id, self._problems([doc]))
        pieces = self.bot.units(article=doc.source, limit=100_000)
        removed = [Removed(**d) for d in doc.dropped]
        return ArticleDetail(**item.model_dump(), pieces=pieces, removed=removed, text=doc.text)

    def _item(self, doc_id: str, flagged: dict[str, list[str]], uploads: dict[str, Path] | None = None) -> ArticleItem:
        k = self.bot.loaded()
        doc = k.index.docs[doc_id]
        part = next(p for p in k.index.parts if p.doc_id == doc_id)
        licences = sorted({slug for m in k.meanings[part.start : part.end] for slug in m.licenses})
        uploads = self._uploads() if uploads is None else uploads
        source = doc.source
        problems = flagged.get(source, [])
        return ArticleItem(
            id=doc_id,
            title=doc.title,
            date=doc.date,
            source=source,
            units=part.end - part.start,
            licences=licences,
            uploaded=source in uploads,
            replaces_shipped=source in uploads and (self.settings.articles_dir / Path(source).name).exists(),
            indexed=str(k.index.manifest.get("created", "")),
            status="problems" if problems else "ok",
            problems=problems,
        )

    def _problems(self, docs: list[Doc]) -> dict[str, list[str]]:
        """Per source: warnings ingest gave while reading it, and rule quotes it no longer holds."""
        k = self.bot.loaded()
        out: dict[str, list[str]] = {}
        for doc in docs:
            said = [m for m in k.index.manifest.get("skipped") or [] if str(m).startswith(doc.source + ":")]
            if said:
                out[doc.source] = said
        by_name = {Path(d.source).name: d.source for d in docs}
        for problem in quote_problems(self.settings.knowledge_dir, docs):
            name = next((n for n in by_name if n in problem.message), None)
            if name:
                out.setdefault(by_name[name], []).append(str(problem))
        return out

    def _uploads(self) -> dict[str, Path]:
        """Uploaded files by the source name answers cite them with."""
        folder = self.settings.uploads_path
        return {f.shown: f.path for f in find_articles([folder], REPO_ROOT)} if folder.is_dir() else {}

    # changing

    def add(self, name: str | None, data: bytes, progress: Progress = _quiet) -> ArticleItem:
        name = checked_name(name)
        checked_article(name, data, self.settings.max_upload_bytes, self.settings.knowledge_dir / "cleaning.yaml")
        with self._lock:
            docs = self.bot.loaded().index.docs
            same = next((d for d in docs.values() if Path(d.source).name == name), None)
            if same:
                raise UploadRejected(
                    409, f"{name}: an article of that name exists (id {same.doc_id}); replace it instead"
                )
            self._no_copy(data, docs)
            return self._applied(self.settings.uploads_path / name, data, progress)

    def replace(self, article_id: str, data: bytes, progress: Progress = _quiet) -> ArticleItem:
        with self._lock:
            doc = self._doc(article_id)
            name = Path(doc.source).name
            checked_article(name, data, self.settings.max_upload_bytes, self.settings.knowledge_dir / "cleaning.yaml")
            self._no_copy(data, {k: d for k, d in self.bot.loaded().index.docs.items() if k != article_id})
            return self._applied(self.settings.uploads_path / name, data, progress)

    def delete(self, article_id: str, progress: Progress = _quiet) -> None:
        """An uploaded article goes; an upload that replaced a shipped article gives the shipped one back."""
        with self._lock:
            doc = self._doc(article_id)
            path = self._uploads().get(doc.source)
            if path is None:
                raise UploadRejected(
                    409,
                    f"{doc.source}: shipped with the package; replace it with an upload, or remove it from knowledge/articles",
                )
            self._apply(path, None, progress)

    def _doc(self, article_id: str) -> Doc:
        doc = self.bot.loaded().index.docs.get(article_id)
        if doc is None:
            raise KeyError(article_id)
        return doc

    @staticmethod
    def _no_copy(data: bytes, docs: dict[str, Doc]) -> None:
        sha = hashlib.sha256(data).hexdigest()
        same = next((d for d in docs.values() if d.sha256 == sha), None)
        if same:
            raise UploadRejected(409, f"the same file as article {same.doc_id} ({same.source})")

    def _applied(self, target: Path, data: bytes, progress: Progress) -> ArticleItem:
        """`_apply`, then the article as it is now indexed."""
        self._apply(target, data, progress)
        shown = next(s for s, p in self._uploads().items() if p.name == target.name)
        doc_id = doc_id_for(shown)
        return self._item(doc_id, self._problems([self.bot.knowledge.current().index.docs[doc_id]]))

    def _apply(self, target: Path, data: bytes | None, progress: Progress) -> None:
        """Write (or with None remove) `target`, ingest, reload; on any failure put the file back as it
        was and ingest again, so a failed change changes nothing."""
        before = target.read_bytes() if target.exists() else None
        progress(0.1, "保存文件")
        self._write(target, data)
        try:
            report = self._ingest(progress)
            rejected = [m for m in report.skipped + report.errors if target.name in m]
            if rejected:
                raise UploadRejected(422, rejected[0])
            progress(0.9, "载入新索引")
            self.bot.knowledge.current()  # answerable before the caller hears back
        except BaseException:
            self._write(target, before)
            self._ingest(progress)
            raise
        progress(1.0, "完成")

    def _write(self, target: Path, data: bytes | None) -> None:
        if data is None:
            target.unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, data)

    def _ingest(self, progress: Progress):
        progress(0.3, "建立索引")
        return ingest(
            corpus_paths(self.settings.articles_dir, self.settings.uploads_path),
            self.settings,
            self.bot.loaded().embedder,  # the loaded model: no second copy in memory
            show_progress=False,
            log=log.info,
            wait=True,
            meanings=unit_meanings(self.settings, log.warning),
        )
