"""Small helpers shared by the benchmarks: percentiles, a child's peak RSS, tables."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] if ordered else float("nan")


# Linux carries a parent's RSS high-water mark into a forked child across exec, so a child of
# this (model-holding) process would report at least our own peak. A tiny wrapper forks the
# measured command from a fresh, small interpreter and reports that grandchild's ru_maxrss.
_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:])\n"
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(code)\n"
)


def run_measured(command: list[str], env: dict | None = None, stdin: bytes = b"") -> tuple[float, float, bytes]:
    """Run a command in a fresh process; return (wall seconds, its peak RSS in MB, stdout)."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _WRAPPER, rss.name, *command],
            env={**os.environ, **(env or {})},
            input=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - started
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} exited {done.returncode}")
        return wall, int(rss.read() or 0) / 1024, done.stdout


def table(headers: list[str], rows: list[list]) -> str:
    def cell(v) -> str:
        return "—" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
