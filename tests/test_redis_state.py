"""The Redis backend of sessions, message ids, kf cursors and feedback, against a real redis-server."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.core.models import Answer, Context, Mode, Verdict
from bot.state.feedback import Feedback
from bot.state.redis_stores import RedisFeedbackLog, RedisLedger, RedisSessionStore, connect
from processes import REDIS, redis_server

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(REDIS is None, reason="redis-server is not installed: `make system` (as root)"),
]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


def test_a_message_is_claimed_once_across_clients(redis_url):
    replicas = [RedisLedger(connect(redis_url), "t1:") for _ in range(3)]
    with ThreadPoolExecutor(9) as pool:
        claims = list(pool.map(lambda i: replicas[i % 3].claim("oa:oUser:777"), range(9)))
    assert claims.count(True) == 1
    assert RedisLedger(connect(redis_url), "t2:").claim("oa:oUser:777")  # another deployment's prefix


def test_cursors_survive_a_new_client(redis_url):
    RedisLedger(connect(redis_url), "t3:").save_cursor("kf1", "c9")
    assert (
        RedisLedger(connect(redis_url), "t3:").cursor("kf1") == "c9"
        and RedisLedger(connect(redis_url), "t3:").cursor("kf2") == ""
    )


def test_concurrent_session_updates_from_several_replicas_all_land(redis_url):
    stores = [RedisSessionStore(connect(redis_url), "t4:", 60) for _ in range(4)]
    features = [f"feature_{i}" for i in range(12)]

    def turn(i: int) -> None:
        stores[i % 4].update(
            "wechat:oUser",
            lambda c: Context(features=c.features + [features[i]], licenses=c.licenses, question=f"turn {i}"),
        )

    with ThreadPoolExecutor(12) as pool:
        list(pool.map(turn, range(12)))
    assert sorted(stores[0].get("wechat:oUser").features) == sorted(features)
    assert stores[3].get("wechat:oUser").question.startswith("turn ")  # the last question, for the follow-up student
    assert connect(redis_url).ttl("t4:session:wechat:oUser") > 0  # sessions expire
    stores[1].clear("wechat:oUser")
    assert stores[2].get("wechat:oUser") == Context()


def test_feedback_keeps_the_latest_row_per_answer_in_first_rated_order(redis_url):
    log = RedisFeedbackLog(connect(redis_url), "t5:")
    answer = Answer(question="q", verdict=Verdict.required, answer="a", mode=Mode.rules)
    log.record(Feedback.on("s1:0", answer, "down"))
    log.record(Feedback.on("s2:0", answer, "up"))
    log.record(Feedback.on("s1:0", answer, "down", "引文不对"))
    rows = RedisFeedbackLog(connect(redis_url), "t5:").read_all()
    assert [(r["key"], r["rating"], r["comment"]) for r in rows] == [("s1:0", "down", "引文不对"), ("s2:0", "up", "")]


def test_question_log_in_redis_records_rates_and_forgets_old_rows(redis_url):
    from bot.state.question_log import DAY_S, LoggedAnswer
    from bot.state.redis_stores import RedisQuestionLog

    def entry(question: str, at: float) -> LoggedAnswer:
        return LoggedAnswer(
            channel="wechat",
            user="ab12",
            question=question,
            verdict="unknown",
            verdicts={},
            intent="time",
            mode="retrieval",
            unanswered=True,
            refused=False,
            quotes=[],
            latency_ms=12.0,
            at=at,
        )

    log = RedisQuestionLog(connect(redis_url), "t6:", retention_days=30)
    import time

    old, new = entry("很久以前的问题", time.time() - 31 * DAY_S), entry("EDI要多久", time.time())
    log.record(old)
    log.record(new)  # writing forgets what is past the retention
    other = RedisQuestionLog(connect(redis_url), "t6:", retention_days=30)  # another replica
    assert [e.question for e in other.entries()] == ["EDI要多久"]
    assert other.update(new.id, rating="down") and not other.update(old.id, rating="down")
    assert log.entries(days=1)[0].rating == "down"
