"""What holds the training corpus and the eval suites apart: two texts "share a run" when 8 consecutive
characters are the same in any of their comparison forms — as written; folded and lower-cased; with Taiwan
and Hong Kong phrasing converted to the mainland's (網路→网络, 通訊→通信, as OpenCC's tw2sp does); and each
of those without spaces and punctuation, and with only its Han characters. Licence names, common English phrasing and a Traditional rewrite of a Simplified question all
count, so what trains never contains a piece of what tests.

`tests/test_training_corpus.py` fails when a training text shares a run with an eval question; the
operator's view (bot/insights/operator.py) refuses to save a question as a training example when it
shares one with an eval question, and as an eval case when it shares one with a training text — one
question cannot both teach the students and test them."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Iterable, Iterator

import opencc

from bot.core.text import fold

RUN = 8

# Punctuation and spaces; everything but Han characters ("我们app会收集" holds the run "我们会收集…"). Not
# letters alone: English words run together across spaces would match by accident ("has on video").
_STRIPS = (re.compile(r"[\W_]+"), re.compile(r"[^\u3400-\u9fff]+"))


@lru_cache(maxsize=1)
def _mainland() -> opencc.OpenCC:
    return opencc.OpenCC("tw2sp")


def forms_of(text: str) -> set[str]:
    """Every form a run is looked for in ("ICP許可證吗？", "icp许可证吗?" and "ICP许可证吗" are one run)."""
    folded = fold(text)
    lowered = {text.lower(), folded.lower(), fold(_mainland().convert(text)).lower()}
    forms = {text, folded, *lowered}
    forms |= {"".join(f.split()) for f in forms}
    forms |= {strip.sub("", f) for f in lowered for strip in _STRIPS}
    return {f for f in forms if f}


def runs_of(text: str) -> set[str]:
    return {f[i : i + RUN] for f in forms_of(text) for i in range(len(f) - RUN + 1)}


def shared_runs(questions: list[str], texts: list[str], raw: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(question, a text it shares a run with) for every question that shares one. `raw`: whole files
    stored beside the texts, keys and labels and all. Each key and each value of a JSON line (or each
    line that is not JSON) is compared in every form, as the texts are ("voice_chat_room" is "voice chat
    room" once the underscores go; a label "multiparty" is the question's "multi-party"); and the whole
    file as written and lower-cased, for anything between them. Not a line run together across its
    fields: '"text": "Is there…"' would then hold "tisthere", a piece of "What is the registered…" that
    no one wrote."""
    documents = list(raw)
    runs: dict[str, str] = {}
    for text in dict.fromkeys([*texts, *(piece for document in documents for piece in pieces_of(document))]):
        for run in runs_of(text):
            runs.setdefault(run, text)
    found: dict[str, str] = {}
    for question in questions:
        hit = next((runs[r] for r in runs_of(question) if r in runs), None)
        if hit is not None:
            found[question] = hit
    literal = {run: q for q in questions if q not in found for run in _literal_runs(q)}
    for document in documents:
        for form in {document, document.lower()}:
            for i in range(len(form) - RUN + 1):
                owner = literal.get(form[i : i + RUN])
                if owner is not None and owner not in found:
                    found[owner] = form[max(0, i - 20) : i + RUN + 20]
    return [(q, found[q]) for q in questions if q in found]


def pieces_of(document: str) -> Iterator[str]:
    """Every string a file holds: each key and value of a JSON line, or the line itself."""
    for line in document.splitlines():
        try:
            yield from _strings(json.loads(line))
        except ValueError:
            yield line


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _literal_runs(text: str) -> set[str]:
    return {form[i : i + RUN] for form in {text, text.lower()} for i in range(len(form) - RUN + 1)}
