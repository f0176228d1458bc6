"""Where a message is cut into the stretches the clause readers look at.

The corpus labels clauses that its writers chose; at run time nobody chooses them, so a message is
cut at punctuation (Chinese and Latin), at line breaks and before a contrast ("但是", "but"): the
pieces a customer writes one fact in. Training uses the writers' clauses as positives and these
pieces, where they overlap no labelled clause, as negatives.
"""

from __future__ import annotations

import re

SPLIT = re.compile(
    r"[，,。；;！!？?\n、～~]+|(?<=[.:：])\s+|\s+(?=(?:but|however|although|and then)\b)|(?=但是|不过|可是)", re.I
)
MIN_CHARS = 2


def segments(text: str) -> list[str]:
    """The pieces of `text`, verbatim, in order (too-short pieces such as "嗯" dropped)."""
    return [p.strip() for p in SPLIT.split(text) if p and len(p.strip()) >= MIN_CHARS]


def negatives(text: str, clauses: list[str]) -> list[str]:
    """Pieces of `text` that overlap none of its labelled clauses: stretches that state no feature."""
    spans = []
    for clause in clauses:
        start = text.find(clause)
        if start >= 0:
            spans.append((start, start + len(clause)))
    out, cursor = [], 0
    for piece in segments(text):
        start = text.find(piece, cursor)
        cursor = max(cursor, start)
        end = start + len(piece)
        if not any(s < end and start < e for s, e in spans):
            out.append(piece)
    return out
