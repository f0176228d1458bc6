"""End to end in a real headless Chromium: `licensebot ui` serves the page, a visitor types the
voice-chat-room question, and the verdict badge and a highlighted quote appear."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed: `make browser` (as root) installs Debian's chromium")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def page_url(knowledge, settings, tmp_path):
    port = free_port()
    env = {**os.environ, "LICENSEBOT_DATA_DIR": str(settings.data_dir)}
    log = (tmp_path / "ui.log").open("w")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "licensebot"), "ui", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if httpx.get(url + "/_stcore/health", timeout=2).text == "ok":
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("the page did not start: " + (tmp_path / "ui.log").read_text())
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_voice_chat_room_question_in_chromium(page_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)  # Playwright gives it a fresh temporary profile
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1600}, locale="zh-CN")
            page.goto(page_url, wait_until="domcontentloaded")
            box = page.get_by_test_id("stChatInputTextArea")
            expect(box).to_be_visible(timeout=90_000)
            box.fill("我的语音聊天房小程序需要多方通信许可证吗？")
            box.press("Enter")
            expect(page.get_by_text("国内多方通信业务许可证：需要")).to_be_visible(timeout=90_000)
            quote = page.locator("mark").first
            expect(quote).to_be_visible()
            assert "語音聊天房" in quote.inner_text()
            expect(page.get_by_text("社交類小程序為何需要ICP證和多方通信許可證").first).to_be_visible()
            page.screenshot(path=str(tmp_path / "voice-chat-room.png"), full_page=True)
        finally:
            browser.close()
    assert (tmp_path / "voice-chat-room.png").stat().st_size > 10_000
