"""What the service reports about the loaded knowledge: the index's status (/healthz, the page, eval)
and its evidence units with what each means (`licensebot kb show`)."""

from __future__ import annotations

from pydantic import BaseModel

from bot.answering.knowledge import Knowledge
from bot.core.text import fold


class Status(BaseModel):
    """What /healthz, the page's sidebar and `licensebot eval` report about the loaded index."""

    generation: str
    articles: int
    units: int  # evidence units: what is searched and quoted
    created: str
    embedder: str
    llm: str | None
    problem: str | None = None  # the index cannot be (re)loaded from disk; the loaded one keeps answering
    warnings: list[str] = []  # rules left unapplied because an article no longer holds their quote


class UnitView(BaseModel):
    """One evidence unit as `licensebot kb show` prints it: what was stored and what it means."""

    id: str
    source: str
    kind: str
    heading: str
    text: str
    licenses: list[str]
    named: bool
    kinds: list[str]
    topic: list[str]
    polarity: dict[str, str]
    similarity: float | None = None


def unit_views(
    k: Knowledge,
    article: str | None = None,
    kind: str | None = None,
    license: str | None = None,
    query: str | None = None,
    limit: int = 20,
) -> list[UnitView]:
    """The evidence units of the index with what each means, filtered; most similar first with `query`."""
    picked = []
    for pos, (unit, meaning) in enumerate(zip(k.index.units, k.meanings)):
        source = k.index.docs[unit.doc_id].source
        if (
            (article and article not in source)
            or (kind and kind not in meaning.kinds)
            or (license and license not in meaning.licenses)
        ):
            continue
        picked.append((pos, unit, meaning, source))
    sims = {}
    if query:
        vector = k.question_vector(fold(query))
        sims = dict(zip([p for p, *_ in picked], k.retriever.similarity(vector, [p for p, *_ in picked]).tolist()))
        picked.sort(key=lambda row: -sims[row[0]])
    return [
        UnitView(
            id=u.id,
            source=src,
            kind=u.kind,
            heading=u.heading,
            text=u.text,
            licenses=list(m.licenses),
            named=m.named,
            kinds=sorted(m.kinds),
            topic=sorted(m.topic),
            polarity=m.polarity,
            similarity=round(sims[p], 3) if query else None,
        )
        for p, u, m, src in picked[:limit]
    ]
