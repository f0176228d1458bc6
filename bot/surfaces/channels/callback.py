"""What both WeChat callbacks share: the query string WeChat signs, and the two ways a
callback is refused (a request error answered with its status, a configuration error at start-up)."""
from __future__ import annotations

from dataclasses import dataclass


class Rejected(Exception):
    """A request that must not reach the answerer; the route answers with this status."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class ChannelConfigError(ValueError):
    pass


@dataclass
class CallbackQuery:
    signature: str | None = None
    timestamp: str = ""
    nonce: str = ""
    echostr: str | None = None
    encrypt_type: str | None = None
    msg_signature: str | None = None
