"""Chinese-aware lexical matching: BM25 over character bigrams plus Latin words.

Bigrams need no dictionary, survive Traditional/Simplified differences once folded, and
degrade gracefully on typos (多放通信 still shares 通信 with 多方通信); measured here they beat
jieba words (recall@5 0.87 vs 0.80).

Scores are bm25s's (method "lucene", k1 1.5, b 0.75, the same float32/float64 steps and its top-k
selection), but computed at query time from term frequencies instead of stored per generation:
a stored BM25 score depends on every unit (document frequencies, average length), so one edited
article used to mean rebuilding and reloading the whole index. Here a generation's lexical index is
a shared *base* (term frequencies of many segments, written once by ingest, loaded with np.load)
plus the few segments added since, with the base's units of removed segments masked out; ingest
writes a new base only when those differences grow past a tenth of the corpus (bot/index/writer.py).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from bm25s.selection import topk

from bot.core.text import fold

_RUNS = re.compile(r"[\u3400-\u9fff]+|[a-z0-9][a-z0-9.+-]*")
K1, B = 1.5, 0.75  # bm25s.BM25() defaults
EMPTY = "∅"  # an empty unit is indexed as this one token (as before: bm25s needs one)


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    for run in _RUNS.findall(fold(text)):
        if run[0] >= "\u3400":
            tokens.extend([run[i : i + 2] for i in range(len(run) - 1)] if len(run) > 1 else [run])
        else:
            tokens.append(run.strip(".+-") or run)
    return tokens


@dataclass
class Postings:
    """Term frequencies of some units, term-major: the units holding term t are
    units[indptr[t]:indptr[t + 1]], with their counts in tf; lengths[u] is unit u's token count."""

    vocab: dict[str, int]
    indptr: np.ndarray  # int64, one more than the vocabulary
    units: np.ndarray  # int32
    tf: np.ndarray  # uint16
    lengths: np.ndarray  # int32, one per unit

    @classmethod
    def from_tokens(cls, tokens: list[list[str]]) -> "Postings":
        vocab: dict[str, int] = {}
        terms: list[int] = []
        units: list[int] = []
        counts: list[int] = []
        for unit, words in enumerate(tokens):
            for term, count in Counter(words or [EMPTY]).items():
                terms.append(vocab.setdefault(term, len(vocab)))
                units.append(unit)
                counts.append(count)
        order = np.argsort(np.asarray(terms, dtype=np.int64), kind="stable")
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(np.asarray(terms, dtype=np.int64), minlength=len(vocab)), out=indptr[1:])
        lengths = np.asarray([len(w) or 1 for w in tokens], dtype=np.int32)
        return cls(
            vocab, indptr, np.asarray(units, dtype=np.int32)[order], np.asarray(counts, dtype=np.uint16)[order], lengths
        )

    def of(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        t = self.vocab.get(term)
        if t is None:
            return _NONE, _NONE
        return self.units[self.indptr[t] : self.indptr[t + 1]], self.tf[self.indptr[t] : self.indptr[t + 1]]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "vocab.json").write_text(json.dumps(list(self.vocab), ensure_ascii=False), encoding="utf-8")
        with open(directory / "postings.npz", "wb") as fh:
            np.savez(fh, indptr=self.indptr, units=self.units, tf=self.tf, lengths=self.lengths)

    @classmethod
    def load(cls, directory: Path) -> "Postings":
        terms = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
        with np.load(directory / "postings.npz", allow_pickle=False) as data:
            return cls({t: i for i, t in enumerate(terms)}, data["indptr"], data["units"], data["tf"], data["lengths"])


_NONE = np.zeros(0, dtype=np.int32)


@dataclass
class Tier:
    """Postings and, for each of their units, its position in the generation (-1: removed)."""

    postings: Postings
    positions: np.ndarray  # int64


class LexicalIndex:
    def __init__(self, tiers: list[Tier]):
        self._tiers = tiers
        alive = [t.positions >= 0 for t in tiers]
        self.size = int(sum(a.sum() for a in alive))
        total = sum(int(t.postings.lengths[a].sum()) for t, a in zip(tiers, alive))
        self._avgdl = np.float64(total) / self.size if self.size else np.float64(1.0)

    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        return cls.from_tokens([tokenize(t) for t in texts])

    @classmethod
    def from_tokens(cls, tokens: list[list[str]]) -> "LexicalIndex":
        """One tier over `tokens`, in order (tokens stored at ingest: nothing is tokenized again)."""
        return cls([Tier(Postings.from_tokens(tokens), np.arange(len(tokens), dtype=np.int64))])

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(positions, tf, lengths) of the live units holding `term`."""
        found = []
        for tier in self._tiers:
            units, tf = tier.postings.of(term)
            if len(units):
                positions = tier.positions[units]
                keep = positions >= 0
                found.append((positions[keep], tf[keep], tier.postings.lengths[units[keep]]))
        if not found:
            return _NONE, _NONE, _NONE
        if len(found) == 1:
            return found[0]
        return tuple(np.concatenate(parts) for parts in zip(*found))  # type: ignore[return-value]

    def knows(self, term: str) -> bool:
        """Whether every bigram of `term` occurs somewhere in the indexed texts: a term that fails
        this is not in the knowledge base at all ("版号", "年检")."""
        tokens = tokenize(term)
        return bool(tokens) and all(len(self._postings(t)[0]) for t in tokens)

    def scores(self, tokens: list[str]) -> np.ndarray:
        """bm25s's scores of every unit for these query tokens (in order, repeats counted), float32."""
        scores = np.zeros(self.size, dtype=np.float32)
        for term in tokens:
            positions, tf, lengths = self._postings(term)
            if not len(positions):
                continue
            df = len(positions)
            idf = np.float32(math.log(1 + (self.size - df + 0.5) / (df + 0.5)))
            tf = tf.astype(np.float32)
            tfc = tf / (K1 * ((1 - B) + B * lengths.astype(np.float64) / self._avgdl) + tf)
            scores[positions] += (idf * tfc).astype(np.float32)
        return scores

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        tokens = tokenize(query)
        if not tokens or self.size == 0:
            return []
        values, docs = topk(self.scores(tokens), k=min(k, self.size), backend="numpy", sorted=True)
        return [(int(d), float(s)) for d, s in zip(np.ravel(docs), np.ravel(values)) if s > 0]
