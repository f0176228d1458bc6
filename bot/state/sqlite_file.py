"""One SQLite connection per thread on a WAL-mode file, and one way to write in a transaction: what
the small stores (sessions, channel ledger, question log) need to be safe across FastAPI's worker
threads and uvicorn's worker processes."""
from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bot.core.errors import StateCorrupt
from bot.core.private import DIR_MODE, private_file

SIDE_FILES = ("-wal", "-shm", "-journal")  # SQLite makes them with the database's mode


class SQLiteFile:
    def __init__(self, path: Path, schema: list[str]):
        try:
            path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            private_file(path)  # before SQLite creates it (and its side files) with the umask's mode
            for side in SIDE_FILES:  # left readable by an older version
                private_file(path.with_name(path.name + side), create=False)
        except OSError as exc:
            raise StateCorrupt(f"{path}: cannot be created ({exc.strerror or exc}); check the folder's owner and "
                               "permissions") from None
        self.path = path
        self._local = threading.local()
        try:
            with self.conn() as db:
                for statement in schema:
                    db.execute(statement)
        except sqlite3.DatabaseError as exc:
            raise StateCorrupt(f"{path}: not a usable SQLite file ({exc}); move it aside and start again "
                               "(a new one is created; its sessions or message ids are lost)") from None

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)  # transactions are explicit
            conn.execute("PRAGMA journal_mode=WAL")
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
