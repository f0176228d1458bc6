"""End to end in a real headless Chromium: `licensebot ui` serves the page, a visitor types the
voice-chat-room question, and the verdict badge and a highlighted quote appear."""
from __future__ import annotations

import shutil

import pytest

from processes import BIN, READY, free_port, running

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed: `make browser` (as root) installs Debian's chromium")]


@pytest.fixture
def page_url(knowledge, settings, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running([str(BIN / "licensebot"), "ui", "--port", str(port)], url + "/_stcore/health", tmp_path / "ui.log",
                 {"LICENSEBOT_DATA_DIR": str(settings.data_dir)}, timeout_s=90, healthy=lambda r: r.text == "ok",
                 ready=READY["streamlit"]):
        yield url


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
