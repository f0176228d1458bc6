"""The one way out to WeChat's servers: JSON calls with timeouts and a cached access token.

The base URL comes from settings, so tests aim it at a recording server on 127.0.0.1. A call
that fails with an expired/invalid token (40001, 40014, 42001) refreshes the token once and is
retried once; any other error (quota 45009/45047, 45015 outside the 48-hour window, 95018 a
human agent holds a kf session) is raised for the caller to log, never retried in a loop.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Callable

import httpx

from bot.core.redact import REDACTOR

log = logging.getLogger(__name__)
TOKEN_ERRORS = {40001, 40014, 42001}
TOKEN_MARGIN_S = 300


class WeChatApiError(RuntimeError):
    def __init__(self, path: str, errcode: int, errmsg: str):
        super().__init__(f"{path}: errcode {errcode} ({errmsg})")
        self.errcode = errcode


TokenFetcher = Callable[[httpx.Client], tuple[str, int]]


class ApiClient:
    def __init__(self, base_url: str, fetch_token: TokenFetcher, timeout_s: float = 5.0):
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s)
        self._fetch_token = fetch_token
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0

    def token(self, refresh: bool = False) -> str:
        with self._lock:
            if refresh or self._token is None or time.time() >= self._expires:
                self._token, lifetime = self._fetch_token(self._http)
                REDACTOR.remember(self._token)  # it travels in every URL: no log line may show it
                self._expires = time.time() + max(lifetime - TOKEN_MARGIN_S, 60)
            return self._token

    def call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        token = self.token()
        for attempt in (1, 2):
            data = self._post(path, payload, token)
            code = int(data.get("errcode", 0) or 0)
            if code in TOKEN_ERRORS and attempt == 1:
                log.info("%s: access token rejected (%s), refreshing once", path, code)
                token = self.token(refresh=True)
                continue
            if code:
                raise WeChatApiError(path, code, str(data.get("errmsg", "")))
            return data
        raise AssertionError("unreachable")

    def _post(self, path: str, payload: dict[str, Any], token: str) -> dict[str, Any]:
        # WeChat wants UTF-8 text as is, not \\u escapes
        body = json.dumps(payload, ensure_ascii=False).encode()
        response = self._http.post(
            f"/{path}",
            params={"access_token": token},
            content=body,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        return _json(path, response)

    def close(self) -> None:
        self._http.close()


def _json(path: str, response: httpx.Response) -> dict[str, Any]:
    """The reply's JSON; an HTTP error names the path and status only (httpx's own message quotes the
    whole URL, access token or corp secret included)."""
    if response.is_error:
        raise WeChatApiError(path, response.status_code, f"HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise WeChatApiError(path, -1, "reply is not JSON") from None


def _checked(path: str, data: dict[str, Any]) -> tuple[str, int]:
    if data.get("errcode") or "access_token" not in data:
        raise WeChatApiError(path, int(data.get("errcode", -1) or -1), str(data.get("errmsg", "no access_token")))
    return data["access_token"], int(data.get("expires_in", 7200))


def official_account_client(base_url: str, appid: str, secret: str) -> ApiClient:
    """Official Account: `stable_token`, which does not invalidate tokens held by other workers."""

    def fetch(http: httpx.Client) -> tuple[str, int]:
        r = http.post(
            "/cgi-bin/stable_token", json={"grant_type": "client_credential", "appid": appid, "secret": secret}
        )
        return _checked("cgi-bin/stable_token", _json("cgi-bin/stable_token", r))

    return ApiClient(base_url, fetch)


def wecom_client(base_url: str, corpid: str, secret: str) -> ApiClient:
    def fetch(http: httpx.Client) -> tuple[str, int]:
        r = http.get("/cgi-bin/gettoken", params={"corpid": corpid, "corpsecret": secret})
        return _checked("cgi-bin/gettoken", _json("cgi-bin/gettoken", r))

    return ApiClient(base_url, fetch)
