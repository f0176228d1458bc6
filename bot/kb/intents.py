"""What kinds of answer a question can ask for (knowledge/intents.yaml): cue patterns checked in
order, natural wordings for matching by meaning, the kinds of evidence each wants, and how an
answer introduces it."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from bot.core import knowledge_files as kf
from bot.core.yaml_files import load_model
from bot.kb.patterns import compile_patterns


WORDING_SIMILARITY = 0.93  # e5 similarities are compressed: below this a wording is no evidence of an intent


@dataclass(frozen=True)
class Intent:
    name: str
    cues: tuple[re.Pattern[str], ...]
    wordings: tuple[str, ...]
    evidence: tuple[str, ...]
    lead: str
    lead_en: str

    def cued(self, folded_question: str) -> bool:
        return any(p.search(folded_question) for p in self.cues)


@dataclass(frozen=True)
class Figure:
    """A figure a question can ask for (a date, a period) and the evidence kind of units that state one."""

    name: str
    cues: tuple[re.Pattern[str], ...]
    kind: str


@dataclass(frozen=True)
class IntentBook:
    intents: tuple[Intent, ...]  # in cue order
    focus: dict[str, tuple[re.Pattern[str], ...]]
    figures: tuple[Figure, ...] = ()

    def get(self, name: str) -> Intent:
        return next(i for i in self.intents if i.name == name)

    def figure_asked(self, folded_question: str) -> Figure | None:
        """The first figure whose cue fires in the question, or None."""
        return next((f for f in self.figures if any(p.search(folded_question) for p in f.cues)), None)


def load_intents(path: Path, kinds: Collection[str] | None = None) -> IntentBook:
    """`kinds`: the evidence kinds evidence.yaml defines, when the intents are to be checked against them."""
    data = load_model(path, kf.IntentsFile, None if kinds is None else {"kinds": set(kinds)})
    intents = tuple(
        Intent(
            name,
            compile_patterns(e.cues, f"{path}: intents.{name}.cues"),
            tuple(e.wordings),
            tuple(e.evidence),
            e.lead or name,
            e.lead_en or name,
        )
        for name, e in data.intents.items()
    )
    focus = {k: compile_patterns(v, f"{path}: focus.{k}") for k, v in data.focus.items()}
    figures = tuple(
        Figure(name, compile_patterns(e.cues, f"{path}: figures.{name}.cues"), e.kind)
        for name, e in data.figures.items()
    )
    return IntentBook(intents, focus, figures)
