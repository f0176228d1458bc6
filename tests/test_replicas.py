"""Two `licensebot serve` replicas behind one WeChat account: one Redis for state, one `chroma run`
for vectors, one data directory. WeChat's three deliveries of a message spread over both replicas
give one answer; a follow-up that lands on the other replica keeps the conversation."""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import httpx
import pytest
from defusedxml.ElementTree import fromstring

from bot.surfaces.channels.crypto import signature
from conftest import ARTICLES, make_settings
from ingest.pipeline import ingest
from processes import BIN, CHROMA, REDIS, chroma_server, free_port, redis_server, running

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(REDIS is None, reason="redis-server is not installed: `make system` (as root)"),
    pytest.mark.skipif(not CHROMA.exists(), reason="the chroma CLI is not in this environment"),
]
TOKEN, NONCE = "replicatoken", "55"


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, embedder):
    work = tmp_path_factory.mktemp("replicas")
    with ExitStack() as stack:
        redis_url = stack.enter_context(redis_server(work))
        chroma_port = stack.enter_context(chroma_server(work / "chroma"))
        shared = {
            "LICENSEBOT_CHROMA_HOST": "127.0.0.1",
            "LICENSEBOT_CHROMA_PORT": str(chroma_port),
            "LICENSEBOT_REDIS_URL": redis_url,
            "LICENSEBOT_WECHAT_TOKEN": TOKEN,
            "LICENSEBOT_SESSION_SECRET": "one secret for every replica",
        }
        ingest(
            [ARTICLES],
            make_settings(work / "a", chroma_host="127.0.0.1", chroma_port=chroma_port),
            embedder=embedder,
            show_progress=False,
            log=lambda m: None,
        )
        shutil.copytree(work / "a", work / "b")  # as on a second machine: its own data directory, nothing local shared
        urls = []
        for name in ("a", "b"):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            stack.enter_context(
                running(
                    [str(BIN / "licensebot"), "serve", "--port", str(port)],
                    url + "/healthz",
                    work / f"serve-{name}.log",
                    {**shared, "LICENSEBOT_DATA_DIR": str(work / name)},
                    timeout_s=120,
                )
            )
            urls.append(url)
        yield urls


def deliver(url: str, openid: str, msg_id: str, text: str) -> str:
    ts = str(int(time.time()))
    body = (
        f"<xml><ToUserName>gh_a</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>{ts}</CreateTime>"
        f"<MsgType>text</MsgType><Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )
    params = {"signature": signature(TOKEN, ts, NONCE), "timestamp": ts, "nonce": NONCE, "openid": openid}
    response = httpx.post(url + "/wechat", params=params, content=body.encode(), timeout=30)
    assert response.status_code == 200, response.text
    return response.text


def content(reply: str) -> str:
    return {child.tag: child.text or "" for child in fromstring(reply)}["Content"]


def test_three_deliveries_over_two_replicas_give_one_answer(replicas):
    a, b = replicas
    with ThreadPoolExecutor(3) as pool:
        replies = list(
            pool.map(
                lambda url: deliver(url, "oReplica", "880001", "我的语音聊天房小程序需要多方通信许可证吗？"), [a, b, a]
            )
        )
    answered = [r for r in replies if r != "success"]
    assert len(answered) == 1 and content(answered[0]).startswith("结论：需要")


def test_a_follow_up_on_the_other_replica_keeps_the_context(replicas):
    a, b = replicas
    first = content(deliver(a, "oTraveller", "880002", "我们做一个语音聊天房的社交App"))
    follow_up = content(deliver(b, "oTraveller", "880003", "那如果只有1对1视频呢？"))
    assert first.startswith("结论：需要")
    assert "仅1对1语音/视频聊天（沿用上文：社交类产品）" in follow_up  # the product described on replica a


def test_http_sessions_issued_by_one_replica_work_on_the_other(replicas):
    a, b = replicas
    issued = httpx.post(a + "/v1/ask", json={"question": "我们做一个语音聊天房的社交App"}, timeout=30).json()[
        "session_id"
    ]
    again = httpx.post(
        b + "/v1/ask", json={"question": "那如果只有1对1视频呢？", "session_id": issued}, timeout=30
    ).json()
    assert "social" in again["carried_over"] and "one_to_one_call" in again["features"]
