"""From retrieved chunks to the sentences worth quoting, and whether they answer the question.

The answer may only state what a quote supports, so the unit here is the sentence (a span of
the stored article text). Questions in the article ("是否也需要…？") and fragments are never
quoted: they assert nothing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from bot.answering.retrieve import Hit
from bot.answering.understand import QUANTITY_CUES, Understanding
from bot.core.text import fold
from bot.index.lexical import tokenize

MIN_QUOTE_CHARS = 8


@dataclass
class Candidate:
    doc_id: str
    start: int
    end: int
    text: str
    score: float
    section: str = ""


def candidate_sentences(hits: list[Hit], u: Understanding, docs: dict[str, dict], per_chunk: int = 2) -> list[Candidate]:
    query = set(tokenize(f"{u.question} {u.expansion}"))
    out: list[Candidate] = []
    for rank, hit in enumerate(hits):
        text = docs[hit.chunk["doc_id"]]["text"]
        scored = []
        for start, end in hit.chunk["sentences"]:
            sentence = text[start:end]
            if len(sentence) < MIN_QUOTE_CHARS or sentence.rstrip().endswith(("?", "？")):
                continue
            overlap = len(query & set(tokenize(sentence)))
            scored.append(Candidate(hit.chunk["doc_id"], start, end, sentence,
                                    overlap / math.sqrt(len(sentence)) + 3.0 / (rank + 3), hit.chunk.get("section", "")))
        scored.sort(key=lambda c: -c.score)
        out.extend(scored[:per_chunk])
    return sorted(out, key=lambda c: -c.score)


def term_covered(term: str, text: str) -> bool:
    return any(alt and alt in text for alt in term.split("|"))


MIN_COVERAGE = 0.5


def answers_question(u: Understanding, sentences: list[Candidate], license_aliases: list[str] = ()) -> tuple[bool, list[Candidate]]:
    """Keep the sentences that address the question's content words; decide if that is enough.

    At least half of the content words must be addressed by the kept sentences (or the section
    heading they stand under: "以下几个好处:" heads a list whose items never say 好处). A
    question for a price or a duration needs a sentence that states one: registered capital in
    元 is not an answer to "how much does it cost". A question with no content words beyond a
    licence name needs sentences that name that licence.
    """
    folded = [(c, fold(c.text), fold(f"{c.section} {c.text}")) for c in sentences]
    if u.quantity:
        pattern = QUANTITY_CUES[u.quantity][1]
        folded = [(c, f, w) for c, f, w in folded if pattern.search(f)]
        if not folded:
            return False, []
    terms = u.content_terms
    if not terms and u.quantity:
        return True, [c for c, _, _ in folded]
    if not terms:
        aliases = [fold(a) for a in license_aliases]
        relevant = [c for c, f, _ in folded if not aliases or any(a in f for a in aliases)]
        return bool(relevant), relevant
    relevant = [(c, w) for c, _, w in folded if any(term_covered(t, w) for t in terms)]
    covered = {t for t in terms if any(term_covered(t, w) for _, w in relevant)}
    return len(covered) >= max(1.0, MIN_COVERAGE * len(terms)), [c for c, _ in relevant]
