"""Per-user conversation context, so a short follow-up ("那如果只有1对1视频呢？") is read in the
light of the product described before. SQLite in the data directory: it works across worker
processes and restarts, and needs no server. Sessions expire after `session_ttl_s` of silence.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

from bot.core.models import Context
from bot.state.sqlite_file import SQLiteFile


class SessionStore:
    def __init__(self, path: Path, ttl_s: int):
        self.path = path
        self.ttl_s = ttl_s
        self._conn = SQLiteFile(path, ["CREATE TABLE IF NOT EXISTS sessions "
                                       "(id TEXT PRIMARY KEY, features TEXT, licenses TEXT, updated REAL, misses INTEGER DEFAULT 0)"]).conn
        with self._conn() as db:  # a file from before `misses` existed
            if "misses" not in {row[1] for row in db.execute("PRAGMA table_info(sessions)")}:
                db.execute("ALTER TABLE sessions ADD COLUMN misses INTEGER DEFAULT 0")

    def get(self, session_id: str) -> Context:
        row = self._conn().execute("SELECT features, licenses, updated, misses FROM sessions WHERE id=?", (session_id,)).fetchone()
        return self._context(row, time.time())

    def _context(self, row, now: float) -> Context:
        if row is None or now - row[2] > self.ttl_s:
            return Context()
        return Context(features=json.loads(row[0]), licenses=json.loads(row[1]), misses=row[3] or 0)

    def save(self, session_id: str, context: Context) -> None:
        self.update(session_id, lambda _: context)

    def update(self, session_id: str, change: Callable[[Context], Context]) -> Context:
        """Read, change and write one session in one transaction, so that two turns of the same
        conversation answered at once both land (each changes what the other wrote)."""
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT features, licenses, updated, misses FROM sessions WHERE id=?", (session_id,)).fetchone()
            now = time.time()
            changed = change(self._context(row, now))
            db.execute("INSERT OR REPLACE INTO sessions (id, features, licenses, updated, misses) VALUES (?, ?, ?, ?, ?)",
                       (session_id, json.dumps(changed.features), json.dumps(changed.licenses), now, changed.misses))
            db.execute("DELETE FROM sessions WHERE updated < ?", (now - self.ttl_s,))
            db.execute("COMMIT")
            return changed
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def clear(self, session_id: str) -> None:
        with self._conn() as db:
            db.execute("DELETE FROM sessions WHERE id=?", (session_id,))
