"""What the learned readers see of a text: its frozen e5 query vector beside the TF-IDF of its
character 1–3-grams (of the folded text).

e5 carries meaning across wordings and languages but barely sees a negation ("没有语音房" sits next
to "有语音房"); character n-grams see 不/没/冇/唔/撤了/以前/"used to" as features of their own. The
same analyzer is used to fit (scikit-learn, at training) and to transform (numpy, at run time), so
the run-time reader needs no scikit-learn; a test holds the two transforms equal.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from bot.core.text import fold

NGRAMS = (1, 2, 3)
_SPACES = re.compile(r"\s+")


def analyzer(text: str) -> list[str]:
    """Character 1–3-grams of the folded text, spaces collapsed (a Latin word boundary counts)."""
    folded = _SPACES.sub(" ", fold(text)).strip()
    return [folded[i : i + n] for n in NGRAMS for i in range(len(folded) - n + 1)]


@dataclass
class CharTfidf:
    """A fitted TF-IDF (sublinear tf, L2-normalised rows), as arrays: term -> column, idf."""

    vocabulary: dict[str, int]
    idf: np.ndarray

    @property
    def width(self) -> int:
        return len(self.idf)

    def sparse_row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and values of one text's row (the terms it has in the vocabulary)."""
        counts: dict[int, int] = {}
        for gram in analyzer(text):
            column = self.vocabulary.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        if not counts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        columns = np.fromiter(counts, np.int64, len(counts))
        values = np.asarray([(1.0 + math.log(counts[c])) for c in columns], np.float64) * self.idf[columns]
        return columns, (values / max(float(np.linalg.norm(values)), 1e-12)).astype(np.float32)

    def dense(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.width), np.float32)
        for row, text in enumerate(texts):
            columns, values = self.sparse_row(text)
            out[row, columns] = values
        return out


def combine(vectors: np.ndarray, tfidf: np.ndarray) -> np.ndarray:
    """[e5 | tfidf] rows, both halves unit length, the whole row scaled to unit length."""
    return np.hstack([vectors, tfidf]).astype(np.float32) / math.sqrt(2.0)
