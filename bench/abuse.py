"""Abuse beside real traffic: while attackers stream ~20 MB bodies at /v1/ask, signed WeChat text
messages arrive at /wechat and must still be answered inside WeChat's 5-second window (goal: the
worst under 1 s). Prints the /wechat latencies with and without the abuse, the attackers' statuses
and the server's peak RSS.

Run alone against any build: `python bench/abuse.py --licensebot /path/to/.venv/bin/licensebot`
(an older build is ingested into its own data directory first)."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent.parent / "tests")]

from bench.common import BIN, REPO, percentile, table  # noqa: E402
from bot.surfaces.channels.crypto import signature  # noqa: E402
from processes import free_port, running  # noqa: E402

TOKEN, NONCE = "abusetoken", "8080"
QUESTIONS = (
    "我的语音聊天房小程序需要多方通信许可证吗？",
    "电商平台需要办理EDI许可证吗？",
    "ICP备案和ICP许可证有什么区别？",
)


def _wechat(base: str, i: int) -> float:
    """One signed text message (a new MsgId each time, so each is answered); its latency in ms."""
    ts = str(int(time.time()))
    body = (
        f"<xml><ToUserName>gh_a</ToUserName><FromUserName>oAbuse{i % 20}</FromUserName><CreateTime>{ts}</CreateTime>"
        f"<MsgType>text</MsgType><Content><![CDATA[{QUESTIONS[i % len(QUESTIONS)]}]]></Content>"
        f"<MsgId>{time.time_ns() + i}</MsgId></xml>"
    ).encode()
    params = {"signature": signature(TOKEN, ts, NONCE), "timestamp": ts, "nonce": NONCE, "openid": f"oAbuse{i % 20}"}
    started = time.perf_counter()
    response = httpx.post(base + "/wechat", params=params, content=body, timeout=60)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"/wechat answered {response.status_code}: {response.text[:200]}")
    return elapsed


def _attack(base: str, megabytes: int, stop: threading.Event, statuses: Counter) -> None:
    """Stream one huge JSON body after another until told to stop."""
    host, port = base.removeprefix("http://").split(":")
    while not stop.is_set():
        try:
            head, tail = b'{"question":"' + QUESTIONS[0].encode() + b'","pad":"', b'"}'
            with socket.create_connection((host, int(port)), timeout=60) as s:
                s.sendall(
                    f"POST /v1/ask HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(head) + megabytes * 16 * 65536 + len(tail)}\r\n\r\n".encode()
                    + head
                )
                try:
                    for _ in range(megabytes * 16):
                        s.sendall(b"x" * 65536)
                    s.sendall(tail)
                except OSError:
                    pass  # refused before the body was read
                status = s.recv(64).split(b" ")[1:2]
                statuses[status[0].decode() if status else "closed"] += 1
        except OSError as exc:
            statuses[type(exc).__name__] += 1


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _series(base: str, messages: int, concurrency: int) -> list[float]:
    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(lambda i: _wechat(base, i), range(messages)))


def measure(
    licensebot: Path, data_dir: Path, attackers: int = 5, megabytes: int = 20, messages: int = 60, concurrency: int = 5
) -> dict:
    env = {
        "LICENSEBOT_DATA_DIR": str(data_dir),
        "LICENSEBOT_WECHAT_TOKEN": TOKEN,
        "LICENSEBOT_CHANNEL_STORE": str(data_dir / f"abuse-channels-{time.time_ns()}.sqlite"),
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running(
        [str(licensebot), "serve", "--port", str(port)],
        base + "/healthz",
        data_dir / f"abuse-serve-{port}.log",
        env,
        timeout_s=180,
    ) as proc:
        quiet = _series(base, messages, concurrency)
        stop, statuses = threading.Event(), Counter()
        threads = [
            threading.Thread(target=_attack, args=(base, megabytes, stop, statuses), daemon=True)
            for _ in range(attackers)
        ]
        for t in threads:
            t.start()
        try:
            abused = _series(base, messages, concurrency)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=120)
        rss = _peak_rss_mb(proc.pid)
    return {
        "quiet": quiet,
        "abused": abused,
        "attack_statuses": dict(statuses),
        "peak_rss_mb": rss,
        "attackers": attackers,
        "megabytes": megabytes,
    }


def report(figures: dict) -> str:
    rows = [
        [name, len(t), percentile(t, 50), percentile(t, 95), max(t)]
        for name, t in (
            ("/wechat alone", figures["quiet"]),
            (f"/wechat beside {figures['attackers']}×{figures['megabytes']} MB bodies", figures["abused"]),
        )
    ]
    return "\n".join(
        [
            table(["traffic", "messages", "p50 ms", "p95 ms", "worst ms"], rows),
            "",
            f"attackers' answers: {figures['attack_statuses']}; server peak RSS {figures['peak_rss_mb']:.0f} MB; "
            f"worst /wechat under abuse {max(figures['abused']):.0f} ms (goal < 1000 ms)",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--licensebot", type=Path, default=BIN / "licensebot", help="the build to measure")
    parser.add_argument("--attackers", type=int, default=5)
    parser.add_argument("--megabytes", type=int, default=20)
    parser.add_argument("--messages", type=int, default=60)
    args = parser.parse_args(argv)
    data = Path(tempfile.mkdtemp(prefix="licensebot-abuse-"))
    subprocess.run(
        [str(args.licensebot), "ingest", "-q", str(REPO / "knowledge" / "articles")],
        env={"LICENSEBOT_DATA_DIR": str(data), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
    )
    print(report(measure(args.licensebot, data, args.attackers, args.megabytes, args.messages)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
