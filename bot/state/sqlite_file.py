"""One SQLite connection per thread on a WAL-mode file: what the small stores (sessions, channel
ledger) need to be safe across FastAPI's worker threads and uvicorn's worker processes."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from bot.core.errors import StateCorrupt


class SQLiteFile:
    def __init__(self, path: Path, schema: list[str]):
        path.parent.mkdir(parents=True, exist_ok=True)
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
