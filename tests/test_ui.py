"""The Streamlit page's logic through Streamlit's AppTest, on the real index and model."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from bot.core.settings import REPO_ROOT, get_settings
from bot.service import Bot
from bot.state.feedback import FeedbackLog
from eval.runner import feedback_cases
from bot.kb.messages import load_messages
from ui.view import PageWords, examples

PAGE = str(REPO_ROOT / "ui" / "app.py")
VOICE_ROOM = "我的语音聊天房小程序需要多方通信许可证吗？"


def open_page(monkeypatch, data_dir) -> AppTest:
    monkeypatch.setenv("LICENSEBOT_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    st.cache_resource.clear()
    return AppTest.from_file(PAGE, default_timeout=120).run()


@pytest.fixture
def page(monkeypatch, knowledge, settings) -> AppTest:
    at = open_page(monkeypatch, settings.data_dir)
    yield at
    get_settings.cache_clear()
    st.cache_resource.clear()


def markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def ask(at: AppTest, question: str) -> AppTest:
    return at.chat_input[0].set_value(question).run()


def test_sidebar_shows_the_knowledge_base_examples_and_disclaimer(page):
    assert not page.exception and not page.error
    sidebar = [m.value for m in page.sidebar.markdown]
    assert "**文章**：5" in sidebar and any(v.startswith("**片段**：") for v in sidebar)
    assert any("e5" in v for v in sidebar)
    shipped = PageWords(load_messages(REPO_ROOT / "knowledge"), "zh")
    assert [b.label for b in page.sidebar.button][:3] == examples(shipped)
    assert any("不构成法律意见" in c.value for c in page.sidebar.caption)
    assert page.title[0].value == "互联网资质问答"


def test_the_page_speaks_the_configured_language_from_the_yaml(monkeypatch, knowledge, settings):
    """LICENSEBOT_PAGE_LANGUAGE=en: the page's own words come from en.yaml; an answer still follows
    its question's language."""
    monkeypatch.setenv("LICENSEBOT_PAGE_LANGUAGE", "en")
    try:
        at = open_page(monkeypatch, settings.data_dir)
        assert not at.exception and at.title[0].value == "China internet licence Q&A"
        assert "**Articles**: 5" in [m.value for m in at.sidebar.markdown]
        assert any("not legal advice" in c.value for c in at.sidebar.caption)
        ask(at, VOICE_ROOM)
        assert any(v.startswith("结论：需要") for v in markdown(at))
        assert any(c.value.startswith("Source: ") for c in at.caption)
    finally:
        get_settings.cache_clear()
        st.cache_resource.clear()


def test_asking_shows_badges_answer_and_highlighted_quotes(page):
    ask(page, VOICE_ROOM)
    assert not page.exception
    assert len(page.chat_message) == 2
    shown = markdown(page)
    assert ":red-badge[国内多方通信业务许可证：需要]" in shown and ":red-badge[ICP经营许可证：需要]" in shown
    assert any(v.startswith("结论：需要") and "\\[1\\]" in v for v in shown)
    assert any("<mark>" in v and "語音聊天房" in v for v in shown)  # quote marked inside its paragraph
    labels = [e.label for e in page.expander]
    assert labels and all("《社交類小程序為何需要ICP證和多方通信許可證》 2025-07-02" in l for l in labels)
    assert any("knowledge/articles/002\\_" in c.value for c in page.caption)  # Markdown-escaped, shown as 002_


def test_history_and_follow_up_context(page):
    ask(page, "我们做一个语音聊天房的社交小程序，需要什么证？")
    ask(page, "那如果只有1对1视频呢？")
    assert len(page.chat_message) == 4
    assert [m.value for m in page.text] == ["我们做一个语音聊天房的社交小程序，需要什么证？", "那如果只有1对1视频呢？"]
    assert ":orange-badge[国内多方通信业务许可证：视情况]" in markdown(page)
    assert any(c.value.startswith("沿用上文提到的产品功能") for c in page.caption)


@pytest.mark.parametrize(
    "question, badge",
    [
        (
            "Does my voice chat room need a multi-party license?",
            ":red-badge[domestic multi-party communication licence: required]",
        ),
        ("我的語音聊天房小程序需要多方通信許可證嗎？", ":red-badge[国内多方通信业务许可证：需要]"),
        ("办理ICP许可证要多少钱？", ":gray-badge[ICP经营许可证：知识库未覆盖]"),
        ("红烧肉怎么做？", ":gray-badge[超出范围]"),
    ],
)
def test_traditional_english_unknown_and_out_of_scope(page, question, badge):
    ask(page, question)
    assert not page.exception and badge in markdown(page)


def test_rating_then_comment_is_one_feedback_row_that_eval_reads(page, settings):
    ask(page, "办理ICP许可证要多少钱？")
    log = FeedbackLog(settings.data_dir)
    before = len(log.read_all())
    page.feedback[0].set_value(0).run()
    assert [r["rating"] for r in log.read_all()[before:]] == ["down"] and log.read_all()[-1]["comment"] == ""
    page.text_input(key="comment-0").input("应该给出价格区间").run()
    rows = log.read_all()[before:]
    assert len(rows) == 1, rows  # the comment completes the rating, it is not a second rating
    assert rows[0]["rating"] == "down" and rows[0]["comment"] == "应该给出价格区间"
    assert rows[0]["question"] == "办理ICP许可证要多少钱？" and rows[0]["verdict"] == "unknown"
    assert {
        "question": "办理ICP许可证要多少钱？",
        "comment": "应该给出价格区间",
        "verdict_given": "unknown",
    } in feedback_cases(Bot(settings))
    assert any("反馈已记录" in c.value for c in page.caption)


def test_example_button_and_clear_conversation(page):
    page.sidebar.button[0].click().run()
    assert len(page.chat_message) == 2 and ":red-badge[国内多方通信业务许可证：需要]" in markdown(page)
    page.sidebar.button(key="clear").click().run()
    assert len(page.chat_message) == 0


def test_empty_or_too_long_question_gets_a_friendly_message(page):
    ask(page, "   ")
    ask(page, "需" * 600)
    assert not page.exception
    assert [w.value for w in page.warning] == [
        "请输入一个问题。",
        "问题太长了（上限500字），请简要描述产品功能和想了解的资质。",
    ]


def test_no_index_yet_is_explained_not_a_traceback(monkeypatch, tmp_path):
    at = open_page(monkeypatch, tmp_path / "empty")
    assert not at.exception
    assert "licensebot ingest" in at.error[0].value
    get_settings.cache_clear()
    st.cache_resource.clear()
