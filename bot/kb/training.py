"""The labelled training corpus (knowledge/training/*.jsonl; the format is knowledge/training-schema.md,
kept outside training/ so that everything in that folder is training data a test holds apart from eval).

Customer messages written by helper sessions that read only the articles and knowledge/*.yaml:
the teacher's examples from which the learned reader is trained. Loaded through pydantic models so
that a wrong label (a feature, intent, licence or refusal class the knowledge does not define, a
clause that is not a piece of its message) is refused with `file:line: field: problem`, the same
way for `licensebot kb check` and for training. The writer named in HELDOUT is kept for testing.

The files name labels by their `code` in knowledge/*.yaml (`vroom`, not `voice_chat_room`; `mpc`, not
`multiparty`) and use short keys (`feats`, `about`, `human`, `follows`): a label or key is never 8
characters long, so no eval question ("does my voice chat room need a multi-party license?") shares a
run with a training file read as raw text. Loading decodes the codes: everything past this module sees
the knowledge's own names.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping, Union

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
    # Read and written by the file's short keys (aliases); built in code by either name.
    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True)


class Clause(_Strict):
    text: str = Field(min_length=1)
    features: dict[str, FeatureState] = Field(default_factory=dict, alias="feats")


class Message(_Strict):
    kind: Literal["message"]
    id: str
    writer: str
    lang: Language
    text: str = Field(min_length=1)
    clauses: list[Clause] = Field(default_factory=list)
    intents: list[str] = Field(min_length=1)
    asks_about: list[str] = Field(default_factory=list, alias="about")  # licence slugs
    refusal: Refusal = Refusal.none
    asks_for_person: bool = Field(False, alias="human")

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
    follow_up: bool = Field(alias="follows")


Example = Annotated[Union[Message, Pair], Field(discriminator="kind")]
_EXAMPLE = TypeAdapter(Example)


# The label kinds a training line names, with where in knowledge/ each is defined.
KINDS = {
    "feature": "rules.yaml features",
    "intent": "intents.yaml intents",
    "licence": "licenses.yaml licenses",
    "refusal": "glossary.yaml refusals",
}


@dataclass(frozen=True)
class Vocabulary:
    """The labels the knowledge defines (a training label outside them is an error) and the code each
    is written as in knowledge/training/ (kind -> code -> name)."""

    features: frozenset[str]
    intents: frozenset[str]
    licenses: frozenset[str]
    codes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    problems: tuple[str, ...] = ()  # an entry without a usable code, or two entries sharing one

    def decode(self, kind: str, code: object) -> str | None:
        return self.codes.get(kind, {}).get(code) if isinstance(code, str) else None

    def encode(self, kind: str, name: str) -> str:
        return next(c for c, n in self.codes[kind].items() if n == name)


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


def decode(data: Any, vocabulary: Vocabulary) -> tuple[Any, list[str]]:
    """A line's labels turned from codes into the knowledge's names, and a problem for each unknown code.
    Anything not shaped like a label is left for the model's validation to name."""
    if not isinstance(data, dict) or data.get("kind") != "message":
        return data, []
    out = dict(data)
    problems: list[str] = []

    def name(kind: str, where: str, code: object) -> object:
        found = vocabulary.decode(kind, code)
        if found is None:
            known = ", ".join(sorted(vocabulary.codes.get(kind, {})))
            problems.append(f"{where}: unknown {kind} code {code!r} (knowledge/{KINDS.get(kind, kind)}: {known})")
        return found

    for key, kind in (("intents", "intent"), ("about", "licence")):
        if isinstance(data.get(key), list):
            out[key] = [name(kind, f"{key}.{i}", c) for i, c in enumerate(data[key])]
    if "refusal" in data:
        out["refusal"] = name("refusal", "refusal", data["refusal"])
    if isinstance(data.get("clauses"), list):
        out["clauses"] = [_decode_clause(c, f"clauses.{i}.feats", name) for i, c in enumerate(data["clauses"])]
    return out, problems


def _decode_clause(clause: Any, where: str, name: Any) -> Any:
    if not isinstance(clause, dict) or not isinstance(clause.get("feats"), dict):
        return clause
    return {**clause, "feats": {name("feature", where, code): state for code, state in clause["feats"].items()}}


def encode(example: Message | Pair, vocabulary: Vocabulary) -> dict[str, Any]:
    """The line a file stores for `example`: short keys, labels by code."""
    data: dict[str, Any] = example.model_dump(mode="json", by_alias=True)
    if isinstance(example, Message):
        data["intents"] = [vocabulary.encode("intent", i) for i in example.intents]
        data["about"] = [vocabulary.encode("licence", s) for s in example.asks_about]
        data["refusal"] = vocabulary.encode("refusal", example.refusal.value)
        for clause in data["clauses"]:
            clause["feats"] = {vocabulary.encode("feature", f): s for f, s in clause["feats"].items()}
    return data


def load_corpus(folder: Path, vocabulary: Vocabulary) -> Corpus:
    """Every valid example; every invalid line is named in `problems` and left out (the rest still load)."""
    corpus = Corpus()
    heldout_file = folder / "HELDOUT"
    if heldout_file.exists():
        corpus.heldout = frozenset(heldout_file.read_text(encoding="utf-8").split())
    corpus.problems += [(folder, 0, problem) for problem in vocabulary.problems]
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
                    data, unknown = decode(json.loads(raw), vocabulary)
                except json.JSONDecodeError as exc:
                    problem(f"not JSON: {exc.msg}")
                    continue
                for message in unknown:
                    problem(message)
                if unknown:
                    continue
                try:
                    example = _EXAMPLE.validate_python(data)
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
    """The labels the catalogue, the intent book and the glossary define today, with their codes."""
    from bot.core import knowledge_files as kf
    from bot.core.yaml_files import load_model

    licences = load_model(knowledge_dir / "licenses.yaml", kf.LicensesFile).licenses
    rules = load_model(knowledge_dir / "rules.yaml", kf.RulesFile, {"licences": set(licences)})
    intents = load_model(knowledge_dir / "intents.yaml", kf.IntentsFile).intents
    refusals = load_model(knowledge_dir / "glossary.yaml", kf.GlossaryFile).refusals
    entries: dict[str, Mapping[str, Any]] = {
        "feature": rules.features,
        "intent": intents,
        "licence": licences,
        "refusal": {"none": None, **refusals},
    }
    codes: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    for kind, named in entries.items():
        codes[kind] = {}
        for key, entry in named.items():
            code = getattr(entry, "code", None) or key
            where = f"knowledge/{KINDS[kind]}.{key}"
            if not re.fullmatch(kf.CODE_PATTERN, code):
                problems.append(
                    f"{where}: needs a `code:` (2 to 7 lower-case letters or digits) to be named in training files"
                )
            elif code in codes[kind]:
                problems.append(f"{where}: code {code!r} is also the code of {codes[kind][code]!r}")
            else:
                codes[kind][code] = key
    return Vocabulary(frozenset(rules.features), frozenset(intents), frozenset(licences), codes, tuple(problems))
