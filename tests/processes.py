"""Real server processes for tests and benchmarks (`chroma run`, `licensebot ui`, `licensebot
serve`): a free port, start in its own process group, wait for the line that says it is listening
(no polling), check its health URL once, stop."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import httpx

BIN = Path(sys.executable).parent
CHROMA = BIN / "chroma"
# What each server prints once it accepts connections.
READY = {
    "chroma": r"listening on address",
    "uvicorn": r"Uvicorn running on",
    "streamlit": r"You can now view",
    "redis": r"Ready to accept connections",
}
REDIS = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Output(threading.Thread):
    """Copies the process's output to its log and sets `ready` at the first line matching `pattern`
    (or when the output ends, i.e. the process died)."""

    def __init__(self, proc: subprocess.Popen, log: Path, pattern: str):
        super().__init__(daemon=True)
        self.proc, self.log, self.pattern = proc, log, re.compile(pattern)
        self.ready = threading.Event()
        self.matched = False
        self.lines: list[str] = []
        self._new_line = threading.Condition()

    def run(self) -> None:
        with self.log.open("w") as out:
            for line in self.proc.stdout:
                out.write(line)
                out.flush()
                with self._new_line:
                    self.lines.append(line)
                    self._new_line.notify_all()
                if not self.matched and self.pattern.search(line):
                    self.matched = True
                    self.ready.set()
        self.ready.set()
        with self._new_line:
            self._new_line.notify_all()

    def wait_for(self, text: str, timeout_s: float = 30) -> str:
        """Everything printed so far, once a line containing `text` has been printed."""
        with self._new_line:
            if not self._new_line.wait_for(
                lambda: any(text in l for l in self.lines) or not self.is_alive(), timeout_s
            ):
                raise TimeoutError(f"the server never printed {text!r}")
            return "".join(self.lines)


@contextmanager
def running(
    command: list[str],
    health_url: str,
    log: Path,
    env: dict | None = None,
    timeout_s: float = 120,
    healthy: Callable[[httpx.Response], bool] = lambda r: r.status_code == 200,
    ready: str = READY["uvicorn"],
) -> Iterator[subprocess.Popen]:
    """Yield the started process once it printed `ready` and `health_url` answers healthily."""
    proc = subprocess.Popen(
        command,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    output = _Output(proc, log, ready)
    proc.output = output  # tests wait on what it prints with proc.output.wait_for(...)
    output.start()
    try:
        if not output.ready.wait(timeout_s) or not output.matched:
            raise RuntimeError(f"{' '.join(command[:2])} did not come up: {log.read_text()[-2000:]}")
        response = httpx.get(health_url, timeout=10)
        if not healthy(response):
            raise RuntimeError(f"{health_url} answered {response.status_code} {response.text[:200]}")
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        output.join(timeout=5)


@contextmanager
def chroma_server(path: Path, timeout_s: float = 90) -> Iterator[int]:
    """A real `chroma run` on 127.0.0.1; yields its port."""
    port = free_port()
    with running(
        [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        f"http://127.0.0.1:{port}/api/v2/heartbeat",
        path.parent / f"chroma-{port}.log",
        {"ANONYMIZED_TELEMETRY": "False"},
        timeout_s,
        ready=READY["chroma"],
    ):
        yield port


@contextmanager
def redis_server(workdir: Path, timeout_s: float = 30) -> Iterator[str]:
    """A real `redis-server` on 127.0.0.1 that keeps nothing on disk; yields its URL."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    proc = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    output = _Output(proc, workdir / f"redis-{port}.log", READY["redis"])
    output.start()
    try:
        if not output.ready.wait(timeout_s) or not output.matched:
            raise RuntimeError(f"redis-server did not come up: {(workdir / f'redis-{port}.log').read_text()[-2000:]}")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        output.join(timeout=5)
