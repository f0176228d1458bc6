"""Per-user conversation context, so a short follow-up ("那如果只有1对1视频呢？") is read in the
light of the product described before. SQLite in the data directory: it works across worker
processes and restarts, and needs no server. Sessions expire after `session_ttl_s` of silence.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from bot.core.models import Context
from bot.state.sqlite_file import SQLiteFile


class SessionStore:
    def __init__(self, path: Path, ttl_s: int):
        self.path = path
        self.ttl_s = ttl_s
        self._conn = SQLiteFile(path, ["CREATE TABLE IF NOT EXISTS sessions "
                                       "(id TEXT PRIMARY KEY, features TEXT, licenses TEXT, updated REAL)"]).conn

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
