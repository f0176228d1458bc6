"""The question log: every surface's answers recorded with what the operator needs, users only as
salted hashes, ratings joined, old rows dropped, nothing written when it is turned off."""

from __future__ import annotations

import sqlite3
import time

from bot.service import Bot
from bot.state.question_log import DAY_S, LoggedAnswer, QuestionLog, user_hash

VOICE_ROOM = "我的语音聊天房小程序需要多方通信许可证吗？"
OPENID = "oRawOpenId_4f9Qx2Lw"


def private(settings, tmp_path, **updates):
    """The shared index, with this test's own question log."""
    return settings.model_copy(update={"log_salt": "test-salt", **updates}), tmp_path / "questions.sqlite"


def test_an_answer_is_logged_with_channel_hashed_user_verdicts_intent_quotes_and_latency(
    settings, embedder, knowledge, tmp_path
):
    settings, path = private(settings, tmp_path)
    bot = Bot(settings, embedder)
    bot.question_log = QuestionLog(path, settings.log_retention_days)
    turn = bot.turn(VOICE_ROOM, session_id=f"wechat:{OPENID}", channel="wechat", user=OPENID)
    result = turn.answer
    bot.ask("明天北京天气怎么样", channel="api", user="s1")
    bot.ask(VOICE_ROOM)  # no channel (eval, warm-up): not a customer's question
    rows = bot.question_log.entries()
    assert [(r.channel, r.question) for r in rows] == [("wechat", VOICE_ROOM), ("api", "明天北京天气怎么样")]
    first, second = rows
    assert first.user == user_hash(OPENID, b"test-salt") and len(first.user) == 16 and OPENID not in first.to_json()
    assert first.verdicts["multiparty"] == "required" and first.verdict == "required" and first.intent == "verdict"
    assert first.mode == result.mode.value and not first.unanswered and not first.refused
    assert len(first.quotes) == len(result.citations) > 0 and first.latency_ms > 0
    assert second.refused and second.verdict == "out_of_scope"
    assert OPENID.encode() not in path.read_bytes() + path.with_name(path.name + "-wal").read_bytes()
    bot.rate("k1", result, "down", log_id=turn.log_id)
    assert bot.question_log.entries()[0].rating == "down"


def test_rows_past_the_retention_leave_when_new_ones_are_written(tmp_path):
    log = QuestionLog(tmp_path / "q.sqlite", retention_days=7)

    def row(question: str, age_days: float) -> LoggedAnswer:
        return LoggedAnswer(
            channel="page",
            user="",
            question=question,
            verdict="unknown",
            verdicts={},
            intent="other",
            mode="retrieval",
            unanswered=True,
            refused=False,
            quotes=[],
            latency_ms=3.0,
            at=time.time() - age_days * DAY_S,
        )

    log.record(row("八天前", 8))
    log.record(row("六天前", 6))
    log.record(row("今天", 0))
    assert [e.question for e in log.entries()] == ["六天前", "今天"]
    assert [e.question for e in log.entries(days=1)] == ["今天"]


def test_nothing_is_written_when_the_log_is_turned_off(settings, embedder, knowledge, tmp_path):
    off = settings.model_copy(update={"question_log": False, "data_dir": settings.data_dir})
    bot = Bot(off, embedder)
    before = (
        sqlite3.connect(settings.data_dir / "questions.sqlite").execute("SELECT count(*) FROM answers").fetchone()[0]
        if (settings.data_dir / "questions.sqlite").exists()
        else 0
    )
    bot.ask(VOICE_ROOM, channel="page", user="p1")
    after = (
        sqlite3.connect(settings.data_dir / "questions.sqlite").execute("SELECT count(*) FROM answers").fetchone()[0]
        if (settings.data_dir / "questions.sqlite").exists()
        else 0
    )
    assert after == before and bot.question_log.entries() == []


def test_every_surface_says_which_channel_asked(settings, embedder, knowledge, tmp_path, monkeypatch):
    """The HTTP API and the CLI chat pass their channel; WeChat and the page are covered by their tests."""
    from fastapi.testclient import TestClient

    from bot.surfaces.api import create_app

    settings, path = private(settings, tmp_path)
    bot = Bot(settings, embedder)
    bot.question_log = QuestionLog(path, 30)
    with TestClient(create_app(settings, bot)) as client:
        session = client.post("/v1/ask", json={"question": VOICE_ROOM}).json()["session_id"]
        history = [{"role": "user", "content": "我们做语音交友App"}, {"role": "assistant", "content": "…"}]
        messages = [*history, {"role": "user", "content": "那要多久能办下来？"}]
        client.post("/v1/chat/completions", json={"messages": messages, "user": "u-7"}).raise_for_status()
    api, openai = bot.question_log.entries()  # the earlier message read back is not logged again
    assert api.channel == "api" and api.user == user_hash(session, b"test-salt")
    assert (openai.channel, openai.question) == ("openai", "那要多久能办下来？")
    assert openai.user == user_hash("u-7", b"test-salt")


def test_csv_cells_that_a_spreadsheet_would_run_are_text(tmp_path):
    from bot.insights.summary import to_csv

    row = LoggedAnswer(
        channel="api",
        user="",
        question='=HYPERLINK("http://x","点我")',
        verdict="out_of_scope",
        verdicts={},
        intent="other",
        mode="refusal",
        unanswered=False,
        refused=True,
        quotes=[],
        latency_ms=1.0,
    )
    assert "'=HYPERLINK" in to_csv([row]) and "\n=HYPERLINK" not in to_csv([row])
