"""POST /v1/ask and GET /healthz through the real app, index and embedder."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bot.surfaces.api import create_app
from bot.service import Bot
from conftest import make_settings

VOICE_ROOM = "我的语音聊天房小程序需要多方通信许可证吗？"


@pytest.fixture(scope="module")
def client(knowledge, settings, embedder):
    with TestClient(create_app(settings, Bot(settings, embedder))) as c:
        yield c


def test_ask_returns_the_answer_contract(client):
    r = client.post("/v1/ask", json={"question": VOICE_ROOM})
    assert r.status_code == 200
    data = r.json()
    assert data["verdict"] == "required"
    assert {l["slug"]: l["status"] for l in data["licenses"]}["multiparty"] == "required"
    assert data["citations"] and all(c["quote"] and c["source"].startswith("knowledge/articles/") for c in data["citations"])


def test_follow_up_uses_the_session(client):
    client.post("/v1/ask", json={"question": "我们做一个语音聊天房的社交App", "session_id": "api-1"})
    data = client.post("/v1/ask", json={"question": "那如果只有1对1视频呢？", "session_id": "api-1"}).json()
    assert data["session_id"] == "api-1"
    assert "one_to_one_call" in data["features"] and "social" in data["carried_over"]
    assert {l["slug"]: l["status"] for l in data["licenses"]}.get("multiparty") == "depends"  # the articles: bureaus differ


@pytest.mark.parametrize("kwargs, status, fragment", [
    ({"json": {}}, 422, "question: Field required"),
    ({"json": {"question": 42}}, 422, "question: Input should be a valid string"),
    ({"json": {"question": ["a"]}}, 422, "question"),
    ({"json": {"question": "   "}}, 422, "question: the question is empty"),
    ({"json": {"question": "需" * 501}}, 422, "at most 500 characters"),
    ({"json": {"question": "hi", "session_id": 7}}, 422, "session_id"),
    ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "not valid JSON"),
    ({"content": b"[1, 2]", "headers": {"content-type": "application/json"}}, 422, "JSON object"),
    ({"content": b"question=hi", "headers": {"content-type": "application/x-www-form-urlencoded"}}, 422, "JSON object"),
])
def test_bad_requests_get_a_4xx_json_error(client, kwargs, status, fragment):
    r = client.post("/v1/ask", **kwargs)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/json")
    assert fragment in r.json()["error"]
    assert "Traceback" not in r.text


def test_unknown_route_and_wrong_method_are_json(client):
    assert client.get("/v1/nothing").json() == {"error": "Not Found"}
    r = client.get("/v1/ask")
    assert r.status_code == 405 and "error" in r.json()


def test_healthz_and_docs(client):
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["articles"] == 5 and health["chunks"] > 50
    assert health["embedder"] == "e5-small"
    assert client.get("/docs").status_code == 200
    assert "/v1/ask" in client.get("/openapi.json").json()["paths"]


def test_missing_index_says_so(tmp_path, embedder):
    empty = make_settings(tmp_path / "empty")
    with TestClient(create_app(empty, Bot(empty, embedder))) as c:
        health = c.get("/healthz")
        assert health.status_code == 503 and health.json()["status"] == "no index"
        r = c.post("/v1/ask", json={"question": VOICE_ROOM})
        assert r.status_code == 503 and "licensebot ingest" in r.json()["error"]
