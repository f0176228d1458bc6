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


READ = (
    "SELECT s.features, s.licenses, s.updated, m.misses, q.question FROM sessions s "
    "LEFT JOIN session_misses m ON m.id = s.id LEFT JOIN session_questions q ON q.id = s.id WHERE s.id=?"
)


class SessionStore:
    def __init__(self, path: Path, ttl_s: int):
        self.path = path
        self.ttl_s = ttl_s
        # `misses` and the last question have tables of their own: the sessions table keeps the shape
        # older releases write positionally, so a rollback still works on the same file.
        self._db = SQLiteFile(
            path,
            [
                "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, features TEXT, licenses TEXT, updated REAL)",
                "CREATE TABLE IF NOT EXISTS session_misses (id TEXT PRIMARY KEY, misses INTEGER)",
                "CREATE TABLE IF NOT EXISTS session_questions (id TEXT PRIMARY KEY, question TEXT)",
            ],
        )
        self._conn = self._db.conn

    def get(self, session_id: str) -> Context:
        return self._context(self._conn().execute(READ, (session_id,)).fetchone(), time.time())

    def _context(self, row, now: float) -> Context:
        if row is None or now - row[2] > self.ttl_s:
            return Context()
        return Context(
            features=json.loads(row[0]), licenses=json.loads(row[1]), misses=row[3] or 0, question=row[4] or ""
        )

    def save(self, session_id: str, context: Context) -> None:
        self.update(session_id, lambda _: context)

    def update(self, session_id: str, change: Callable[[Context], Context]) -> Context:
        """Read, change and write one session in one transaction, so that two turns of the same
        conversation answered at once both land (each changes what the other wrote)."""
        with self._db.immediate() as db:
            now = time.time()
            changed = change(self._context(db.execute(READ, (session_id,)).fetchone(), now))
            db.execute(
                "INSERT OR REPLACE INTO sessions (id, features, licenses, updated) VALUES (?, ?, ?, ?)",
                (session_id, json.dumps(changed.features), json.dumps(changed.licenses), now),
            )
            db.execute("INSERT OR REPLACE INTO session_misses VALUES (?, ?)", (session_id, changed.misses))
            db.execute("INSERT OR REPLACE INTO session_questions VALUES (?, ?)", (session_id, changed.question))
            for table in ("session_misses", "session_questions"):
                db.execute(
                    f"DELETE FROM {table} WHERE id IN (SELECT id FROM sessions WHERE updated < ?)", (now - self.ttl_s,)
                )
            # rows an older release left behind when it expired or cleared its sessions
            db.execute("DELETE FROM session_questions WHERE id NOT IN (SELECT id FROM sessions)")
            db.execute("DELETE FROM sessions WHERE updated < ?", (now - self.ttl_s,))
        return changed

    def clear(self, session_id: str) -> None:
        with self._conn() as db:
            db.execute("DELETE FROM sessions WHERE id=?", (session_id,))
            db.execute("DELETE FROM session_misses WHERE id=?", (session_id,))
            db.execute("DELETE FROM session_questions WHERE id=?", (session_id,))
