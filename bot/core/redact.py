"""Secrets never reach a log line, at any level, from any library.

WeChat puts the access token in the query string of every API call, WeCom's `gettoken` puts the
corp secret there too, and an HTTP client logs (and its errors quote) the whole URL. Quieting one
library's logger would leave the next one, or a traceback, to leak them; so every log record is
rendered and scrubbed once, where it is handled: query parameters and JSON fields that carry
credentials or user ids, passwords inside URLs, and every secret value the process knows (the
configured keys and the tokens it obtained at run time).
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"
# Query parameters (`?access_token=…`, `&corpsecret=…`) and JSON fields (`"touser": "…"`) whose value is a
# credential, a signature or a WeChat user id.
_SENSITIVE = (
    r"access_token|secret|corpsecret|appsecret|api_key|apikey|password|passwd|token|signature|msg_signature|"
    r"echostr|openid|touser|external_userid|fromusername|encrypt|session_key|code"
)
_QUERY = re.compile(rf"(?i)([?&;](?:{_SENSITIVE})=)[^&\s'\"#<>]+")
_JSON = re.compile(rf"(?i)(['\"](?:{_SENSITIVE})['\"]\s*:\s*['\"])[^'\"]*")
_URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@/\s]+@")
_MIN_SECRET = 6  # shorter values would mask ordinary words


class Redactor:
    """Masks known secret values and credential-shaped fields in text."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None

    def remember(self, *values: str | None) -> None:
        """Add secret values (configured keys, tokens obtained at run time) that must never be printed."""
        fresh = {v for v in values if v and len(v) >= _MIN_SECRET} - self._values
        if fresh:
            with self._lock:
                self._values |= fresh
                ordered = sorted(self._values, key=len, reverse=True)  # a longer secret containing a shorter one first
                self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def redact(self, text: str) -> str:
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(MASK, text)
        text = _QUERY.sub(rf"\1{MASK}", text)
        text = _JSON.sub(rf"\1{MASK}", text)
        return _URL_PASSWORD.sub(rf"\1{MASK}@", text)


REDACTOR = Redactor()


class RedactingFilter(logging.Filter):
    """Attached to a handler: renders the record's message and traceback once and scrubs both, so the
    handler's formatter only ever sees clean text (whatever logger, library or level it came from)."""

    def __init__(self, redactor: Redactor = REDACTOR):
        super().__init__()
        self.redactor = redactor
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string in someone's log call: show what there is
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = self.redactor.redact(message), None
        if record.exc_info:
            record.exc_text = self.redactor.redact(self._formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True
