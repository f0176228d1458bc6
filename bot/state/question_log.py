"""Every answer given to a customer, kept for the operator page and `licensebot stats`: what was
asked on which channel, what the bot decided, whether it could answer, how long it took, and the
👍/👎 it got. Users appear only as a salted hash, so the log can be read by staff who must not see
WeChat openids; questions older than the retention leave the log when new ones are written.

SQLite in the data directory by default; `RedisQuestionLog` (bot/state/redis_stores.py) when the
replicas share a Redis.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.core.models import Answer, Mode, Verdict
from bot.state.sqlite_file import SQLiteFile

DAY_S = 86400.0
log = logging.getLogger(__name__)


def user_hash(user: str | None, salt: bytes) -> str:
    """Who asked, as the same opaque value every time for the same user, never the id itself."""
    if not user:
        return ""
    return hmac.new(salt, user.encode(), hashlib.sha256).hexdigest()[:16]


def quote_id(doc_id: str, quote: str) -> str:
    """The same quoted span gets the same id in every answer, so the operator can count them."""
    return f"{doc_id}:{hashlib.sha1(quote.encode()).hexdigest()[:10]}"


@dataclass
class LoggedAnswer:
    channel: str  # page, api, wechat, wecom_kf, cli
    user: str  # user_hash(...) of the surface's user id
    question: str
    verdict: str
    verdicts: dict[str, str]  # licence slug -> status
    intent: str
    mode: str
    unanswered: bool  # "the knowledge base does not say"
    refused: bool
    quotes: list[str]  # unit ids of the cited quotes
    latency_ms: float
    language: str = "zh"
    rating: str | None = None  # up / down, when given
    handed_off: bool = False
    at: float = field(default_factory=time.time)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def of(cls, answer: Answer, channel: str, user: str, latency_ms: float) -> "LoggedAnswer":
        return cls(
            channel=channel,
            user=user,
            question=answer.question,
            verdict=answer.verdict.value,
            verdicts={s.slug: s.status.value for s in answer.licenses},
            intent=answer.intent or "",
            mode=answer.mode.value,
            unanswered=answer.verdict == Verdict.unknown,
            refused=answer.mode == Mode.refusal or answer.verdict == Verdict.out_of_scope,
            quotes=[quote_id(c.doc_id, c.quote) for c in answer.citations],
            latency_ms=round(latency_ms, 1),
            language=answer.language,
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> "LoggedAnswer":
        return cls(**json.loads(raw))


class QuestionLog:
    """The SQLite question log, shared by worker processes (WAL).

    A customer never waits for it: `record` hands the row to one writer thread, which commits
    whatever has queued up in one transaction (under load, dozens of answers per commit) and deletes
    rows past the retention at most once a minute. Reading or changing rows first waits until what
    was recorded before is written."""

    def __init__(self, path: Path, retention_days: int):
        self.retention_s = retention_days * DAY_S
        self._db = SQLiteFile(
            path,
            [
                "CREATE TABLE IF NOT EXISTS answers (id TEXT PRIMARY KEY, at REAL, row TEXT)",
                "CREATE INDEX IF NOT EXISTS answers_at ON answers (at)",
            ],
        )
        self._queue: queue.Queue[LoggedAnswer] = queue.Queue()
        self._pruned = 0.0
        threading.Thread(target=self._write_forever, name="question-log", daemon=True).start()
        atexit.register(self.flush)  # `licensebot chat` ends right after its last answer

    def record(self, entry: LoggedAnswer) -> None:
        self._queue.put(entry)

    def _write_forever(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < 500:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(batch)
            except Exception:  # noqa: BLE001 - a broken log must not stop the next writes
                log.exception("could not write %d answers to the question log %s", len(batch), self._db.path)
            finally:
                for _ in batch:
                    self._queue.task_done()

    def _write(self, batch: list[LoggedAnswer]) -> None:
        with self._db.immediate() as db:
            db.executemany(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?)", [(e.id, e.at, e.to_json()) for e in batch]
            )
            if time.time() - self._pruned > 60:
                db.execute("DELETE FROM answers WHERE at < ?", (time.time() - self.retention_s,))
                self._pruned = time.time()

    def flush(self) -> None:
        """Wait until everything recorded so far is in the file."""
        self._queue.join()

    def update(self, entry_id: str, **changes) -> bool:
        """Set fields of one logged answer (its rating, that it was handed off); False when it left the log."""
        self.flush()
        with self._db.immediate() as db:
            row = db.execute("SELECT row FROM answers WHERE id=?", (entry_id,)).fetchone()
            if row is not None:
                entry = LoggedAnswer.from_json(row[0])
                for key, value in changes.items():
                    setattr(entry, key, value)
                db.execute("UPDATE answers SET row=? WHERE id=?", (entry.to_json(), entry_id))
        return row is not None

    def entries(self, days: float | None = None) -> list[LoggedAnswer]:
        """Oldest first; only the last `days` when given."""
        self.flush()
        since = time.time() - days * DAY_S if days else 0.0
        rows = self._db.conn().execute("SELECT row FROM answers WHERE at >= ? ORDER BY at", (since,)).fetchall()
        return [LoggedAnswer.from_json(r[0]) for r in rows]


class NoLog:
    """LICENSEBOT_QUESTION_LOG=false: nothing is written anywhere."""

    def record(self, entry: LoggedAnswer) -> None:
        pass

    def update(self, entry_id: str, **changes) -> bool:
        return False

    def entries(self, days: float | None = None) -> list[LoggedAnswer]:
        return []
