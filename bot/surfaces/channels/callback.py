"""What both WeChat callbacks share: the query string WeChat signs, and the two ways a
callback is refused (a request error answered with its status, a configuration error at start-up)."""

from __future__ import annotations

import time
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


def check_window(timestamp: str, window_s: int, now: float | None = None) -> None:
    """A signed callback older or newer than `window_s` seconds is a replay or forged clock: refused
    (403), whatever its signature. 0 turns the check off."""
    if window_s <= 0:
        return
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        raise Rejected(403, "timestamp missing or not a number") from None
    if abs((now if now is not None else time.time()) - sent) > window_s:
        raise Rejected(403, f"timestamp outside the {window_s}-second window")


def masked(user_id: str) -> str:
    """A user's id as logs show it: enough to tell users apart in one incident, not to contact them."""
    return user_id[:4] + "…" if len(user_id) > 4 else "…"
