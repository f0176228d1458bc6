"""The Answer contract (docs/CONTRACT.md): the one shape every surface receives, the
conversation context a session keeps, and the one table of how each verdict is named.

Fields are only ever added, never renamed, because eval suites and outside scripts read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple

from pydantic import BaseModel, Field


class Verdict(str, Enum):
    required = "required"
    not_required = "not_required"
    depends = "depends"
    unknown = "unknown"
    out_of_scope = "out_of_scope"


STATUSES = frozenset(v.value for v in Verdict) - {
    Verdict.out_of_scope.value
}  # what a licence can be: a rule, an expectation
VERDICTS = frozenset(v.value for v in Verdict)  # what an answer as a whole can be


class VerdictLabel(NamedTuple):
    """How a verdict is named: in a sentence (`zh`, `en`), on a badge (`badge`) and its colour."""

    zh: str
    en: str
    badge: str
    color: str


VERDICT_LABELS: dict[Verdict, VerdictLabel] = {
    Verdict.required: VerdictLabel("需要", "required", "需要", "red"),
    Verdict.not_required: VerdictLabel("不需要", "not required", "不需要", "green"),
    Verdict.depends: VerdictLabel("视情况而定", "it depends", "视情况", "orange"),
    Verdict.unknown: VerdictLabel("知识库未说明", "the knowledge base does not say", "知识库未覆盖", "gray"),
    Verdict.out_of_scope: VerdictLabel("超出范围", "out of scope", "超出范围", "gray"),
}


class Mode(str, Enum):
    retrieval = "retrieval"
    rules = "rules"
    llm = "llm"
    refusal = "refusal"


class Citation(BaseModel):
    id: int = Field(description="what the answer's [n] markers and licenses[].citations refer to")
    doc_id: str = Field(description="the article in the index")
    title: str = Field(description="the article's title")
    date: str | None = Field(None, description="the article's date, when it gives one")
    source: str = Field(description="the article file")
    quote: str = Field(description="verbatim span of the stored (cleaned) article text")
    score: float = Field(0.0, description="how strongly the quote bears on the question, 0–1")
    context: str = Field("", description="the paragraph around the quote, for highlighting")


class LicenseStatus(BaseModel):
    slug: str = Field(description="the licence's key in knowledge/licenses.yaml")
    name: str = Field(description="its name in the answer's language")
    status: Verdict = Field(description="required, not_required, depends or unknown")
    reason: str = Field(description="why, in one line")
    citations: list[int] = Field(default_factory=list, description="the citations that back it")


class Fact(BaseModel):
    """A product fact read from the question, shown so the user can correct it."""

    feature: str = Field(description="a feature key of knowledge/rules.yaml")
    negated: bool = Field(False, description="the user says the product does not (or no longer) have it")
    planned: bool = Field(
        False,
        description="the user plans it beside what the product has now: counted, its licence is needed before launch",
    )
    matched: str = Field("", description="the user's words the fact was read from")


class Answer(BaseModel):
    question: str = Field(description="the question as asked")
    verdict: Verdict = Field(description="the answer as a whole (see the list above)")
    licenses: list[LicenseStatus] = Field(default_factory=list, description="each licence the question is about")
    answer: str = Field(description="the text shown to the user, with [n] markers")
    citations: list[Citation] = Field(default_factory=list, description="the verbatim quotes the answer relies on")
    mode: Mode = Field(
        description="retrieval (extractive, from quotes), rules (knowledge/rules.yaml decided), "
        "llm (a configured model wrote the text; quotes still checked) or refusal"
    )
    confidence: float = Field(0.0, description="0–1")
    latency_ms: float = Field(0.0, description="time spent answering")
    features: list[str] = Field(default_factory=list, description="product features recognised in the question")
    carried_over: list[str] = Field(
        default_factory=list, description="features taken from earlier turns of the session"
    )
    session_id: str | None = Field(
        None, description="the conversation this answer belongs to (HTTP: send it back to ask a follow-up)"
    )
    intent: str | None = Field(
        None,
        description="verdict, definition, conditions, materials, process, time, cost, penalty, "
        "comparison, authority or other",
    )
    facts: list[Fact] = Field(default_factory=list, description="product facts recognised, negated ones included")
    language: str = Field("zh", description="the language the answer text is written in: zh or en")
    follow_up: bool = Field(False, description="read as a continuation of the conversation (see carried_over)")
    handoff: str | None = Field(
        None,
        description="a chat channel hands the user to a person: 'asked' (the user asked "
        "for one) or 'unanswered' (twice in a row the knowledge base did not say)",
    )


class ReadFact(BaseModel):
    feature: str
    negated: bool
    matched: str = Field(description="the user's words it was read from")
    by: str = Field(description="words (the rules' synonyms) or meaning (the feature student)")
    score: float = Field(description="the feature student's probability; 1 when read from words")


class RetrievedUnit(BaseModel):
    id: str
    source: str
    kind: str
    text: str
    score: float = Field(description="the fused rank score")
    similarity: float = Field(description="cosine similarity to the question")


class Reading(BaseModel):
    """How a question was read before it was answered: what the knowledge page's hit test and
    `POST /v1/debug/ask` show an editor, so a misread is found without reading the code."""

    language: str
    refusal: str | None = Field(None, description="the refusal class, when the message is refused for what it asks")
    refusal_by: str | None = Field(None, description="pattern (glossary.yaml) or student, with its probability")
    clauses: list[str] = Field(default_factory=list, description="the pieces the question was split into")
    facts: list[ReadFact] = Field(default_factory=list)
    intent: str | None = None
    intent_by: str | None = Field(None, description="student, cue, meaning or default")
    intent_score: float = 0.0
    licences: list[str] = Field(default_factory=list, description="licences the question names")
    topics: list[str] = Field(default_factory=list)
    follow_up: bool = False
    carried_over: list[str] = Field(default_factory=list)
    retrieved: list[RetrievedUnit] = Field(default_factory=list, description="the units retrieval ranked, best first")


@dataclass
class Context:
    """What earlier turns of a conversation established, kept per session (bot/state/sessions.py)."""

    features: list[str] = field(default_factory=list)
    licenses: list[str] = field(default_factory=list)
    misses: int = 0  # answers in a row where the knowledge base did not say
    question: str = ""  # the last question answered in it (the follow-up student reads the next beside it)
