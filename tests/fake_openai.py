"""A real OpenAI-compatible HTTP server on 127.0.0.1 for the optional LLM path: each
/v1/chat/completions request is answered from a script (a reply text, a status code, raw bytes,
or "hang" until the test ends), and every request is recorded."""

from __future__ import annotations

import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def completion(text: str, model: str = "fake-model") -> dict:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


class FakeOpenAI:
    def __init__(self):
        self.requests: list[dict] = []
        self.script: deque = deque()
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.requests.append({"path": self.path, "json": json.loads(raw or b"{}")})
                kind, value = owner.script.popleft() if owner.script else ("text", "")
                if kind == "hang":
                    owner.release.wait(30)
                    return
                status, body = {
                    "text": (200, json.dumps(completion(value)).encode()),
                    "status": (value, b'{"error": {"message": "boom"}}'),
                    "raw": (200, value),
                }[kind]
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def reply(self, kind: str, value=None) -> None:
        self.script.append((kind, value))

    def __enter__(self) -> "FakeOpenAI":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
