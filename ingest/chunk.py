"""Clean article -> chunks small enough to quote, on Chinese sentence boundaries.

A chunk is the retrieval unit (a few sentences of one paragraph, never across paragraphs);
its sentences are the quoting unit. Offsets point into the article's stored text so every
quote can be checked as a verbatim span of it.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field

from ingest.clean import CleanArticle, split_sentences
from bot.core.text import fold

MAX_CHUNK_CHARS = 200
MAX_SENTENCE_CHARS = 150
CLAUSE_BREAK = re.compile(r"(?<=[，,：:])")


@dataclass
class Chunk:
    id: str
    doc_id: str
    text: str
    section: str
    start: int
    end: int
    sentences: list[tuple[int, int]] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """Identifies what gets embedded, so unchanged chunks reuse their vectors."""
        return hashlib.sha256(self.embed_text.encode("utf-8")).hexdigest()[:32]

    @property
    def embed_text(self) -> str:
        return fold(f"{self.section}\n{self.text}" if self.section else self.text)

    def to_dict(self) -> dict:
        return asdict(self)


def _quotable_pieces(sentence: str) -> list[str]:
    """A very long sentence is split at clause boundaries so a quote stays readable."""
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return [sentence]
    pieces, current = [], ""
    for clause in (c for c in CLAUSE_BREAK.split(sentence) if c):
        if current and len(current) + len(clause) > MAX_SENTENCE_CHARS:
            pieces.append(current)
            current = ""
        current += clause
    if current:
        pieces.append(current)
    return pieces


def chunk_article(doc_id: str, article: CleanArticle) -> list[Chunk]:
    chunks: list[Chunk] = []
    offset = 0
    section = ""
    for para in article.paragraphs:
        start_of_para = offset
        offset += len(para.text) + 2  # the "\n\n" joining paragraphs in CleanArticle.text
        if para.heading:
            section = para.text
            continue
        spans: list[tuple[int, int]] = []
        pos = start_of_para
        for sentence in split_sentences(para.text):
            for piece in _quotable_pieces(sentence):
                lead = len(piece) - len(piece.lstrip())
                body = piece.strip()
                if body:
                    spans.append((pos + lead, pos + lead + len(body)))
                pos += len(piece)
        group: list[tuple[int, int]] = []
        for span in spans + [None]:
            if group and (span is None or span[1] - group[0][0] > MAX_CHUNK_CHARS):
                text = article.text[group[0][0]: group[-1][1]]
                chunks.append(Chunk(id=f"{doc_id}#{len(chunks)}", doc_id=doc_id, text=text, section=section,
                                    start=group[0][0], end=group[-1][1], sentences=list(group)))
                group = []
            if span is not None:
                group.append(span)
    return chunks
