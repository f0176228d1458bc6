"""The errors every surface has to translate, defined once.

`NotReady` means the bot cannot answer yet (no index, an index of another embedder, knowledge files
out of step with the articles): HTTP says 503, the CLI exits 2, the page says what to run.
`BadQuestion` means this question cannot be asked (empty, too long): HTTP says 422, WeChat and the
page answer with a polite line. The length rule lives here so that every surface applies the same one.
"""
from __future__ import annotations


class NotReady(RuntimeError):
    """The knowledge base cannot answer until an operator acts; the message says what to run."""


class IndexMissing(NotReady):
    """No ingest has completed in this data directory yet."""


class EmbedderMismatch(NotReady):
    """The index holds vectors of another embedding model than the configured one."""


class KnowledgeError(NotReady, ValueError):
    """A knowledge file is malformed or out of step with the articles; names file, entry and field."""


class BadQuestion(ValueError):
    """A question that cannot be answered as asked; `kind` is "empty" or "too_long"."""

    def __init__(self, kind: str, message: str, limit: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.limit = limit


def checked_question(question: str | None, max_chars: int | None) -> str:
    """The question stripped, or `BadQuestion` when it is empty or over `max_chars` characters."""
    text = (question or "").strip()
    if not text:
        raise BadQuestion("empty", "the question is empty")
    if max_chars is not None and len(text) > max_chars:
        raise BadQuestion("too_long", f"at most {max_chars} characters, got {len(text)}", max_chars)
    return text
