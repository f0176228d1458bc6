"""What kinds of answer a question can ask for (knowledge/intents.yaml): cue patterns checked in
order, natural wordings for matching by meaning, the kinds of evidence each wants, and how an
answer introduces it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.core.errors import KnowledgeError
from bot.kb.patterns import compile_patterns
from bot.kb.catalog import load_yaml, str_list


WORDING_SIMILARITY = 0.93  # e5 similarities are compressed: below this a wording is no evidence of an intent


@dataclass(frozen=True)
class Intent:
    name: str
    cues: tuple[re.Pattern, ...]
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
    cues: tuple[re.Pattern, ...]
    kind: str


@dataclass(frozen=True)
class IntentBook:
    intents: tuple[Intent, ...]  # in cue order
    focus: dict[str, tuple[re.Pattern, ...]]
    figures: tuple[Figure, ...] = ()

    def get(self, name: str) -> Intent:
        return next(i for i in self.intents if i.name == name)

    def figure_asked(self, folded_question: str) -> Figure | None:
        """The first figure whose cue fires in the question, or None."""
        return next((f for f in self.figures if any(p.search(folded_question) for p in f.cues)), None)


def load_intents(path: Path) -> IntentBook:
    data = load_yaml(path)
    intents = []
    for name, entry in (data.get("intents") or {}).items():
        where = f"{path}: intents.{name}"
        if not isinstance(entry, dict):
            raise KnowledgeError(f"{where}: expected a mapping")
        intents.append(
            Intent(
                name,
                compile_patterns(entry.get("cues"), f"{where}.cues"),
                str_list(entry.get("wordings"), f"{where}.wordings", False),
                str_list(entry.get("evidence"), f"{where}.evidence", False),
                str(entry.get("lead") or name),
                str(entry.get("lead_en") or name),
            )
        )
    names = {i.name for i in intents}
    if not {"verdict", "other"} <= names:
        raise KnowledgeError(f"{path}: intents must include 'verdict' and 'other'")
    focus = {k: compile_patterns(v, f"{path}: focus.{k}") for k, v in (data.get("focus") or {}).items()}
    figures = []
    for name, entry in (data.get("figures") or {}).items():
        where = f"{path}: figures.{name}"
        if not isinstance(entry, dict) or not isinstance(entry.get("kind"), str):
            raise KnowledgeError(f"{where}: expected a mapping with 'cues' and 'kind'")
        figures.append(Figure(name, compile_patterns(entry.get("cues"), f"{where}.cues"), entry["kind"]))
    return IntentBook(tuple(intents), focus, tuple(figures))
