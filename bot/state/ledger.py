"""What the chat channels must remember across worker processes and restarts: which messages
were already answered (WeChat delivers a slow message three times) and each WeCom kf
account's sync cursor, and which users were handed to a person. A small SQLite file in the data directory; `INSERT OR IGNORE` makes
claiming a message atomic between processes."""

from __future__ import annotations

import time
from pathlib import Path

from bot.state.sqlite_file import SQLiteFile

KEEP_S = 3 * 24 * 3600  # WeChat retries within ~15 s and kf replays within days
HANDOFF_S = 48 * 3600  # a WeCom kf session lasts at most 48 hours


class Ledger:
    def __init__(self, path: Path):
        self.path = path
        self._conn = SQLiteFile(
            path,
            [
                "CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, at REAL)",
                "CREATE TABLE IF NOT EXISTS cursors (account TEXT PRIMARY KEY, cursor TEXT, at REAL)",
                "CREATE TABLE IF NOT EXISTS handoffs (user TEXT PRIMARY KEY, at REAL)",
            ],
        ).conn

    def claim(self, key: str) -> bool:
        """True for the first caller with this key, in any process; False for every repeat."""
        with self._conn() as db:
            now = time.time()
            claimed = db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (key, now)).rowcount == 1
            if claimed:
                db.execute("DELETE FROM seen WHERE at < ?", (now - KEEP_S,))
            return claimed

    def cursor(self, account: str) -> str:
        row = self._conn().execute("SELECT cursor FROM cursors WHERE account=?", (account,)).fetchone()
        return row[0] if row else ""

    def save_cursor(self, account: str, cursor: str) -> None:
        with self._conn() as db:
            db.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?, ?)", (account, cursor, time.time()))

    def with_person(self, user: str, within_s: float = HANDOFF_S) -> bool:
        """Whether this chat user was handed to a person in the last `within_s` seconds."""
        row = self._conn().execute("SELECT at FROM handoffs WHERE user=?", (user,)).fetchone()
        return row is not None and time.time() - row[0] < within_s

    def set_with_person(self, user: str, on: bool) -> None:
        with self._conn() as db:
            if on:
                db.execute("INSERT OR REPLACE INTO handoffs VALUES (?, ?)", (user, time.time()))
                db.execute("DELETE FROM handoffs WHERE at < ?", (time.time() - HANDOFF_S,))
            else:
                db.execute("DELETE FROM handoffs WHERE user=?", (user,))
