"""The Answer contract (shared/docs/CONTRACT.md): the one shape every surface receives, the
conversation context a session keeps, and the one table of how each verdict is named.

Fields are only ever added, never renamed, because eval suites and outside scripts read them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple

from pydantic import BaseModel, Field, PrivateAttr


class Verdict(str, Enum):
    required = "required"
    not_required = "not_required"
    depends = "depends"
    unknown = "unknown"
    out_of_scope = "out_of_scope"


STATUSES = frozenset(v.value for v in Verdict) - {Verdict.out_of_scope.value}  # what a licence can be: a rule, an expectation
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
    id: int
    doc_id: str
    title: str
    date: str | None = None
    source: str
    quote: str = Field(description="verbatim span of the stored (cleaned) article text")
    score: float = 0.0
    context: str = Field("", description="the paragraph around the quote, for highlighting")


class LicenseStatus(BaseModel):
    slug: str
    name: str
    status: Verdict
    reason: str
    citations: list[int] = Field(default_factory=list)


class Fact(BaseModel):
    """A product fact read from the question, shown so the user can correct it."""

    feature: str
    negated: bool = False
    matched: str = Field("", description="the user's words the fact was read from")


class Answer(BaseModel):
    question: str
    verdict: Verdict
    licenses: list[LicenseStatus] = Field(default_factory=list)
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    mode: Mode
    confidence: float = 0.0
    latency_ms: float = 0.0
    features: list[str] = Field(default_factory=list, description="product features recognised in the question")
    carried_over: list[str] = Field(default_factory=list, description="features taken from earlier turns of the session")
    session_id: str | None = None
    intent: str | None = Field(None, description="verdict, definition, conditions, materials, process, time, cost, penalty, "
                                                 "comparison, authority or other")
    facts: list[Fact] = Field(default_factory=list, description="product facts recognised, negated ones included")
    language: str = Field("zh", description="the language the answer text is written in: zh or en")
    follow_up: bool = Field(False, description="read as a continuation of the conversation (see carried_over)")
    handoff: str | None = Field(None, description="a chat channel hands the user to a person: 'asked' (the user asked "
                                                  "for one) or 'unanswered' (twice in a row the knowledge base did not say)")
    _asked: list[str] = PrivateAttr(default_factory=list)  # licences the question was about, for the session
    _log_id: str | None = PrivateAttr(default=None)  # this answer's row in the question log, for its rating


@dataclass
class Context:
    """What earlier turns of a conversation established, kept per session (bot/state/sessions.py)."""

    features: list[str] = field(default_factory=list)
    licenses: list[str] = field(default_factory=list)
    misses: int = 0  # answers in a row where the knowledge base did not say
    question: str = ""  # the last question answered in it (the follow-up student reads the next beside it)
