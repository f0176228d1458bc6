"""Latency of `licensebot serve` under concurrent load on 127.0.0.1: /wechat (signed text
messages, each a new MsgId, so every one is answered) and /v1/ask."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

from bench.common import BIN, percentile
from bot.channels.crypto import signature

TOKEN = "benchtoken"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _message(question: str, msg_id: int) -> bytes:
    return (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[oBench{msg_id % 50}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{question}]]></Content><MsgId>{msg_id}</MsgId></xml>").encode()


async def _fire(url: str, requests: list[dict], concurrency: int) -> tuple[list[float], int]:
    gate = asyncio.Semaphore(concurrency)
    timings: list[float] = []
    failures = 0

    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as client:
        async def one(request: dict) -> None:
            nonlocal failures
            async with gate:
                started = time.perf_counter()
                response = await client.post(url, **request)
                timings.append((time.perf_counter() - started) * 1000)
                failures += response.status_code != 200 or b"error" in response.content[:20]

        await asyncio.gather(*(one(r) for r in requests))
    return timings, failures


def measure(data_dir: Path, questions: list[str], concurrency: int = 50, total: int = 200) -> dict:
    port = _free_port()
    env = {**os.environ, "LICENSEBOT_DATA_DIR": str(data_dir), "LICENSEBOT_WECHAT_TOKEN": TOKEN,
           "LICENSEBOT_CHANNEL_STORE": str(data_dir / f"bench-channels-{port}.sqlite")}
    proc = subprocess.Popen([str(BIN / "licensebot"), "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError("licensebot serve did not come up")
            time.sleep(0.5)
        ts, nonce = str(int(time.time())), "424242"
        params = {"signature": signature(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": "oBench"}
        start_id = int(time.time() * 1000)
        wechat = [{"params": params, "content": _message(questions[i % len(questions)], start_id + i)} for i in range(total)]
        ask = [{"json": {"question": questions[i % len(questions)]}} for i in range(total)]
        figures = {}
        for name, url, requests in (("wechat", base + "/wechat", wechat), ("v1_ask", base + "/v1/ask", ask)):
            started = time.perf_counter()
            timings, failures = asyncio.run(_fire(url, requests, concurrency))
            elapsed = time.perf_counter() - started
            figures[name] = {"requests": total, "concurrency": concurrency, "p50_ms": percentile(timings, 50),
                             "p95_ms": percentile(timings, 95), "max_ms": max(timings), "rps": total / elapsed,
                             "failures": failures}
        return figures
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
