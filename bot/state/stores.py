"""Which backend holds the state: SQLite and a JSON-lines file in the data directory (nothing to
set up), or one Redis shared by every replica when `LICENSEBOT_REDIS_URL` is set."""

from __future__ import annotations

from functools import lru_cache

from bot.core.settings import Settings
from bot.state.feedback import FeedbackLog
from bot.state.ledger import Ledger
from bot.state.question_log import NoLog, QuestionLog
from bot.state.sessions import SessionStore


@lru_cache(maxsize=8)
def _redis(url: str):
    from bot.state.redis_stores import connect

    return connect(url)


def session_store(settings: Settings):
    if settings.redis_url:
        from bot.state.redis_stores import RedisSessionStore

        return RedisSessionStore(_redis(settings.redis_url), settings.redis_prefix, settings.session_ttl_s)
    return SessionStore(settings.data_dir / "sessions.sqlite", settings.session_ttl_s)


def ledger(settings: Settings):
    if settings.redis_url:
        from bot.state.redis_stores import RedisLedger

        return RedisLedger(_redis(settings.redis_url), settings.redis_prefix)
    return Ledger(settings.channel_store_path)


def feedback_log(settings: Settings):
    if settings.redis_url:
        from bot.state.redis_stores import RedisFeedbackLog

        return RedisFeedbackLog(_redis(settings.redis_url), settings.redis_prefix)
    return FeedbackLog(settings.data_dir)


def question_log(settings: Settings):
    if not settings.question_log:
        return NoLog()
    if settings.redis_url:
        from bot.state.redis_stores import RedisQuestionLog

        return RedisQuestionLog(_redis(settings.redis_url), settings.redis_prefix, settings.log_retention_days)
    return QuestionLog(
        settings.question_log_file or settings.data_dir / "questions.sqlite", settings.log_retention_days
    )
