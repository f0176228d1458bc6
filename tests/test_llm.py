"""The optional LLM writer against a real OpenAI-compatible server on 127.0.0.1: good text is used,
invented quotes and unmarked lines are dropped, and garbage, a hang or a 500 leave the extractive
answer as it was."""

from __future__ import annotations

import pytest

from bot.answering.answer import answer
from bot.answering.llm import rewrite_with_llm
from bot.service import Bot
from fake_openai import FakeOpenAI

VOICE_ROOM = "我的语音聊天房小程序需要多方通信许可证吗？"


@pytest.fixture
def llm():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def extractive(knowledge):
    return answer(VOICE_ROOM, knowledge)


def llm_settings(settings, server, **extra):
    return settings.model_copy(
        update={
            "llm_base_url": server.base_url,
            "llm_model": "fake-model",
            "llm_api_key": "k",
            "llm_timeout_s": 2.0,
            **extra,
        }
    )


def test_good_text_is_used_under_the_extractive_verdict_and_quotes(settings, llm, extractive, knowledge):
    quote = extractive.citations[0].quote
    llm.reply("text", f"语音聊天房属于多方实时语音交互[1]\n文章原话是“{quote[:12]}”[1]")
    got = rewrite_with_llm(extractive, llm_settings(settings, llm), knowledge.catalog)
    assert got.mode.value == "llm"
    lines = got.answer.splitlines()
    assert lines[0] == extractive.answer.splitlines()[0] and lines[-1] == extractive.answer.splitlines()[-1]
    assert "语音聊天房属于多方实时语音交互[1]" in lines and got.licenses == extractive.licenses
    assert got.citations == extractive.citations
    sent = llm.requests[0]["json"]
    assert llm.requests[0]["path"] == "/v1/chat/completions" and sent["model"] == "fake-model"
    assert VOICE_ROOM in sent["messages"][0]["content"] and quote in sent["messages"][0]["content"]


def test_invented_quotes_and_unmarked_or_unknown_markers_are_dropped(settings, llm, extractive, knowledge):
    llm.reply(
        "text",
        "文章说“语音聊天房无需任何许可证”[1]\n没有标注来源的一句话\n引用不存在的第九条[9]\n多方通信需要许可证[1]",
    )
    got = rewrite_with_llm(extractive, llm_settings(settings, llm), knowledge.catalog)
    assert "多方通信需要许可证[1]" in got.answer
    assert "无需任何许可证" not in got.answer and "没有标注来源" not in got.answer and "[9]" not in got.answer


def test_nothing_verifiable_keeps_the_extractive_answer(settings, llm, extractive, knowledge):
    llm.reply("text", "文章说“语音聊天房无需任何许可证”[1]")
    assert rewrite_with_llm(extractive, llm_settings(settings, llm), knowledge.catalog) == extractive


@pytest.mark.parametrize(
    "kind, value", [("raw", b"this is not json"), ("raw", b'{"choices": []}'), ("status", 500), ("hang", None)]
)
def test_garbage_errors_and_hangs_fall_back_to_the_extractive_answer(settings, llm, extractive, knowledge, kind, value):
    llm.reply(kind, value)
    assert rewrite_with_llm(extractive, llm_settings(settings, llm, llm_timeout_s=1.0), knowledge.catalog) == extractive
    assert len(llm.requests) == 1  # asked once, no retry loop


def test_the_bot_uses_the_configured_model(settings, llm, embedder, knowledge):
    llm.reply("text", "语音聊天房属于多方通信业务的典型应用场景[1]")
    bot = Bot(llm_settings(settings, llm), embedder)
    got = bot.ask(VOICE_ROOM)
    assert got.mode.value == "llm" and got.verdict.value == "required" and len(llm.requests) == 1


def test_invented_amounts_and_a_verdict_the_bot_did_not_reach_are_dropped(settings, llm, knowledge):
    depends = answer("只有1对1视频聊天，需要多方通信许可证吗？", knowledge)
    assert depends.verdict.value == "depends"
    llm.reply(
        "text",
        "费用是38000元，审批周期为45个工作日[1]\n结论：需要办理国内多方通信业务许可证[1]\n"
        "各地通信管理局的认定可能存在差异[1]",
    )
    got = rewrite_with_llm(depends, llm_settings(settings, llm), knowledge.catalog)
    assert "38000" not in got.answer and "需要办理国内多方通信业务许可证" not in got.answer
    assert "各地通信管理局的认定可能存在差异[1]" in got.answer and got.mode.value == "llm"


def test_an_english_question_asks_the_model_for_english(settings, llm, knowledge):
    english = answer("Does my voice chat room need a multi-party license?", knowledge)
    llm.reply("text", "")
    rewrite_with_llm(english, llm_settings(settings, llm), knowledge.catalog)
    assert "Answer in English" in llm.requests[0]["json"]["messages"][0]["content"]


def test_invented_figures_titles_verdicts_and_links_are_dropped(settings, llm, extractive, knowledge):
    """Each line a model might append that the checks of issue 19 catch; the one supported line stays."""
    one_to_one = next(c.id for c in extractive.citations if "1對1" in c.quote or "1对1" in c.quote)
    invented = [
        "办理费用约三万八千元[1]",
        "审批需要四十五个工作日[1]",
        "客服电话零一零六二三四五六七八[1]",
        f"注册资本需1亿[{one_to_one}]",
        "依据《网络安全审查办法》办理[1]",
        "这种情况可以不办任何证照[1]",
        "无须办理…[1]",
        "You do not need any licence [1]",
        "详见 https://example.com/icp [1]",
        "见[办理指南](/icp-guide)[1]",
        "材料发到 icp@consultancy.example [1]",
    ]
    llm.reply("text", "\n".join(["语音聊天房属于多方实时语音交互[1]", *invented]))
    got = rewrite_with_llm(extractive, llm_settings(settings, llm), knowledge.catalog)
    assert got.mode.value == "llm" and "语音聊天房属于多方实时语音交互[1]" in got.answer.splitlines()
    assert [line for line in invented if line in got.answer] == []


def test_the_api_shows_no_invented_line_under_llm_mode(settings, llm, embedder, knowledge):
    """The same check stands between the model and `/v1/ask`."""
    from fastapi.testclient import TestClient
    from bot.surfaces.api import create_app

    llm.reply(
        "text", "语音聊天房属于多方通信业务的典型应用场景[1]\n这种情况可以不办任何证照[1]\n办理费用约三万八千元[1]"
    )
    with TestClient(create_app(llm_settings(settings, llm), Bot(llm_settings(settings, llm), embedder))) as client:
        got = client.post("/v1/ask", json={"question": VOICE_ROOM}).json()
    assert got["mode"] == "llm" and "语音聊天房属于多方通信业务的典型应用场景[1]" in got["answer"]
    assert "不办任何证照" not in got["answer"] and "三万八千" not in got["answer"]
