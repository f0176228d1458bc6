"""What every HTTP request goes through before a handler sees it: a body limit enforced while the
body arrives (a 20 MB post is refused after its first bytes, never parsed), JSON only where JSON is
expected, and an access log without query strings (WeChat puts openids and signatures there).

Pure ASGI so that nothing is read or parsed on the event loop beyond the limit.
"""

from __future__ import annotations

import json
import logging
import time

log = logging.getLogger("licensebot.access")


def plain_error(path: str, status: int, message: str) -> dict:
    return {"error": message}


async def _send_json(send, status: int, body_of: dict) -> None:
    body = json.dumps(body_of).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """`limits`: path -> most bytes a body may have there (`default` elsewhere); `json_paths`: paths
    whose bodies must be declared JSON (else 415); `error_body(path, status, message)`: the JSON a
    refusal sends there (the OpenAI-style routes answer in OpenAI's error shape)."""

    def __init__(self, app, limits: dict[str, int], default: int, json_paths: set[str], error_body=plain_error):
        self.app, self.limits, self.default, self.json_paths = app, limits, default, json_paths
        self.error_body = error_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, path, status = time.perf_counter(), scope.get("path", ""), {"code": 0}

        async def sending(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            if scope["method"] in ("POST", "PUT", "PATCH"):
                headers = dict(scope.get("headers") or [])
                if path in self.json_paths and not _is_json(headers.get(b"content-type", b"")):
                    return await self._refuse(sending, path, 415, "send the body as application/json")
                limit = self._limit(path)
                declared = headers.get(b"content-length")
                if declared and declared.isdigit() and int(declared) > limit:
                    return await self._refuse(sending, path, 413, f"body over the {limit}-byte limit")
                body = await _read_at_most(receive, limit)
                if body is None:
                    return await self._refuse(sending, path, 413, f"body over the {limit}-byte limit")
                receive = _replay(body, receive)
            await self.app(scope, receive, sending)
        finally:
            log.info("%s %s %s %.0fms", scope["method"], path, status["code"], (time.perf_counter() - started) * 1000)

    def _limit(self, path: str) -> int:
        """The limit of `path`, or of the longest prefix listed with a trailing slash ("/v1/articles/")."""
        if path in self.limits:
            return self.limits[path]
        prefixes = [p for p in self.limits if p.endswith("/") and path.startswith(p)]
        return self.limits[max(prefixes, key=len)] if prefixes else self.default

    async def _refuse(self, send, path: str, status: int, message: str) -> None:
        await _send_json(send, status, self.error_body(path, status, message))


def _is_json(content_type: bytes) -> bool:
    kind = content_type.split(b";")[0].strip().lower()
    return kind == b"application/json" or kind.endswith(b"+json")


async def _read_at_most(receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes `limit` (the rest is never read)."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(parts)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
        if not message.get("more_body"):
            return b"".join(parts)


def _replay(body: bytes, receive_next):
    """The body already read, then whatever the client sends next: a streamed response waits on
    that for the client's disconnect, and must not be told of one that has not happened."""
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return await receive_next()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
