"""WeCom 微信客服: encrypted echo, the event-then-pull flow with paging, cursor persistence and
origin filtering, against a real local HTTP server playing qyapi.weixin.qq.com."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from bot.surfaces.api import create_app
from bot.surfaces.channels.crypto import MessageCrypt
from bot.state.ledger import Ledger
from conftest import CountingBot
from recording_server import RecordingServer
from test_wechat_crypto import WECOM

SYNC, SEND = "/cgi-bin/kf/sync_msg", "/cgi-bin/kf/send_msg"
KFID = "wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw"
VOICE_ROOM = "我的语音聊天房小程序需要多方通信许可证吗？"


def customer_text(msgid: str, content: str, origin: int = 3, user: str = "wmUser") -> dict:
    return {
        "msgid": msgid,
        "open_kfid": KFID,
        "external_userid": user,
        "send_time": 1,
        "origin": origin,
        "msgtype": "text",
        "text": {"content": content},
    }


@pytest.fixture
def wecom():
    with RecordingServer() as server:
        yield server


@pytest.fixture
def kf_app(request, channel_settings, embedder, knowledge, wecom):
    """Parametrize indirectly with extra settings, e.g. a window of 0 for WeCom's 2016 published vector."""
    settings = channel_settings(
        wecom_token=WECOM["token"],
        wecom_aes_key=WECOM["key"],
        wecom_corpid=WECOM["corpid"],
        wecom_secret="corpsecret",
        wecom_api_base=wecom.url,
        **getattr(request, "param", {}),
    )
    bot = CountingBot(settings, embedder)
    app = create_app(settings, bot)
    with TestClient(app) as client:
        yield client, bot, app


WITHOUT_WINDOW = pytest.mark.parametrize("kf_app", [{"callback_window_s": 0}], indirect=True)


@WITHOUT_WINDOW
def test_encrypted_echostr_is_decrypted_plain_or_url_encoded(kf_app):
    client, _, _ = kf_app
    params = {"msg_signature": WECOM["msg_signature"], "timestamp": WECOM["timestamp"], "nonce": WECOM["nonce"]}
    r = client.get("/wecom/kf", params={**params, "echostr": WECOM["echostr"]})
    assert (
        r.status_code == 200 and r.text == "1288432023552776189" and r.headers["content-type"].startswith("text/plain")
    )
    raw = f"/wecom/kf?msg_signature={params['msg_signature']}&timestamp={params['timestamp']}&nonce={params['nonce']}"
    assert (
        client.get(raw + "&echostr=" + quote(quote(WECOM["echostr"], safe=""), safe="")).text == "1288432023552776189"
    )
    assert client.get(raw + "&echostr=" + WECOM["echostr"]).text == "1288432023552776189"  # '+' left bare
    assert client.get("/wecom/kf", params={**params, "echostr": WECOM["echostr"][:-6] + "AAAA=="}).status_code == 403


def event_body(
    crypt: MessageCrypt, token: str = "ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR", sent: int | None = None
) -> tuple[dict, bytes]:
    inner = (
        f"<xml><ToUserName><![CDATA[{WECOM['corpid']}]]></ToUserName><CreateTime>1348831860</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>"
        f"<Token><![CDATA[{token}]]></Token><OpenKfId><![CDATA[{KFID}]]></OpenKfId></xml>"
    )
    encrypted = crypt.encrypt(inner)
    ts = str(sent or int(time.time()))
    params = {"msg_signature": crypt.sign(ts, "1372623149", encrypted), "timestamp": ts, "nonce": "1372623149"}
    return (
        params,
        f"<xml><ToUserName><![CDATA[{WECOM['corpid']}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode(),
    )


def test_event_is_acknowledged_empty_then_pages_are_pulled_and_customer_text_answered(kf_app, wecom):
    client, bot, app = kf_app
    wecom.on(
        SYNC,
        {
            "errcode": 0,
            "next_cursor": "c1",
            "has_more": 1,
            "msg_list": [
                customer_text("m1", VOICE_ROOM),
                customer_text("m-agent", "客服人员的话", origin=5),
                {**customer_text("m-img", ""), "msgtype": "image", "image": {"media_id": "x"}},
            ],
        },
        {"errcode": 0, "next_cursor": "c2", "has_more": 1, "msg_list": []},
        {
            "errcode": 0,
            "next_cursor": "c3",
            "has_more": 0,
            "msg_list": [customer_text("m2", "那如果只有1对1视频呢？"), customer_text("m1", VOICE_ROOM)],
        },
    )
    params, body = event_body(MessageCrypt(WECOM["token"], WECOM["key"], WECOM["corpid"]))
    r = client.post("/wecom/kf", params=params, content=body)
    assert r.status_code == 200 and r.content == b""
    sent = wecom.wait_for(SEND, 2)
    app.state.wecom_kf.workers.shutdown(wait=True)  # the pull has finished, cursor saved
    syncs = [c["json"] for c in wecom.calls(SYNC)]
    assert [s["cursor"] for s in syncs] == ["", "c1", "c2"]
    assert all(s["open_kfid"] == KFID and s["token"].startswith("ENCA") for s in syncs)
    assert bot.asked == [VOICE_ROOM, "那如果只有1对1视频呢？"]
    assert [m["json"]["touser"] for m in sent] == ["wmUser", "wmUser"]
    assert all(m["json"]["open_kfid"] == KFID and m["json"]["msgtype"] == "text" for m in sent)
    assert sent[0]["json"]["text"]["content"].startswith("结论：需要")
    assert "仅1对1语音/视频聊天" in sent[1]["json"]["text"]["content"]  # the follow-up kept the session
    assert Ledger(bot.settings.channel_store_path).cursor(KFID) == "c3"  # a fresh process reads the same cursor


def test_restart_resumes_from_the_stored_cursor_and_never_answers_twice(kf_app, wecom):
    _, bot, app = kf_app
    kf = app.state.wecom_kf
    wecom.on(SYNC, {"errcode": 0, "next_cursor": "c9", "has_more": 0, "msg_list": [customer_text("m1", VOICE_ROOM)]})
    assert kf.sync("tok", KFID) == 1
    wecom.on(SYNC, {"errcode": 0, "next_cursor": "c10", "has_more": 0, "msg_list": [customer_text("m1", VOICE_ROOM)]})
    assert kf.sync("tok", KFID) == 0
    assert [c["json"]["cursor"] for c in wecom.calls(SYNC)] == ["", "c9"]
    assert bot.asked == [VOICE_ROOM]


def test_sync_error_stops_without_losing_the_cursor(kf_app, wecom):
    _, bot, app = kf_app
    kf = app.state.wecom_kf
    wecom.on(
        SYNC,
        {"errcode": 0, "next_cursor": "c1", "has_more": 1, "msg_list": []},
        {"errcode": 95007, "errmsg": "invalid msg token"},
    )
    assert kf.sync("tok", KFID) == 0
    assert Ledger(bot.settings.channel_store_path).cursor(KFID) == "c1"


def test_bad_signature_or_body_is_refused(kf_app):
    client, bot, _ = kf_app
    params, body = event_body(MessageCrypt(WECOM["token"], WECOM["key"], WECOM["corpid"]))
    assert client.post("/wecom/kf", params={**params, "msg_signature": "0" * 40}, content=body).status_code == 403
    assert client.post("/wecom/kf", params=params, content=b"<xml><Encrypt>").status_code == 400
    assert bot.asked == []


def test_published_vector_from_2016_is_outside_the_default_window(kf_app):
    client, _, _ = kf_app
    params = {"msg_signature": WECOM["msg_signature"], "timestamp": WECOM["timestamp"], "nonce": WECOM["nonce"]}
    r = client.get("/wecom/kf", params={**params, "echostr": WECOM["echostr"]})
    assert r.status_code == 403 and "window" in r.json()["error"]


def test_an_old_signed_event_pulls_nothing(kf_app, wecom):
    client, bot, _ = kf_app
    params, body = event_body(
        MessageCrypt(WECOM["token"], WECOM["key"], WECOM["corpid"]), sent=int(time.time()) - 86_400
    )
    assert client.post("/wecom/kf", params=params, content=body).status_code == 403
    assert wecom.calls(SYNC) == [] and bot.asked == []
