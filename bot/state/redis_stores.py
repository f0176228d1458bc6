"""The same stores in Redis (sessions, ledger, feedback, question log), for replicas behind a load balancer (`LICENSEBOT_REDIS_URL`).

WeChat delivers one message up to three times, possibly to three replicas: claiming a message is
one `SET NX`, so exactly one replica answers. A user's next message may land on another replica:
sessions are one key each, updated in a WATCH/MULTI transaction so concurrent turns merge as they
do in SQLite. Keys carry a prefix so deployments can share a server; every key expires.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import Callable

from bot.core.models import Context
from bot.state.feedback import Feedback
from bot.state.ledger import HANDOFF_S, KEEP_S
from bot.state.question_log import DAY_S, LoggedAnswer


def connect(url: str):
    import redis

    return redis.Redis.from_url(
        url, decode_responses=True, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30
    )


class RedisSessionStore:
    def __init__(self, client, prefix: str, ttl_s: int):
        self.client, self.prefix, self.ttl_s = client, prefix, ttl_s

    def _key(self, session_id: str) -> str:
        return f"{self.prefix}session:{session_id}"

    @staticmethod
    def _parse(raw: str | None) -> Context:
        if not raw:
            return Context()
        row = json.loads(raw)
        return Context(
            features=row["features"],
            licenses=row["licenses"],
            misses=row.get("misses", 0),
            question=row.get("question", ""),
        )

    def get(self, session_id: str) -> Context:
        return self._parse(self.client.get(self._key(session_id)))

    def save(self, session_id: str, context: Context) -> None:
        self.update(session_id, lambda _: context)

    def update(self, session_id: str, change: Callable[[Context], Context]) -> Context:
        key = self._key(session_id)
        result: dict[str, Context] = {}

        def attempt(pipe) -> None:  # re-run by redis-py when another replica wrote the key meanwhile
            changed = change(self._parse(pipe.get(key)))
            pipe.multi()
            pipe.set(key, json.dumps(asdict(changed)), ex=self.ttl_s)
            result["context"] = changed

        self.client.transaction(attempt, key)
        return result["context"]

    def clear(self, session_id: str) -> None:
        self.client.delete(self._key(session_id))


class RedisLedger:
    def __init__(self, client, prefix: str):
        self.client, self.prefix = client, prefix

    def claim(self, key: str) -> bool:
        return bool(self.client.set(f"{self.prefix}seen:{key}", time.time(), nx=True, ex=KEEP_S))

    def cursor(self, account: str) -> str:
        return self.client.get(f"{self.prefix}cursor:{account}") or ""

    def save_cursor(self, account: str, cursor: str) -> None:
        self.client.set(f"{self.prefix}cursor:{account}", cursor)

    def with_person(self, user: str, within_s: float = HANDOFF_S) -> bool:
        at = self.client.get(f"{self.prefix}handoff:{user}")
        return at is not None and time.time() - float(at) < within_s

    def set_with_person(self, user: str, on: bool) -> None:
        if on:
            self.client.set(f"{self.prefix}handoff:{user}", time.time(), ex=HANDOFF_S)
        else:
            self.client.delete(f"{self.prefix}handoff:{user}")


class RedisFeedbackLog:
    """Latest row per answer key in a hash; the order answers were first rated in a sorted set."""

    def __init__(self, client, prefix: str):
        self.client, self.rows, self.order = client, f"{prefix}feedback:rows", f"{prefix}feedback:order"

    def record(self, feedback: Feedback) -> None:
        pipe = self.client.pipeline()
        pipe.hset(self.rows, feedback.key, json.dumps(asdict(feedback), ensure_ascii=False))
        pipe.zadd(self.order, {feedback.key: time.time()}, nx=True)
        pipe.execute()

    def read_all(self) -> list[dict]:
        keys = self.client.zrange(self.order, 0, -1)
        rows = self.client.hmget(self.rows, keys) if keys else []
        return [json.loads(r) for r in rows if r]


class RedisQuestionLog:
    """Rows in a hash, their times in a sorted set; rows older than the retention leave on each write."""

    def __init__(self, client, prefix: str, retention_days: int):
        self.client, self.rows, self.order = client, f"{prefix}questions:rows", f"{prefix}questions:order"
        self.retention_s = retention_days * DAY_S

    def record(self, entry: LoggedAnswer) -> None:
        old = self.client.zrangebyscore(self.order, 0, time.time() - self.retention_s)
        pipe = self.client.pipeline()
        pipe.hset(self.rows, entry.id, entry.to_json())
        pipe.zadd(self.order, {entry.id: entry.at})
        if old:
            pipe.hdel(self.rows, *old)
            pipe.zrem(self.order, *old)
        pipe.execute()

    def update(self, entry_id: str, **changes) -> bool:
        key = self.rows
        found: dict[str, bool] = {}

        def attempt(pipe) -> None:
            raw = pipe.hget(key, entry_id)
            found["row"] = raw is not None
            pipe.multi()
            if raw is not None:
                entry = LoggedAnswer.from_json(raw)
                for name, value in changes.items():
                    setattr(entry, name, value)
                pipe.hset(key, entry_id, entry.to_json())

        self.client.transaction(attempt, key)
        return found["row"]

    def entries(self, days: float | None = None) -> list[LoggedAnswer]:
        since = time.time() - days * DAY_S if days else 0
        ids = self.client.zrangebyscore(self.order, since, "+inf")
        rows = self.client.hmget(self.rows, ids) if ids else []
        return [LoggedAnswer.from_json(r) for r in rows if r]
