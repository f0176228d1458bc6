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


class IndexCorrupt(NotReady):
    """A file of the index is missing or unreadable; the message names it and says how to repair."""


class StateCorrupt(NotReady):
    """A state file (sessions, channel ledger) is not a usable SQLite database."""


class IngestBusy(RuntimeError):
    """Another ingest holds the data directory's lock; the message names it."""


class EmbedderMismatch(NotReady):
    """The index holds vectors of another embedding model than the configured one."""


class KnowledgeError(NotReady, ValueError):
    """A knowledge file is malformed or out of step with the articles; names file, entry and field."""


class BadQuestion(ValueError):
    """A question that cannot be answered as asked; `kind` is "empty", "too_long" or "invalid"."""

    def __init__(self, kind: str, message: str, limit: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.limit = limit


def valid_text(value: str) -> bool:
    """Text that can be encoded as UTF-8: a lone surrogate ("\\ud800" in JSON) cannot, and would
    break every step after the edge (OpenCC, SQLite, logging)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def checked_question(question: str | None, max_chars: int | None) -> str:
    """The question stripped, or `BadQuestion` when it is empty, over `max_chars` characters or not
    valid Unicode text."""
    text = (question or "").strip()
    if not valid_text(text):
        raise BadQuestion("invalid", "not valid Unicode text (a lone surrogate?)")
    if not text:
        raise BadQuestion("empty", "the question is empty")
    if max_chars is not None and len(text) > max_chars:
        raise BadQuestion("too_long", f"at most {max_chars} characters, got {len(text)}", max_chars)
    return text


def describe(exc: BaseException) -> str:
    """One line about an exception for an operator: its message, or its type when it has none."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text[:300] or type(exc).__name__
