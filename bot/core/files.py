"""Writing a file so that a reader sees the old or the new one, never half of it, and one writer at a
time — the two things every store of licensebot needs (index segments and generations, models, caches,
the operator's suites and training examples).

`atomic_write` writes beside the target under a unique temporary name ("NAME.<random>.tmp", so a
sweep for "*.tmp" finds what a killed writer left), fsyncs it and renames it over the target: after
a crash the target is whole — old or new — and the rename is never ahead of the data on disk.
`file_lock` is the kernel's exclusive lock (flock) on a lock file: it dies with its holder, so a
killed process never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO, Callable, Iterator

from bot.core.faults import crash_point

Content = bytes | str | Callable[[BinaryIO], None]


def atomic_write(path: Path, content: Content, crash: str | None = None) -> None:
    """Replace `path` with `content` (bytes, text as UTF-8, or a function that writes to the open file).
    `crash`: a crash point (bot/core/faults.py) between the fsync and the rename, for the tests that
    kill a writer there."""
    fd, name = tempfile.mkstemp(prefix=f"{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            if callable(content):
                content(out)
            else:
                out.write(content.encode("utf-8") if isinstance(content, str) else content)
            out.flush()
            os.fsync(out.fileno())
        if crash:
            crash_point(crash)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


@contextmanager
def file_lock(path: Path, busy: Callable[[IO[str]], None] | None = None) -> Iterator[IO[str]]:
    """Hold an exclusive lock on `path` (created if missing) for the block; yields the open lock file
    (a holder may write who it is into it). With `busy`, a lock held elsewhere first calls
    `busy(lock_file)` — which may raise to give up — and then waits for it."""
    with open(path, "a+", encoding="utf-8") as fh:
        if busy is not None and not _taken_now(fh):
            busy(fh)  # outside the BlockingIOError: what it raises is the caller's error alone
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # a no-op when taken just now
        try:
            yield fh
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _taken_now(fh: IO[str]) -> bool:
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
