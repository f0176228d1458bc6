"""Server mode: the same ingest and answers through a real `chroma run` on 127.0.0.1."""

from __future__ import annotations

import shutil

import pytest

from bot.answering.answer import answer
from bot.answering.knowledge import Knowledge
from processes import CHROMA, chroma_server
from conftest import ARTICLES, make_settings
from ingest.pipeline import ingest

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not CHROMA.exists(), reason="the chroma CLI is not in this environment"),
]

QUESTIONS = [
    "我的语音聊天房小程序需要多方通信许可证吗？",
    "Does my e-commerce platform with third-party merchants need EDI?",
    "多方通信许可证的注册资本要求是多少？",
    "ICP备案和ICP许可证有什么区别？",
    "办理ICP许可证要多少钱？",
    "直播打赏需要什么资质？",
    "外资可以办理ICP许可证吗？",
]


def signature(a):
    return (
        a.verdict.value,
        [(l.slug, l.status.value) for l in a.licenses],
        [(c.source.rsplit("/", 1)[-1], c.quote) for c in a.citations],
    )


def test_server_mode_gives_the_embedded_answers(tmp_path, knowledge, embedder):
    with chroma_server(tmp_path / "chroma-data") as port:
        remote = make_settings(tmp_path / "data", chroma_host="127.0.0.1", chroma_port=port)
        report = ingest([ARTICLES], remote, embedder=embedder, show_progress=False, log=lambda m: None)
        assert report.files == 5 and report.units == len(knowledge.index.units)
        assert not (remote.data_dir / "chroma").exists()  # vectors live on the server
        served = Knowledge.load(remote, embedder)
        assert served.index.collection.count() == len(knowledge.index.units)
        for question in QUESTIONS:
            assert signature(answer(question, served)) == signature(answer(question, knowledge)), question
        assert ingest([ARTICLES], remote, embedder=embedder, show_progress=False, log=lambda m: None).up_to_date
        edited = tmp_path / "articles"
        shutil.copytree(ARTICLES, edited)
        first = sorted(edited.iterdir())[0]
        first.write_text(first.read_text(encoding="utf-8") + "\n\n补充说明：本文仅讨论小程序场景。\n", encoding="utf-8")
        changed = ingest([edited], remote, embedder=embedder, show_progress=False, log=lambda m: None)
        assert (
            changed.reused >= len(knowledge.index.units) - 3 and changed.embedded <= 3
        )  # vectors read back from the server
        assert signature(answer(QUESTIONS[0], Knowledge.load(remote, embedder))) == signature(
            answer(QUESTIONS[0], knowledge)
        )
