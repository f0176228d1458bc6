"""Where a serving process's log lines go, scrubbed of secrets (bot/core/redact.py).

One handler on the root logger carries the redacting filter; uvicorn is told not to configure
logging of its own (`log_config=None`), so its lines, the HTTP client's request lines and every
traceback pass through the same handler. Worker processes started by `--workers N` configure
themselves the same way when the app is built (`create_app` as a factory)."""

from __future__ import annotations

import logging
import sys

from bot.core.redact import REDACTOR, RedactingFilter
from bot.core.settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(settings: Settings, level: int = logging.INFO) -> None:
    """Idempotent; handlers someone else installed (a test runner's) get the filter too."""
    REDACTOR.remember(*settings.secret_values())
    root = logging.getLogger()
    if not root.handlers:
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(console)
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    root.setLevel(level)
