"""`licensebot serve` as a real process: ready only when warm, an access log without query strings,
no secret, access token or openid in any log line while it calls WeChat's and WeCom's APIs, and
20 MB bodies refused while signed WeChat traffic is answered; the official `openai` client talking
to its Chat Completions routes with keys configured."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
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
OPENAI_KEYS = ("sk-licensebot-test-1", "sk-licensebot-test-2")


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
        "LICENSEBOT_OPENAI_API_KEYS": f"{OPENAI_KEYS[0]}, {OPENAI_KEYS[1]}",
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


def post_huge_body(url: str, megabytes: int = 20, path: str = "/v1/ask") -> bytes:
    """Stream a 20 MB JSON body the way an attacker would; returns the status line the server answers with."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
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


def client(url: str, key: str = OPENAI_KEYS[1]) -> openai.OpenAI:
    return openai.OpenAI(base_url=url + "/v1", api_key=key, max_retries=0, timeout=60)


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def test_the_openai_client_gets_the_answer_with_its_quotes(server):
    url, _ = server
    assert [m.id for m in client(url).models.list()] == ["licensebot"]
    reply = client(url).chat.completions.create(model="licensebot", messages=[user(VOICE_ROOM)])
    text, answer = reply.choices[0].message.content, reply.model_extra["licensebot"]
    assert reply.object == "chat.completion" and reply.choices[0].finish_reason == "stop"
    assert answer["verdict"] == "required" and text.startswith(answer["answer"])  # verdict first, as elsewhere
    assert answer["citations"] and all(c["quote"] in text and c["date"] for c in answer["citations"])


def test_a_follow_up_given_as_history_carries_the_product(server):
    url, _ = server
    first, follow_up = "我们做一个语音聊天房的社交App", "那如果只有1对1视频呢？"
    alone = client(url).chat.completions.create(model="licensebot", messages=[user(follow_up)])
    history = [user(first), {"role": "assistant", "content": "结论：需要。"}, user(follow_up)]
    reply = client(url).chat.completions.create(model="licensebot", messages=history)
    answer = reply.model_extra["licensebot"]
    assert "social" in answer["carried_over"] and "one_to_one_call" in answer["features"]
    assert "social" not in alone.model_extra["licensebot"]["carried_over"]


def test_streamed_chunks_reassemble_to_the_whole_reply(server):
    url, _ = server
    question = [user("EDI许可证的注册资本要求是多少？")]
    whole = client(url).chat.completions.create(model="licensebot", messages=question)
    chunks = list(client(url).chat.completions.create(model="licensebot", messages=question, stream=True))
    assert len(chunks) > 2 and chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == whole.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["licensebot"]["answer"] == whole.model_extra["licensebot"]["answer"]


def test_keys_bodies_and_empty_conversations_are_refused_in_openais_shape(server):
    url, _ = server
    with pytest.raises(openai.AuthenticationError) as wrong:
        client(url, "sk-wrong").chat.completions.create(model="licensebot", messages=[user(VOICE_ROOM)])
    assert wrong.value.status_code == 401 and wrong.value.code == "invalid_api_key"
    assert httpx.get(url + "/v1/models").status_code == 401  # no key at all
    assert httpx.post(url + "/v1/ask", json={"question": VOICE_ROOM}).status_code == 200  # /v1/ask stays open
    with pytest.raises(openai.BadRequestError) as empty:
        client(url, OPENAI_KEYS[0]).chat.completions.create(model="licensebot", messages=[])
    assert empty.value.status_code == 400 and "messages" in empty.value.message
    assert b" 413 " in post_huge_body(url, path="/v1/chat/completions")
