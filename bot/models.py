"""The Answer contract (shared/docs/CONTRACT.md): the one shape every channel receives.

Fields are only ever added, never renamed, because eval suites and outside scripts read them.
"""
from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, Field


class Verdict(str, Enum):
    required = "required"
    not_required = "not_required"
    depends = "depends"
    unknown = "unknown"
    out_of_scope = "out_of_scope"


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
