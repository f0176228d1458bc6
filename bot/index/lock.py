"""One writer at a time: an exclusive lock on `index/ingest.lock`, held for the whole ingest.

A second ingest either exits at once with a message naming the holder, or (asked to wait) waits for
it. The lock is the kernel's (flock): it disappears with the process that held it, so a killed
ingest never leaves a stale lock behind. It guards one data directory on one machine; replicas on
other machines read the index and never write it.
"""

from __future__ import annotations

import json
import os
import socket
import time
from contextlib import contextmanager
from typing import IO, Callable, Iterator

from bot.core.errors import IngestBusy
from bot.core.files import file_lock
from bot.core.private import DIR_MODE, private_dir
from bot.core.settings import Settings
from bot.index.layout import index_root


def _holder(fh: IO[str]) -> str:
    fh.seek(0)
    try:
        info = json.loads(fh.read() or "{}")
    except ValueError:
        info = {}
    if not info:
        return "another ingest"
    return f"ingest pid {info.get('pid')} on {info.get('host')} since {info.get('started')}"


@contextmanager
def ingest_lock(
    settings: Settings, wait: bool = False, on_wait: Callable[[str], None] = lambda m: None
) -> Iterator[None]:
    root = index_root(settings)
    private_dir(settings.data_dir)  # the first writer may be creating it: 0700 from the start
    root.mkdir(mode=DIR_MODE, exist_ok=True)

    def busy(fh: IO[str]) -> None:
        holder = _holder(fh)
        if not wait:
            raise IngestBusy(
                f"{root / 'ingest.lock'} is held by {holder}: wait for it to finish (or run `licensebot ingest --wait`)"
            )
        on_wait(f"waiting for {holder} to finish …")

    with file_lock(root / "ingest.lock", busy) as fh:
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(
                json.dumps(
                    {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
                )
            )
            fh.flush()
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
