"""`licensebot serve` as a real process: ready only when warm, an access log without query strings,
no secret, access token or openid in any log line while it calls WeChat's and WeCom's APIs, and
20 MB bodies refused while signed WeChat traffic is answered."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bot.surfaces.channels.crypto import MessageCrypt, signature
from processes import BIN, free_port, running
from recording_server import RecordingServer
from test_wechat_crypto import WECOM
from test_wecom_kf import SYNC, event_body

pytestmark = pytest.mark.server
TOKEN, NONCE = "servetoken", "424242"
VOICE_ROOM = "我的语音聊天房小程序需要多方通信许可证吗？"


OA_SECRET, KF_SECRET = "oa-app-secret-5b1e77d2", "kf-corp-secret-93ac0f1e"
OA_TOKEN, KF_TOKEN = "oa-access-token-2f6d8b", "kf-access-token-c41a9e"
CUSTOM_SEND = "/cgi-bin/message/custom/send"


@pytest.fixture(scope="module")
def wechat_api():
    """WeChat's and WeCom's APIs on 127.0.0.1, handing out recognisable tokens."""
    with RecordingServer() as api:
        api.on("/cgi-bin/stable_token", {"errcode": 0, "access_token": OA_TOKEN, "expires_in": 7200})
        api.on("/cgi-bin/gettoken", {"errcode": 0, "access_token": KF_TOKEN, "expires_in": 7200})
        yield api


@pytest.fixture(scope="module")
def server(knowledge, settings, tmp_path_factory, wechat_api):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {
        "LICENSEBOT_DATA_DIR": str(settings.data_dir),
        "LICENSEBOT_WECHAT_TOKEN": TOKEN,
        "LICENSEBOT_WECHAT_APPID": "wx5f1e0c9a2b3d4e5f",
        "LICENSEBOT_WECHAT_SECRET": OA_SECRET,
        "LICENSEBOT_WECHAT_API_BASE": wechat_api.url,
        "LICENSEBOT_WECHAT_REPLY_BUDGET_S": "120",
        "LICENSEBOT_WECOM_TOKEN": WECOM["token"],
        "LICENSEBOT_WECOM_AES_KEY": WECOM["key"],
        "LICENSEBOT_WECOM_CORPID": WECOM["corpid"],
        "LICENSEBOT_WECOM_SECRET": KF_SECRET,
        "LICENSEBOT_WECOM_API_BASE": wechat_api.url,
    }
    with running(
        [str(BIN / "licensebot"), "serve", "--port", str(port)], url + "/healthz", log, env, timeout_s=120
    ) as proc:
        yield url, proc.output


def wechat_message(openid: str, msg_id: str, content: str = VOICE_ROOM) -> tuple[dict, bytes]:
    ts = str(int(time.time()))
    query = {"signature": signature(TOKEN, ts, NONCE), "timestamp": ts, "nonce": NONCE, "openid": openid}
    body = (
        f"<xml><ToUserName>gh_a</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>{ts}</CreateTime>"
        f"<MsgType>text</MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )
    return query, body.encode()


def post_huge_body(url: str, megabytes: int = 20) -> bytes:
    """Stream a 20 MB JSON body the way an attacker would; returns the status line the server answers with."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(
            f"POST /v1/ask HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {megabytes * 1024 * 1024 + 20}\r\n\r\n".encode()
            + b'{"question": "hi", "pad": "'
        )
        try:
            for _ in range(megabytes * 16):
                s.sendall(b"x" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the body was read: the server may close early
        return s.recv(200).split(b"\r\n")[0]


def test_ready_means_warm_and_answers(server):
    url, _ = server
    health = httpx.get(url + "/healthz").json()
    assert health["status"] == "ok" and health["articles"] == 5
    assert httpx.head(url + "/healthz").status_code == 200
    assert httpx.post(url + "/v1/ask", json={"question": VOICE_ROOM}).json()["verdict"] == "required"


def test_huge_bodies_are_refused_while_wechat_is_answered(server):
    url, _ = server
    with ThreadPoolExecutor(6) as pool:
        abuse = [pool.submit(post_huge_body, url) for _ in range(3)]
        replies = [
            pool.submit(httpx.post, url + "/wechat", params=q, content=b, timeout=30)
            for q, b in (wechat_message(f"oAbuse{i}", f"9{i}") for i in range(3))
        ]
        statuses = [a.result() for a in abuse]
        answered = [r.result() for r in replies]
    assert all(b" 413 " in s for s in statuses), statuses
    assert all(r.status_code == 200 and "结论：需要" in r.text for r in answered)
    assert httpx.get(url + "/healthz").status_code == 200


def test_the_access_log_names_paths_never_openids_or_signatures(server):
    url, output = server
    query, body = wechat_message("oSecretOpenId", "77001")
    assert httpx.post(url + "/wechat", params=query, content=body, timeout=30).status_code == 200
    httpx.get(url + "/v1/nothing", params={"token": "hunter2"})
    output.wait_for("POST /wechat 200")
    text = output.wait_for("GET /v1/nothing 404")
    assert "oSecretOpenId" not in text and query["signature"] not in text and "hunter2" not in text


def test_no_secret_access_token_or_openid_is_logged_while_calling_wechat(server, wechat_api):
    url, output = server
    query, body = wechat_message("oHandOffOpenId4711", "88001", "转人工")  # a hand-off: the notice goes by custom/send
    assert "transfer_customer_service" in httpx.post(url + "/wechat", params=query, content=body, timeout=60).text
    params, body = event_body(
        MessageCrypt(WECOM["token"], WECOM["key"], WECOM["corpid"])
    )  # kf: gettoken, then sync_msg
    assert httpx.post(url + "/wecom/kf", params=params, content=body, timeout=30).status_code == 200
    assert wechat_api.wait_for(CUSTOM_SEND, 1) and wechat_api.wait_for(SYNC, 1)
    assert wechat_api.calls("/cgi-bin/gettoken")[0]["query"]["corpsecret"] == KF_SECRET  # the secret did travel
    output.wait_for(CUSTOM_SEND)  # the HTTP client's request lines are logged, scrubbed
    text = output.wait_for(SYNC)
    for secret in (OA_SECRET, KF_SECRET, OA_TOKEN, KF_TOKEN, WECOM["token"], WECOM["key"], "oHandOffOpenId4711"):
        assert secret not in text, secret
    assert "access_token=***" in text and "corpsecret=***" in text
