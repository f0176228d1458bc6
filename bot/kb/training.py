"""The labelled training corpus (knowledge/training/*.jsonl; the format is knowledge/training-schema.md,
kept outside training/ so that everything in that folder is training data a test holds apart from eval).

Customer messages written by helper sessions that read only the articles and knowledge/*.yaml:
the teacher's examples from which the learned reader is trained. Loaded through pydantic models so
that a wrong label (a feature, intent, licence or refusal class the knowledge does not define, a
clause that is not a piece of its message) is refused with `file:line: field: problem`, the same
way for `licensebot kb check` and for training. The writer named in HELDOUT is kept for testing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator


class FeatureState(str, Enum):
    present = "present"
    negated = "negated"  # never had it, does not have it, not allowed
    past = "past"  # had it and removed or stopped it
    planned = "planned"  # plans it, or asks "what if"


class Refusal(str, Enum):
    none = "none"
    forgery = "forgery"
    renting = "renting"
    evasion = "evasion"
    unrelated = "unrelated"
    injection = "injection"


Language = Literal["zh-Hans", "zh-Hant", "yue", "en", "mixed"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Clause(_Strict):
    text: str = Field(min_length=1)
    features: dict[str, FeatureState] = Field(default_factory=dict)


class Message(_Strict):
    kind: Literal["message"]
    id: str
    writer: str
    lang: Language
    text: str = Field(min_length=1)
    clauses: list[Clause] = Field(default_factory=list)
    intents: list[str] = Field(min_length=1)
    asks_about: list[str] = Field(default_factory=list)  # licence slugs; not "licenses", an English word questions use
    refusal: Refusal = Refusal.none
    asks_for_person: bool = False

    @model_validator(mode="after")
    def _clauses_are_pieces_of_the_text(self) -> "Message":
        for i, clause in enumerate(self.clauses):
            if clause.text not in self.text:
                raise ValueError(f"clauses.{i}.text is not a verbatim piece of text: {clause.text[:30]!r}")
        return self


class Pair(_Strict):
    kind: Literal["pair"]
    id: str
    writer: str
    lang: Language
    first: str = Field(min_length=1)
    second: str = Field(min_length=1)
    follow_up: bool


Example = Annotated[Union[Message, Pair], Field(discriminator="kind")]
_EXAMPLE = TypeAdapter(Example)


@dataclass(frozen=True)
class Vocabulary:
    """The labels the knowledge defines: a training label outside them is an error."""

    features: frozenset[str]
    intents: frozenset[str]
    licenses: frozenset[str]


@dataclass
class Corpus:
    messages: list[Message] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    problems: list[tuple[Path, int, str]] = field(default_factory=list)  # file, line, "field: problem"
    heldout: frozenset[str] = frozenset()

    def texts(self) -> list[str]:
        return [m.text for m in self.messages] + [t for p in self.pairs for t in (p.first, p.second)]


def label_problems(message: Message, vocabulary: Vocabulary) -> list[str]:
    problems = [f"intents: unknown intent {i!r}" for i in message.intents if i not in vocabulary.intents]
    problems += [f"asks_about: unknown licence slug {s!r}" for s in message.asks_about if s not in vocabulary.licenses]
    for n, clause in enumerate(message.clauses):
        problems += [
            f"clauses.{n}.features: unknown feature {f!r}" for f in clause.features if f not in vocabulary.features
        ]
    return problems


def _read_line(raw: str) -> Example:
    return _EXAMPLE.validate_python(json.loads(raw))


def load_corpus(folder: Path, vocabulary: Vocabulary) -> Corpus:
    """Every valid example; every invalid line is named in `problems` and left out (the rest still load)."""
    corpus = Corpus()
    heldout_file = folder / "HELDOUT"
    if heldout_file.exists():
        corpus.heldout = frozenset(heldout_file.read_text(encoding="utf-8").split())
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            for number, raw in enumerate(lines, 1):
                where = f"{path}:{number}"

                def problem(message: str) -> None:
                    corpus.problems.append((path, number, message))

                if not raw.strip():
                    continue
                try:
                    example = _read_line(raw)
                except json.JSONDecodeError as exc:
                    problem(f"not JSON: {exc.msg}")
                    continue
                except ValidationError as exc:
                    for error in exc.errors():
                        problem(f"{'.'.join(str(p) for p in error['loc'][1:]) or 'line'}: {error['msg']}")
                    continue
                if example.id in seen:
                    problem(f"id: {example.id!r} is also at {seen[example.id]}")
                    continue
                seen[example.id] = where
                if isinstance(example, Message):
                    bad = label_problems(example, vocabulary)
                    for message in bad:
                        problem(message)
                    if bad:
                        continue
                    corpus.messages.append(example)
                else:
                    corpus.pairs.append(example)
    return corpus


def vocabulary(knowledge_dir: Path) -> Vocabulary:
    """The labels the catalogue and the intent book define today."""
    from bot.kb.catalog import load_catalog
    from bot.kb.intents import load_intents

    catalog = load_catalog(knowledge_dir)
    intents = load_intents(knowledge_dir / "intents.yaml")
    return Vocabulary(
        frozenset(catalog.features), frozenset(i.name for i in intents.intents), frozenset(catalog.licenses)
    )
