"""What the bot keeps on disk (questions, openids, conversations, keys, the index) is readable by
its own user only: through the `licensebot` command (a umask for everything it and its libraries
create), for a program using the library without that umask (a 0700 data dir, 0600 state files),
and for a data dir an older version left open (tightened, saying so)."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from bot.core.models import Context
from bot.service import Bot
from bot.state import stores
from bot.state.feedback import Feedback
from conftest import make_settings

OPEN_UMASK = 0o022  # the usual default: what the process would get without ours


def readable_by_others(root: Path) -> list[str]:
    """Every file or folder under `root` (itself included) that group or others may use."""
    return [
        f"{stat.S_IMODE(p.lstat().st_mode):04o} {p}"
        for p in [root, *root.rglob("*")]
        if stat.S_IMODE(p.lstat().st_mode) & 0o077
    ]


def licensebot(data: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, LICENSEBOT_DATA_DIR=str(data), LICENSEBOT_QUESTION_LOG="true")
    out = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=900,
        preexec_fn=lambda: os.umask(OPEN_UMASK),
    )
    assert out.returncode == 0, out.stderr
    return out


@contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def test_ask_on_an_empty_data_dir_ingests_first_and_all_it_makes_is_readable_by_its_user_only(tmp_path):
    data = tmp_path / "data"
    first = licensebot(data, "ask", "--json", "自营商城需要ICP许可证吗？")
    assert "ingesting" in first.stderr and json.loads(first.stdout)["verdict"] == "not_required"
    assert readable_by_others(data) == []
    licensebot(data, "chat", stdin="语音聊天房要办多方通信吗\n")  # a customer turn: sessions, the question log
    assert readable_by_others(data) == []
    made = {p.relative_to(data).as_posix() for p in data.rglob("*")}
    assert {
        "chroma/chroma.sqlite3",
        "index/CURRENT",
        "index/files.json",
        "sessions.sqlite",
        "questions.sqlite",
        "log-salt.key",
    } <= made, made
    assert any(name.startswith("index/segments/") for name in made) and any("/lexical/" in name for name in made)


def test_a_library_user_without_our_umask_still_gets_private_state(tmp_path):
    data = tmp_path / "data"
    settings = make_settings(data, channel_store=tmp_path / "elsewhere" / "channels.sqlite")
    with umask(OPEN_UMASK):
        bot = Bot(settings)
        bot.sessions.save("page:a", Context(features=["voice_chat_room"]))  # a write: the WAL files exist now
        stores.ledger(settings).claim("wechat:msg-1")
        bot.feedback_log.record(Feedback("k", "语音聊天房要办多方通信吗", "down", "required", "…", []))
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    private = [
        data / "sessions.sqlite",
        data / "sessions.sqlite-wal",
        data / "questions.sqlite",
        data / "feedback.jsonl",
        settings.channel_store_path,
        settings.channel_store_path.with_name("channels.sqlite-wal"),
    ]
    assert {p.name: f"{stat.S_IMODE(p.stat().st_mode):04o}" for p in private} == {p.name: "0600" for p in private}


def test_a_data_dir_an_older_version_left_open_is_tightened_and_says_so(tmp_path, caplog):
    data = tmp_path / "data"
    data.mkdir()
    with umask(OPEN_UMASK):
        with sqlite3.connect(data / "sessions.sqlite") as db:
            db.execute("CREATE TABLE old (x)")
    data.chmod(0o755)
    with caplog.at_level(logging.WARNING, logger="licensebot.private"):
        Bot(make_settings(data))
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "sessions.sqlite").stat().st_mode) == 0o600
    said = [r.getMessage() for r in caplog.records]
    assert any(str(data) in line and "0755" in line and "private" in line for line in said), said
