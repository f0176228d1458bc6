"""Per-user conversation context, so a short follow-up ("那如果只有1对1视频呢？") is read in the
light of the product described before. SQLite in the data directory: it works across worker
processes and restarts, and needs no server. Sessions expire after `session_ttl_s` of silence.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

from bot.answer import Context


class SessionStore:
    def __init__(self, path: Path, ttl_s: int):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.ttl_s = ttl_s
        self._local = threading.local()
        with self._conn() as db:
            db.execute("CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, features TEXT, licenses TEXT, updated REAL)")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
        return conn

    def get(self, session_id: str) -> Context:
        row = self._conn().execute("SELECT features, licenses, updated FROM sessions WHERE id=?", (session_id,)).fetchone()
        if row is None or time.time() - row[2] > self.ttl_s:
            return Context()
        return Context(features=json.loads(row[0]), licenses=json.loads(row[1]))

    def save(self, session_id: str, context: Context) -> None:
        with self._conn() as db:
            db.execute("INSERT OR REPLACE INTO sessions VALUES (?, ?, ?, ?)",
                       (session_id, json.dumps(context.features), json.dumps(context.licenses), time.time()))
            db.execute("DELETE FROM sessions WHERE updated < ?", (time.time() - self.ttl_s,))

    def clear(self, session_id: str) -> None:
        with self._conn() as db:
            db.execute("DELETE FROM sessions WHERE id=?", (session_id,))
