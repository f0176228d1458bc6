"""Latency of `licensebot serve` under concurrent load on 127.0.0.1: /wechat (signed text
messages, each a new MsgId, so every one is answered) and /v1/ask."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from bench.common import BIN, percentile
from bot.surfaces.channels.crypto import signature
from processes import free_port, running  # tests/, put on sys.path by bench/run.py

TOKEN = "benchtoken"


def _message(question: str, msg_id: int) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[oBench{msg_id % 50}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{question}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    ).encode()


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
    port = free_port()
    env = {
        "LICENSEBOT_DATA_DIR": str(data_dir),
        "LICENSEBOT_WECHAT_TOKEN": TOKEN,
        "LICENSEBOT_CHANNEL_STORE": str(data_dir / f"bench-channels-{port}.sqlite"),
    }
    base = f"http://127.0.0.1:{port}"
    with running(
        [str(BIN / "licensebot"), "serve", "--port", str(port)], base + "/healthz", data_dir / f"serve-{port}.log", env
    ):
        ts, nonce = str(int(time.time())), "424242"
        params = {"signature": signature(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": "oBench"}
        start_id = int(time.time() * 1000)
        wechat = [
            {"params": params, "content": _message(questions[i % len(questions)], start_id + i)} for i in range(total)
        ]
        ask = [{"json": {"question": questions[i % len(questions)]}} for i in range(total)]
        figures = {}
        for name, url, requests in (("wechat", base + "/wechat", wechat), ("v1_ask", base + "/v1/ask", ask)):
            started = time.perf_counter()
            timings, failures = asyncio.run(_fire(url, requests, concurrency))
            elapsed = time.perf_counter() - started
            figures[name] = {
                "requests": total,
                "concurrency": concurrency,
                "p50_ms": percentile(timings, 50),
                "p95_ms": percentile(timings, 95),
                "max_ms": max(timings),
                "rps": total / elapsed,
                "failures": failures,
            }
        return figures
