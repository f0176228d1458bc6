"""The words the bot needs besides licences and features (knowledge/glossary.yaml): English words
for searching Chinese articles, what places a question in the licence domain, the requests that
are refused whatever the articles say, words that carry no content, and how a message is worded."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.core import knowledge_files as kf
from bot.core.yaml_files import load_model
from bot.kb.patterns import compile_patterns
from bot.kb.wording import Wording


@dataclass(frozen=True)
class Refusal:
    kind: str
    reason: str
    reason_en: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass
class Glossary:
    english: dict[str, list[str]] = field(default_factory=dict)
    domain_terms: list[str] = field(default_factory=list)
    context_terms: list[str] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    refusal_guards: tuple[re.Pattern[str], ...] = ()  # asking how to spot or report a wrong: no pattern refusal
    stopwords: list[str] = field(default_factory=list)
    function_characters: str = ""  # a word holding one carries grammar, not content ("我哋", "咗")
    person_requests: list[str] = field(
        default_factory=list
    )  # ways of asking for a person: the person student learns from them too
    licence_names: tuple[re.Pattern[str], ...] = ()  # how a question names a licence (group `name`), case-sensitive
    licence_name_stops: tuple[str, ...] = ()  # words before a licence's name that are not part of it
    enough_asks: tuple[re.Pattern[str], ...] = ()  # asking whether what the user has or plans is enough
    which_asks: tuple[re.Pattern[str], ...] = ()  # asking which licences the product needs, all of them
    held_licences: tuple[re.Pattern[str], ...] = ()  # a licence the user has or is getting (group `held`)
    wording: Wording = field(default_factory=Wording)  # clauses, negation, asking, follow-up marks

    def held(self, folded: str) -> list[str]:
        """The stretches of the (folded) message that name what the user already has or is getting."""
        return [m.group("held") for p in self.held_licences for m in p.finditer(folded) if m.group("held")]

    def refused(self, folded: str) -> Refusal | None:
        """The refusal whose pattern the (folded) message matches, unless it asks how to spot or report
        someone else's wrong (`refusal_guards`): that is left to the refusal student."""
        refusal = next((r for r in self.refusals if any(p.search(folded) for p in r.patterns)), None)
        if refusal is not None and any(p.search(folded) for p in self.refusal_guards):
            return None
        return refusal


def load_glossary(path: Path) -> Glossary:
    data = load_model(path, kf.GlossaryFile, optional=True)
    where = f"{path}: refusals"
    return Glossary(
        english={k: list(v) for k, v in data.english.items()},
        domain_terms=list(data.domain_terms),
        context_terms=list(data.context_terms),
        refusals=[
            Refusal(kind, e.reason, e.reason_en or e.reason, compile_patterns(e.patterns, f"{where}.{kind}.patterns"))
            for kind, e in data.refusals.items()
        ],
        refusal_guards=compile_patterns(data.refusal_guards, f"{path}: refusal_guards"),
        stopwords=list(data.stopwords),
        function_characters=data.function_characters,
        person_requests=list(data.person_requests),
        licence_names=tuple(re.compile(p) for p in data.licence_names),
        licence_name_stops=tuple(sorted(data.licence_name_stops, key=len, reverse=True)),
        enough_asks=compile_patterns(data.enough_asks, f"{path}: enough_asks"),
        which_asks=compile_patterns(data.which_asks, f"{path}: which_asks"),
        held_licences=compile_patterns(data.held_licences, f"{path}: held_licences"),
        wording=Wording.of(data.wording, f"{path}: wording"),
    )
