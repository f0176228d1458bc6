"""The /wechat Official Account callback, end to end: real app, index, embedder, crypto, and a
real local HTTP server standing in for the customer-service API."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from defusedxml.ElementTree import fromstring
from fastapi.testclient import TestClient

from bot.core.settings import REPO_ROOT
from bot.surfaces.api import create_app
from bot.surfaces.channels.callback import ChannelConfigError
from bot.surfaces.channels.crypto import MessageCrypt, signature
from bot.kb.messages import load_messages
from conftest import CountingBot
from recording_server import RecordingServer

TOKEN, APPID = "spamtest", "wx2c2769f8efd9abc2"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
VOICE_ROOM = "我的语音聊天房小程序需要多方通信许可证吗？"
NONCE = "1320562132"

TEXTS = load_messages(REPO_ROOT / "knowledge")  # what a translator wrote: the replies must say it


def now() -> str:
    """Signed callbacks carry the time they were sent; the server refuses ones outside its window."""
    return str(int(time.time()))


def query(ts: str | None = None, **extra) -> dict:
    ts = ts or now()
    return {"signature": signature(TOKEN, ts, NONCE), "timestamp": ts, "nonce": NONCE, "openid": "oUser", **extra}


def message(content: str = VOICE_ROOM, msg_id: str = "6054768590064713728", kind: str = "text", extra: str = "") -> str:
    body = f"<Content><![CDATA[{content}]]></Content>" if kind == "text" else ""
    return (
        f"<xml><ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName>"
        f"<CreateTime>1409735668</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>{body}{extra}"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def reply_fields(xml: str) -> dict[str, str]:
    return {child.tag: child.text or "" for child in fromstring(xml)}


@pytest.fixture
def make_client(channel_settings, embedder, knowledge):
    clients = []

    def build(gate=None, **updates):
        bot = CountingBot(channel_settings(wechat_token=TOKEN, **updates), embedder, gate)
        client = TestClient(create_app(bot.settings, bot)).__enter__()
        clients.append(client)
        return client, bot

    yield build
    for client in clients:
        client.__exit__(None, None, None)


def test_get_echo_returns_exactly_the_echostr_as_plain_text(make_client):
    client, _ = make_client()
    r = client.get("/wechat", params={**query(), "echostr": "5837397520665436492"})
    assert r.status_code == 200 and r.text == "5837397520665436492"
    assert r.headers["content-type"].startswith("text/plain")
    bad = client.get("/wechat", params={**query(), "signature": "0" * 40, "echostr": "1"})
    assert bad.status_code == 403 and bad.json() == {"error": "bad signature"}


def test_plain_mode_text_gets_a_passive_reply_with_names_swapped(make_client):
    client, bot = make_client()
    r = client.post("/wechat", params=query(), content=message().encode())
    reply = reply_fields(r.text)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    assert reply["ToUserName"] == "oUser" and reply["FromUserName"] == "gh_account" and reply["MsgType"] == "text"
    content = reply["Content"]
    assert content.startswith("结论：需要") and "国内多方通信业务许可证" in content and "[1]" in content
    assert "引文：" in content and "2025-07-02" in content and len(content.encode()) <= 2048
    assert "**" not in content and "#" not in content
    assert bot.asked == [VOICE_ROOM]


def test_safe_mode_message_is_decrypted_and_the_reply_encrypted(make_client):
    client, _ = make_client(wechat_appid=APPID, wechat_aes_key=AES_KEY)
    crypt = MessageCrypt(TOKEN, AES_KEY, APPID)
    encrypted = crypt.encrypt(message())
    ts = now()
    params = query(ts, encrypt_type="aes", msg_signature=crypt.sign(ts, NONCE, encrypted))
    r = client.post(
        "/wechat",
        params=params,
        content=f"<xml><ToUserName>gh_account</ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>",
    )
    sealed = reply_fields(r.text)
    assert crypt.verify(sealed["MsgSignature"], sealed["TimeStamp"], sealed["Nonce"], sealed["Encrypt"])
    inner = reply_fields(crypt.decrypt(sealed["Encrypt"]))
    assert inner["ToUserName"] == "oUser" and inner["FromUserName"] == "gh_account"
    assert inner["Content"].startswith("结论：需要")
    tampered = client.post(
        "/wechat",
        params={**params, "msg_signature": "f" * 40},
        content=f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>",
    )
    assert tampered.status_code == 403


def test_safe_mode_without_a_key_is_a_400(make_client):
    client, bot = make_client()
    r = client.post(
        "/wechat", params=query(encrypt_type="aes", msg_signature="x"), content=b"<xml><Encrypt>abc</Encrypt></xml>"
    )
    assert r.status_code == 400 and "AES_KEY" in r.json()["error"] and bot.asked == []


def test_bad_aes_key_stops_start_up(channel_settings, embedder):
    with pytest.raises(ChannelConfigError, match="43 characters"):
        create_app(channel_settings(wechat_token=TOKEN, wechat_appid=APPID, wechat_aes_key="too-short"))


def test_bad_signature_never_reaches_the_answerer(make_client):
    client, bot = make_client()
    ts = now()
    good = signature(TOKEN, ts, NONCE)
    wrong = good[:-1] + ("1" if good[-1] == "0" else "0")  # always differs from the right one
    r = client.post("/wechat", params={**query(ts), "signature": wrong}, content=message())
    assert r.status_code == 403 and bot.asked == []


XXE = b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>'
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
    b"<xml><Content>&lol2;</Content></xml>"
)


@pytest.mark.parametrize(
    "body, status",
    [
        (b"<xml><Content>unclosed", 400),
        (b"", 400),
        (b"not xml at all", 400),
        (XXE, 400),
        (LAUGHS, 400),
        (b"<html></html>", 400),
        (b"<xml><Content>" + b"A" * 70_000 + b"</Content></xml>", 413),
    ],
)
def test_malformed_unsafe_or_oversized_bodies_are_refused(make_client, body, status):
    client, bot = make_client()
    r = client.post("/wechat", params=query(), content=body)
    assert r.status_code == status and "error" in r.json() and bot.asked == []


def test_same_msgid_three_times_concurrently_gives_one_answer(make_client):
    client, bot = make_client()
    with ThreadPoolExecutor(3) as pool:
        replies = list(
            pool.map(lambda _: client.post("/wechat", params=query(), content=message(msg_id="777")), range(3))
        )
    assert all(r.status_code == 200 for r in replies)
    assert sorted(r.text == "success" for r in replies) == [False, True, True]
    assert bot.asked == [VOICE_ROOM]


def test_same_msgid_retried_after_the_reply_went_out_gives_one_answer(make_client):
    client, bot = make_client()
    first = client.post("/wechat", params=query(), content=message(msg_id="888"))  # answered and replied in full
    again = [client.post("/wechat", params=query(), content=message(msg_id="888")) for _ in range(2)]
    assert first.text.startswith("<xml>") and [r.text for r in again] == ["success", "success"]
    assert bot.asked == [VOICE_ROOM]


def test_subscribe_image_and_voice(make_client):
    client, bot = make_client()
    subscribe = (
        "<xml><ToUserName>gh_account</ToUserName><FromUserName>oNew</FromUserName><CreateTime>1</CreateTime>"
        "<MsgType>event</MsgType><Event>subscribe</Event></xml>"
    )
    welcome = reply_fields(client.post("/wechat", params=query(), content=subscribe).text)["Content"]
    assert all(TEXTS.t("zh", example) in welcome for example in ("example", "example_2")) and len(welcome) < 200
    image = reply_fields(client.post("/wechat", params=query(), content=message(kind="image", msg_id="9001")).text)
    assert "文字" in image["Content"]
    voice = message(kind="voice", msg_id="9002", extra=f"<Recognition><![CDATA[{VOICE_ROOM}]]></Recognition>")
    assert reply_fields(client.post("/wechat", params=query(), content=voice).text)["Content"].startswith("结论：需要")
    silent_voice = reply_fields(
        client.post("/wechat", params=query(), content=message(kind="voice", msg_id="9003")).text
    )
    assert "文字" in silent_voice["Content"]
    assert bot.asked == [VOICE_ROOM]


def test_slow_path_replies_success_before_the_answer_exists_and_sends_exactly_one_custom_message(make_client):
    with RecordingServer() as wechat:
        gate = threading.Event()
        client, bot = make_client(
            gate, wechat_appid=APPID, wechat_secret="s3cret", wechat_api_base=wechat.url, wechat_reply_budget_s=0.0
        )
        r = client.post("/wechat", params=query(), content=message(msg_id="4242"))
        assert r.text == "success"  # replied while the answer is still held at the gate
        assert wechat.calls("/cgi-bin/message/custom/send") == []
        gate.set()
        sent = wechat.wait_for("/cgi-bin/message/custom/send", 1)
        client.app.state.official_account.workers.shutdown(wait=True)  # every background send has finished
        assert len(wechat.calls("/cgi-bin/message/custom/send")) == 1
        payload = sent[0]["json"]
        assert payload["touser"] == "oUser" and payload["msgtype"] == "text"
        assert payload["text"]["content"].startswith("结论：需要") and len(payload["text"]["content"].encode()) <= 2048
        assert sent[0]["query"]["access_token"] == "TOKEN1"
        assert [c["json"]["appid"] for c in wechat.calls("/cgi-bin/stable_token")] == [APPID]
        assert "语音聊天房".encode() in sent[0]["raw"]  # UTF-8 as is, not \\u escapes
        assert bot.asked == [VOICE_ROOM]


@pytest.mark.parametrize("age_s", [86_400, -86_400])
def test_a_signed_message_outside_the_time_window_is_refused(make_client, age_s):
    client, bot = make_client()
    old = str(int(time.time()) - age_s)  # a day old (a replay) or a day ahead (a forged clock)
    r = client.post("/wechat", params=query(old), content=message(msg_id="5150"))
    assert r.status_code == 403 and "window" in r.json()["error"] and bot.asked == []
    echo = client.get("/wechat", params={**query(old), "echostr": "1"})
    assert echo.status_code == 403


def test_the_window_can_be_turned_off(make_client):
    client, bot = make_client(callback_window_s=0)
    r = client.post("/wechat", params=query("1409735669"), content=message(msg_id="5151"))  # WeChat's 2014 example
    assert r.status_code == 200 and bot.asked == [VOICE_ROOM]


def test_the_same_msgid_from_two_users_is_answered_for_each(make_client):
    client, bot = make_client()
    first = client.post("/wechat", params=query(), content=message(msg_id="31337"))
    other = message(msg_id="31337").replace("oUser", "oOther")
    second = client.post("/wechat", params={**query(), "openid": "oOther"}, content=other)
    assert reply_fields(first.text)["ToUserName"] == "oUser" and reply_fields(second.text)["ToUserName"] == "oOther"
    assert bot.asked == [VOICE_ROOM, VOICE_ROOM]


@pytest.mark.parametrize("content", ["", "   \n "])
def test_an_empty_text_message_asks_for_a_question(make_client, content):
    client, bot = make_client()
    reply = reply_fields(client.post("/wechat", params=query(), content=message(content, msg_id="6060")).text)
    assert reply["Content"] == TEXTS.t("zh", "chat_empty").format(example=TEXTS.t("zh", "example"))
    assert bot.asked == []


@pytest.mark.parametrize(
    "body", [b"<xml><Content>unclosed", b"<?xml version='1.0'?><!DOCTYPE x []><xml/>", b"\xff\xfe<"]
)
def test_xml_errors_say_what_is_wrong_without_parser_internals(make_client, body):
    client, _ = make_client()
    error = client.post("/wechat", params=query(), content=body).json()["error"]
    assert "Error" not in error and "Exception" not in error and "XML" in error
