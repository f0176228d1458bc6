"""How a question was read, as the knowledge page's hit test and `POST /v1/debug/ask` show it: the
clauses, product facts with their scores, intent, refusal class, licences, and the units retrieval
ranked. Gathered from what answering computed anyway, so it costs nothing to keep."""

from __future__ import annotations

from bot.answering.knowledge import Knowledge
from bot.answering.retrieve import Hit
from bot.answering.understand import Screened, Understanding
from bot.core.models import Reading, ReadFact, RetrievedUnit
from bot.kb.glossary import Refusal

SHOWN_HITS = 10


def reading_of(
    s: Screened, u: Understanding | None, learned: Refusal | None, hits: list[Hit], knowledge: Knowledge
) -> Reading:
    refusal = s.refusal or learned
    reading = Reading(
        language=s.language,
        refusal=refusal.kind if refusal else None,
        refusal_by=("pattern" if s.refusal else "student") if refusal else None,
        clauses=knowledge.catalog.glossary.wording.clauses(s.folded),
    )
    if u is None:
        return reading
    docs = knowledge.index.docs
    return reading.model_copy(
        update={
            "facts": [
                ReadFact(feature=f.feature, negated=f.negated, matched=f.matched, by=f.by, score=round(f.score, 3))
                for f in u.facts
            ],
            "intent": u.intent.name,
            "intent_by": u.intent.by,
            "intent_score": round(u.intent.similarity, 3),
            "licences": list(u.licenses),
            "topics": list(u.topics),
            "follow_up": u.follow_up,
            "carried_over": list(u.carried_over),
            "retrieved": [
                RetrievedUnit(
                    id=h.unit.id,
                    source=docs[h.unit.doc_id].source,
                    kind=h.unit.kind,
                    text=h.unit.text,
                    score=round(h.score, 4),
                    similarity=round(h.similarity, 4),
                )
                for h in hits[:SHOWN_HITS]
            ],
        }
    )
