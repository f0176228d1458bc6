"""A real HTTP server on 127.0.0.1 standing in for api.weixin.qq.com / qyapi.weixin.qq.com:
it records every request and answers from a script, so the outbound client is exercised over
real sockets rather than through a patched function."""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class RecordingServer:
    def __init__(self):
        self.requests: list[dict] = []
        self.script: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                record = {
                    "method": self.command,
                    "path": url.path,
                    "query": {k: v[0] for k, v in parse_qs(url.query).items()},
                    "json": json.loads(raw) if raw else None,
                    "raw": raw,
                }
                with owner._arrived:
                    owner.requests.append(record)
                    queued = owner.script[url.path]
                    reply = queued.popleft() if queued else owner.default(url.path)
                    owner._arrived.notify_all()
                body = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.tokens_issued = 0

    def default(self, path: str) -> dict:
        if path in ("/cgi-bin/stable_token", "/cgi-bin/gettoken"):
            self.tokens_issued += 1
            return {"errcode": 0, "access_token": f"TOKEN{self.tokens_issued}", "expires_in": 7200}
        return {"errcode": 0, "errmsg": "ok"}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def on(self, path: str, *replies: dict) -> None:
        self.script[path].extend(replies)

    def calls(self, path: str) -> list[dict]:
        with self._lock:
            return [r for r in self.requests if r["path"] == path]

    def wait_for(self, path: str, count: int, timeout: float = 20.0) -> list[dict]:
        """Block until `count` requests to `path` have arrived (or `timeout`), woken by each arrival."""
        with self._arrived:
            self._arrived.wait_for(lambda: sum(r["path"] == path for r in self.requests) >= count, timeout)
            return [r for r in self.requests if r["path"] == path]

    def __enter__(self) -> "RecordingServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
