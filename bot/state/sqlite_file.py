"""One SQLite connection per thread on a WAL-mode file, and one way to write in a transaction: what
the small stores (sessions, channel ledger, question log) need to be safe across FastAPI's worker
threads and uvicorn's worker processes."""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bot.core.errors import StateCorrupt
from bot.core.private import DIR_MODE, private_file

SIDE_FILES = ("-wal", "-shm", "-journal")  # SQLite makes them with the database's mode
PATIENCE_S = 30.0  # as long as a connection's busy timeout


def _patiently(step):
    """Run `step` again while another process holds the lock it needs. Switching a file to WAL can
    fail with "database is locked" at once, without SQLite's busy handler, when several processes
    open a new file together (uvicorn workers starting): that is contention, not a broken file."""
    deadline, pause = time.monotonic() + PATIENCE_S, 0.01
    while True:
        try:
            return step()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause)  # back off, then try again
            pause = min(pause * 2, 0.5)


class SQLiteFile:
    def __init__(self, path: Path, schema: list[str]):
        try:
            path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            private_file(path)  # before SQLite creates it (and its side files) with the umask's mode
            for side in SIDE_FILES:  # left readable by an older version
                private_file(path.with_name(path.name + side), create=False)
        except OSError as exc:
            raise StateCorrupt(
                f"{path}: cannot be created ({exc.strerror or exc}); check the folder's owner and permissions"
            ) from None
        self.path = path
        self._local = threading.local()
        try:
            db = _patiently(self.conn)
            for statement in schema:
                _patiently(lambda: db.execute(statement))
        except sqlite3.DatabaseError as exc:
            raise StateCorrupt(
                f"{path}: not a usable SQLite file ({exc}); move it aside and start again "
                "(a new one is created; its sessions or message ids are lost)"
            ) from None

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=PATIENCE_S, isolation_level=None)  # transactions are explicit
            _patiently(lambda: conn.execute("PRAGMA journal_mode=WAL"))
            self._local.conn = conn
        return conn

    @contextmanager
    def immediate(self) -> Iterator[sqlite3.Connection]:
        """One write transaction taken at once (BEGIN IMMEDIATE), so a read-modify-write in it cannot
        interleave with another process's; committed at the end, rolled back on any error."""
        db = self.conn()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
