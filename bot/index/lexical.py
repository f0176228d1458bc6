"""Chinese-aware lexical matching: BM25 over character bigrams plus Latin words.

Bigrams need no dictionary, survive Traditional/Simplified differences once folded, and
degrade gracefully on typos (多放通信 still shares 通信 with 多方通信); measured here they beat
jieba words (recall@5 0.87 vs 0.80). bm25s keeps a query near a millisecond at 100k chunks.
"""
from __future__ import annotations

import re
from pathlib import Path

import bm25s
import numpy as np

from bot.core.text import fold

_RUNS = re.compile(r"[\u3400-\u9fff]+|[a-z0-9][a-z0-9.+-]*")


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    for run in _RUNS.findall(fold(text)):
        if run[0] >= "\u3400":
            tokens.extend([run[i:i + 2] for i in range(len(run) - 1)] if len(run) > 1 else [run])
        else:
            tokens.append(run.strip(".+-") or run)
    return tokens


class LexicalIndex:
    def __init__(self, bm25: bm25s.BM25, size: int):
        self._bm25 = bm25
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        return cls.from_tokens([tokenize(t) for t in texts])

    @classmethod
    def from_tokens(cls, tokens: list[list[str]]) -> "LexicalIndex":
        """From tokens stored at ingest: a rebuild after one edited article re-tokenizes nothing."""
        bm25 = bm25s.BM25()
        bm25.index([t or ["∅"] for t in tokens], show_progress=False)
        return cls(bm25, len(tokens))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._bm25.save(str(directory))
        (directory / "size.txt").write_text(str(self.size))

    @classmethod
    def load(cls, directory: Path) -> "LexicalIndex":
        return cls(bm25s.BM25.load(str(directory)), int((directory / "size.txt").read_text()))

    def knows(self, term: str) -> bool:
        """Whether every bigram of `term` occurs somewhere in the indexed texts: a term that fails
        this is not in the knowledge base at all ("版号", "年检")."""
        tokens = tokenize(term)
        return bool(tokens) and all(t in self._bm25.vocab_dict for t in tokens)

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        tokens = tokenize(query)
        if not tokens or self.size == 0:
            return []
        docs, scores = self._bm25.retrieve([tokens], k=min(k, self.size), show_progress=False)
        return [(int(d), float(s)) for d, s in zip(np.ravel(docs), np.ravel(scores)) if s > 0]
