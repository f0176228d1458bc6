"""The outbound client and WeChat text formatting, against a real local HTTP server."""

from __future__ import annotations

import pytest

from bot.surfaces.channels.wechat_api import WeChatApiError, official_account_client
from bot.surfaces.channels.wechat_text import MAX_MESSAGE_BYTES, format_answer, messages_for, split_utf8, strip_markdown
from bot.core.models import Answer, Citation, Mode, Verdict
from recording_server import RecordingServer

SEND = "/cgi-bin/message/custom/send"
PAYLOAD = {"touser": "oUser", "msgtype": "text", "text": {"content": "你好"}}


@pytest.fixture
def wechat():
    with RecordingServer() as server:
        yield server


def test_token_is_cached_and_refreshed_once_on_expiry(wechat):
    client = official_account_client(wechat.url, "wxapp", "secret")
    wechat.on(SEND, {"errcode": 0}, {"errcode": 42001, "errmsg": "access_token expired"}, {"errcode": 0})
    client.call("cgi-bin/message/custom/send", PAYLOAD)
    client.call("cgi-bin/message/custom/send", PAYLOAD)
    tokens = [c["query"]["access_token"] for c in wechat.calls(SEND)]
    assert tokens == ["TOKEN1", "TOKEN1", "TOKEN2"]
    assert len(wechat.calls("/cgi-bin/stable_token")) == 2


def test_a_token_that_keeps_failing_is_retried_once_only(wechat):
    client = official_account_client(wechat.url, "wxapp", "secret")
    wechat.on(
        SEND, {"errcode": 40001, "errmsg": "invalid credential"}, {"errcode": 40001, "errmsg": "invalid credential"}
    )
    with pytest.raises(WeChatApiError) as failure:
        client.call("cgi-bin/message/custom/send", PAYLOAD)
    assert failure.value.errcode == 40001 and len(wechat.calls(SEND)) == 2


@pytest.mark.parametrize("code", [45047, 45015, 45009])
def test_quota_and_window_errors_are_not_retried(wechat, code):
    client = official_account_client(wechat.url, "wxapp", "secret")
    wechat.on(SEND, {"errcode": code, "errmsg": "quota"})
    with pytest.raises(WeChatApiError, match=str(code)):
        client.call("cgi-bin/message/custom/send", PAYLOAD)
    assert len(wechat.calls(SEND)) == 1


def test_unreachable_server_fails_within_the_timeout():
    client = official_account_client("http://127.0.0.1:9", "wxapp", "secret")
    with pytest.raises(Exception) as failure:
        client.call("cgi-bin/message/custom/send", PAYLOAD)
    assert "Connect" in type(failure.value).__name__


def long_answer(chars: int = 5000) -> Answer:
    sentence = "语音聊天房属于多方实时语音交互，需要办理国内多方通信业务许可证。"
    text = (sentence * (chars // len(sentence) + 1))[:chars]
    return Answer(
        question="q",
        verdict=Verdict.required,
        answer=text,
        mode=Mode.rules,
        citations=[
            Citation(
                id=1,
                doc_id="d",
                title="社交類小程序為何需要ICP證和多方通信許可證",
                date="2025-07-02",
                source="s",
                quote="引文一",
            )
        ],
    )


def test_a_5000_character_answer_becomes_ordered_pieces_within_2048_bytes():
    answer = long_answer()
    pieces = messages_for(answer)
    assert len(pieces) >= 7  # 5000 CJK characters are ~15,000 bytes
    assert all(len(p.encode()) <= MAX_MESSAGE_BYTES for p in pieces)
    assert "".join(pieces).replace("\n", "") == format_answer(answer).replace("\n", "")
    assert "[1] “引文一”——《社交類小程序為何需要ICP證和多方…》2025-07-02" in pieces[-1]  # footnotes come last


def test_split_never_cuts_a_multibyte_character():
    text = "😀a语" * 1000
    pieces = split_utf8(text, 100)
    assert "".join(pieces) == text and all(len(p.encode()) <= 100 for p in pieces)


def test_without_the_api_one_shortened_message_says_so():
    [only] = messages_for(long_answer(), can_send_more=False)
    assert len(only.encode()) <= MAX_MESSAGE_BYTES and only.endswith("完整引文请在网页版查看）")


def test_markdown_never_reaches_wechat():
    text = "## 结论\n**需要**办理，见 [工信部](https://www.miit.gov.cn/) 和 `ICP`\n- 第一条\n> 引用"
    assert strip_markdown(text) == "结论\n需要办理，见 工信部 https://www.miit.gov.cn/ 和 ICP\n第一条\n引用"
    answer = long_answer(50).model_copy(update={"answer": text})
    assert not any(mark in "".join(messages_for(answer)) for mark in ("**", "##", "`", "]("))
