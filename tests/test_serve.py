"""`licensebot serve` as a real process: ready only when warm, an access log without query strings,
and 20 MB bodies refused while signed WeChat traffic is answered."""
from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bot.surfaces.channels.crypto import signature
from processes import BIN, free_port, running

pytestmark = pytest.mark.server
TOKEN, NONCE = "servetoken", "424242"
VOICE_ROOM = "我的语音聊天房小程序需要多方通信许可证吗？"


@pytest.fixture(scope="module")
def server(knowledge, settings, tmp_path_factory):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {"LICENSEBOT_DATA_DIR": str(settings.data_dir), "LICENSEBOT_WECHAT_TOKEN": TOKEN}
    with running([str(BIN / "licensebot"), "serve", "--port", str(port)], url + "/healthz", log, env, timeout_s=120) as proc:
        yield url, proc.output


def wechat_message(openid: str, msg_id: str) -> tuple[dict, bytes]:
    ts = str(int(time.time()))
    query = {"signature": signature(TOKEN, ts, NONCE), "timestamp": ts, "nonce": NONCE, "openid": openid}
    body = (f"<xml><ToUserName>gh_a</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>{ts}</CreateTime>"
            f"<MsgType>text</MsgType><Content><![CDATA[{VOICE_ROOM}]]></Content><MsgId>{msg_id}</MsgId></xml>")
    return query, body.encode()


def post_huge_body(url: str, megabytes: int = 20) -> bytes:
    """Stream a 20 MB JSON body the way an attacker would; returns the status line the server answers with."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(f"POST /v1/ask HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {megabytes * 1024 * 1024 + 20}\r\n\r\n".encode() + b'{"question": "hi", "pad": "')
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
        replies = [pool.submit(httpx.post, url + "/wechat", params=q, content=b, timeout=30)
                   for q, b in (wechat_message(f"oAbuse{i}", f"9{i}") for i in range(3))]
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
