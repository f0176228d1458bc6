"""What holds the training corpus and the eval suites apart: two texts "share a run" when 8 consecutive
characters are the same in any of their comparison forms — as written; folded and lower-cased; with Taiwan
and Hong Kong phrasing converted to the mainland's (網路→网络, 通訊→通信, as OpenCC's tw2sp does) and
mainland phrasing to Taiwan's (软件→軟體, 视频→影片, as s2twp does: two texts that differ on the mainland
side can meet on the Taiwan side); and each
of those without spaces and punctuation, and with only its Han characters. Licence names, common English phrasing and a Traditional rewrite of a Simplified question all
count, so what trains never contains a piece of what tests.

`tests/test_training_corpus.py` fails when a training text shares a run with an eval question; the
operator's view (bot/insights/operator.py) refuses to save a question as a training example when it
shares one with an eval question, and as an eval case when it shares one with a training text — one
question cannot both teach the students and test them."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

import opencc

from bot.core.text import fold

RUN = 8

# Punctuation and spaces; everything but Han characters ("我们app会收集" holds the run "我们会收集…"). Not
# letters alone: English words run together across spaces would match by accident ("has on video").
_STRIPS = (re.compile(r"[\W_]+"), re.compile(r"[^\u3400-\u9fff]+"))


@lru_cache(maxsize=1)
def _mainland() -> opencc.OpenCC:
    return opencc.OpenCC("tw2sp")


@lru_cache(maxsize=1)
def _taiwan() -> opencc.OpenCC:
    return opencc.OpenCC("s2twp")


def forms_of(text: str) -> set[str]:
    """Every form a run is looked for in ("ICP許可證吗？", "icp许可证吗?" and "ICP许可证吗" are one run)."""
    folded = fold(text)
    lowered = {
        text.lower(),
        folded.lower(),
        fold(_mainland().convert(text)).lower(),
        fold(_taiwan().convert(text)).lower(),
    }
    forms = {text, folded, *lowered}
    forms |= {"".join(f.split()) for f in forms}
    forms |= {strip.sub("", f) for f in lowered for strip in _STRIPS}
    return {f for f in forms if f}


def runs_of(text: str) -> set[str]:
    return {f[i : i + RUN] for f in forms_of(text) for i in range(len(f) - RUN + 1)}


def shared_runs(questions: list[str], texts: list[str], raw: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(question, the stretch of text it shares a run with) for every question that shares one.

    `raw`: whole files stored beside the texts, keys and labels and all, each compared whole in every
    form: a run may cross from a key into its value ('"text": "Is there' holds "textisthere" once the
    punctuation goes), from one line into the next (two messages' Han characters run together), or lie
    in a label ("voice_chat_room" is "voice chat room"). A reader who counts runs in the file as stored
    finds what this finds, whatever form they compare in."""
    owners: dict[str, list[str]] = {}
    for question in dict.fromkeys(questions):
        for run in runs_of(question):
            owners.setdefault(run, []).append(question)
    found: dict[str, str] = {}
    for document in [*texts, *raw]:
        for form in forms_of(document):
            windows = {form[i : i + RUN] for i in range(len(form) - RUN + 1)}
            for run in windows & owners.keys():
                at = form.index(run)
                for question in owners[run]:
                    found.setdefault(question, form[max(0, at - 20) : at + RUN + 20])
    return [(q, found[q]) for q in dict.fromkeys(questions) if q in found]
