"""A running `licensebot serve` follows the index while articles are edited and re-ingested beside
it: it switches to each new generation without a restart and without one failed request."""

from __future__ import annotations

import shutil
import threading

import httpx
import pytest

from conftest import ARTICLES, make_settings
from ingest.pipeline import ingest
from processes import BIN, free_port, running

pytestmark = pytest.mark.server
VOICE_ROOM = "我的语音聊天房小程序需要多方通信许可证吗？"


def test_publishes_while_serving_never_fail_a_request(tmp_path, embedder, knowledge, settings):
    data, articles = tmp_path / "data", tmp_path / "articles"
    shutil.copytree(settings.data_dir, data)
    shutil.copytree(ARTICLES, articles)
    mine = make_settings(data)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running(
        [str(BIN / "licensebot"), "serve", "--port", str(port)],
        url + "/healthz",
        tmp_path / "serve.log",
        {"LICENSEBOT_DATA_DIR": str(data)},
        timeout_s=120,
    ):
        stop = threading.Event()
        statuses: list[int] = []
        verdicts: set[str] = set()

        def hammer() -> None:
            with httpx.Client(timeout=30) as client:
                while not stop.is_set():
                    r = client.post(url + "/v1/ask", json={"question": VOICE_ROOM})
                    statuses.append(r.status_code)
                    if r.status_code == 200:
                        verdicts.add(r.json()["verdict"])

        clients = [threading.Thread(target=hammer) for _ in range(2)]
        for c in clients:
            c.start()
        try:
            edited = articles / "004_f210a3d66f699e27.txt"
            original = edited.read_text(encoding="utf-8")
            generations = []
            for n in range(3):
                edited.write_text(
                    original.replace(
                        "6、国家规定的其他相关条件。", f"6、国家规定的其他相关条件。</p><p>7、第{n}次新增的办理条件。"
                    ),
                    encoding="utf-8",
                )
                report = ingest([articles], mine, embedder=embedder, show_progress=False, log=lambda m: None)
                assert report.generation and not report.up_to_date
                generations.append(report.generation)
            with httpx.Client(timeout=30) as client:  # each request lets the server notice; the last one it loaded
                seen = [client.get(url + "/healthz").json()["generation"] for _ in range(200)]
                assert generations[-1] in seen
                unit = client.post(url + "/v1/ask", json={"question": "办理ICP许可证需要满足哪些条件？"}).json()
        finally:
            stop.set()
            for c in clients:
                c.join(timeout=60)
    assert len(statuses) > 20 and set(statuses) == {200}, [s for s in statuses if s != 200][:5]
    assert verdicts == {"required"}
    assert unit["verdict"] != "out_of_scope"
