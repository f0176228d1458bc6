"""End to end in a real headless Chromium: `licensebot ui` serves the page, a visitor types the
voice-chat-room question, and the verdict badge and a highlighted quote appear."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from processes import BIN, READY, free_port, running

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed: `make browser` (as root) installs Debian's chromium"
    ),
]


def serve_page(data_dir: Path, log: Path, env: dict | None = None):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    return url, running(
        [str(BIN / "licensebot"), "ui", "--port", str(port)],
        url + "/_stcore/health",
        log,
        {"LICENSEBOT_DATA_DIR": str(data_dir), **(env or {})},
        timeout_s=90,
        healthy=lambda r: r.text == "ok",
        ready=READY["streamlit"],
    )


@pytest.fixture
def page_url(knowledge, settings, tmp_path):
    url, server = serve_page(settings.data_dir, tmp_path / "ui.log")
    with server:
        yield url


def ask_on_the_page(page, url: str, question: str) -> None:
    from playwright.sync_api import expect

    page.goto(url, wait_until="domcontentloaded")
    box = page.get_by_test_id("stChatInputTextArea")
    expect(box).to_be_visible(timeout=90_000)
    box.fill(question)
    box.press("Enter")


def test_voice_chat_room_question_in_chromium(page_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=FLAGS
        )  # Playwright gives it a fresh temporary profile
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1600}, locale="zh-CN")
            ask_on_the_page(page, page_url, "我的语音聊天房小程序需要多方通信许可证吗？")
            expect(page.get_by_text("国内多方通信业务许可证：需要")).to_be_visible(timeout=90_000)
            quote = page.locator("mark").first
            expect(quote).to_be_visible()
            assert "語音聊天房" in quote.inner_text()
            expect(page.get_by_text("社交類小程序為何需要ICP證和多方通信許可證").first).to_be_visible()
            page.screenshot(path=str(tmp_path / "voice-chat-room.png"), full_page=True)
        finally:
            browser.close()
    assert (tmp_path / "voice-chat-room.png").stat().st_size > 10_000


OFF_SITE = "http://203.0.113.9"  # TEST-NET-3: never routed; the test aborts any request to it anyway
PAYLOAD = (
    f'詳見[辦理指南]({OFF_SITE}/guide)、![二維碼]({OFF_SITE}/qr.png)<img src="{OFF_SITE}/raw.png">'
    f"&lt;img src={OFF_SITE}/ent.png onerror=alert(1)&gt;官網www.evil-example.com或{OFF_SITE}/x，"
    f'<a href="{OFF_SITE}/a">點此</a>。'
)
TITLE = "社交類小程序為何需要ICP證和多方通信許可證"


@pytest.fixture
def hostile_page(tmp_path, embedder):
    """The shipped articles, one of them carrying Markdown and HTML in its title and beside a quoted sentence."""
    from conftest import ARTICLES, make_settings
    from ingest.pipeline import ingest

    articles = tmp_path / "articles"
    shutil.copytree(ARTICLES, articles)
    article = articles / "002_efd8fce62a7682d1.txt"
    text = article.read_text(encoding="utf-8").replace(
        TITLE, TITLE + f"![t]({OFF_SITE}/t.png)[點我]({OFF_SITE}/t)<b>粗</b>"
    )
    quoted = (
        "正是典型的多方通信業(yè)務(wù)應(yīng)用場景。"  # as the page has it; the payload follows a quoted sentence
    )
    assert quoted in text
    article.write_text(text.replace(quoted, quoted + PAYLOAD, 1), encoding="utf-8")
    data = tmp_path / "data"
    ingest([articles], make_settings(data), embedder=embedder, show_progress=False, log=lambda m: None)
    url, server = serve_page(data, tmp_path / "ui.log")
    with server:
        yield url


def shown_text(page) -> str:
    """What a reader sees, with the invisible word joiners that stop autolinking taken out."""
    return page.locator("main").inner_text().replace("\u2060", "")


def local_only(context) -> list[str]:
    """Every URL the browser asks for, recorded; any request not to 127.0.0.1 is aborted."""
    requested: list[str] = []

    def route(route):
        requested.append(route.request.url)
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.abort()

    context.route("**/*", route)
    return requested


def test_a_hostile_article_creates_no_link_image_element_or_outside_request(hostile_page):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 2400}, locale="zh-CN")
            requested = local_only(context)
            page = context.new_page()
            ask_on_the_page(page, hostile_page, "我的语音聊天房小程序需要多方通信许可证吗？")
            expect(
                page.get_by_text("國內多方通信業務許可證：需要").or_(page.get_by_text("国内多方通信业务许可证：需要"))
            ).to_be_visible(timeout=90_000)
            expect(page.get_by_text("![二維碼]", exact=False).first).to_be_visible()  # shown, as text
            expect(page.get_by_text("[點我]", exact=False).first).to_be_visible()
            assert "<b>粗</b>" in shown_text(page) and "點此</a>" in shown_text(page)
            shown = page.locator("main")
            assert shown.locator("[data-testid=stMarkdownContainer]").count() > 5 and shown.locator("mark").count() >= 1
            assert (
                shown.locator('[src*="203.0.113.9"], [href*="203.0.113.9"], [href*="evil-example"], [onerror]').count()
                == 0
            )
            answers = shown.locator("[data-testid=stChatMessage]")  # (the page's own heading has an anchor link)
            assert answers.locator(":is(a, img, b, iframe, script, object, embed, svg image)").count() == 0
            assert shown.locator("[data-testid=stExpander] summary :is(a, img, b)").count() == 0
        finally:
            browser.close()
    assert requested and all(urlparse(u).hostname == "127.0.0.1" for u in requested), [
        u for u in requested if "127.0.0.1" not in u
    ]


HOSTILE_QUESTIONS = [
    "明天北京天气怎么样"
    + PAYLOAD
    + "<iframe src=\"%s/f\"></iframe><script>fetch('%s/s')</script>" % (OFF_SITE, OFF_SITE),
    "明天北京天气如何" + PAYLOAD + "**粗**`代码`",
]


def test_operator_logs_in_sees_charts_and_groups_and_adds_an_eval_case(knowledge, settings, embedder, tmp_path):
    """A customer's question is untrusted text on the operator page too: two hostile wordings of one
    question are grouped (after the larger EDI group), and opening every group shows them as text,
    with no link, image or element made from them and no request leaving 127.0.0.1. Then a guesser
    opening a new session for each try is locked out, right password or not."""
    from playwright.sync_api import expect, sync_playwright

    from bot.service import Bot

    env = {
        "LICENSEBOT_QUESTION_LOG_FILE": str(tmp_path / "q.sqlite"),
        "LICENSEBOT_ADMIN_PASSWORD": "staff only",
        "LICENSEBOT_OPERATOR_SUITE": str(tmp_path / "suites" / "operator.yaml"),
        "LICENSEBOT_ADMIN_LOGIN_STORE": str(tmp_path / "logins.sqlite"),
        "LICENSEBOT_ADMIN_RETRY_DELAY_S": "0",
        "LICENSEBOT_ADMIN_MAX_FAILURES": "2",
    }
    customers = Bot(settings.model_copy(update={"question_log_file": tmp_path / "q.sqlite"}), embedder)
    asked = [("EDI许可证办下来要多久？", "wechat"), ("办EDI证需要多长时间", "page"), ("EDI审批周期是多久", "page")]
    for question, channel in asked + [(q, "api") for q in HOSTILE_QUESTIONS]:
        customers.ask(question, channel=channel, user="u")
    url, server = serve_page(settings.data_dir, tmp_path / "ui.log", env)
    with server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 2400}, locale="zh-CN")
            requested = local_only(context)
            page = context.new_page()
            page.goto(url + "/operator", wait_until="domcontentloaded")
            password = page.get_by_label("运营密码")
            expect(password).to_be_visible(timeout=90_000)
            password.fill("staff only")
            password.press("Enter")
            expect(page.get_by_text("每天的问题数（按渠道）")).to_be_visible(timeout=60_000)
            expect(page.locator("[data-testid=stVegaLiteChart]")).to_have_count(4, timeout=30_000)
            groups = page.locator("[data-testid=stExpander] summary")
            expect(groups).to_have_count(2, timeout=90_000)  # grouping embeds the questions first
            for i in range(groups.count()):
                groups.nth(i).click()
            expect(page.locator("[data-testid=stExpander] [data-testid=stForm]")).to_have_count(
                4
            )  # an eval case and a training example each
            labels = groups.all_inner_texts()
            assert "3 × EDI许可证办下来要多久？" in labels[0] and f"2 × {HOSTILE_QUESTIONS[0]}" in labels[1].replace(
                "\u2060", ""
            )  # whole, as text
            expanders = page.locator("[data-testid=stExpander]")  # not the table above, whose cells are a canvas
            for shown_as_text in ("![二維碼]", "[辦理指南]", "<iframe", "<script>", "**粗**`代码`"):
                expect(expanders.get_by_text(shown_as_text, exact=False).first).to_be_visible()
            main = page.locator("main")
            assert (
                main.locator('[src*="203.0.113.9"], [href*="203.0.113.9"], [href*="evil-example"], [onerror]').count()
                == 0
            )
            made = main.locator(
                "[data-testid=stExpander] :is(a, img, iframe, script, object, embed, svg image), "
                "[data-testid=stExpander] summary :is(b, strong, code)"
            )
            assert made.count() == 0, made.evaluate_all("els => els.map(e => e.outerHTML)")

            facts = page.get_by_label("回答里必须出现的内容（用逗号分隔，可不填）").first
            facts.fill("知识库")
            facts.press("Tab")
            page.get_by_role("button", name="加入评测集").first.click()
            expect(page.get_by_text("已加入 operator.yaml")).to_be_visible(timeout=30_000)
            page.screenshot(path=str(tmp_path / "operator.png"), full_page=True)

            for attempt in ("guess 1", "guess 2", "staff only"):  # a guesser opening a new session for every try
                guesser = context.new_page()
                guesser.goto(url + "/operator", wait_until="domcontentloaded")
                password = guesser.get_by_label("运营密码")
                expect(password).to_be_visible(timeout=90_000)
                password.fill(attempt)
                password.press("Enter")
                expect(
                    guesser.get_by_text("密码不正确" if attempt != "staff only" else "已暂时锁定", exact=False)
                ).to_be_visible(timeout=30_000)
            expect(guesser.get_by_text("每天的问题数（按渠道）")).to_have_count(0)
        finally:
            browser.close()
    assert requested and all(urlparse(u).hostname == "127.0.0.1" for u in requested), [
        u for u in requested if "127.0.0.1" not in u
    ]
    suite = (tmp_path / "suites" / "operator.yaml").read_text(encoding="utf-8")
    assert "question: EDI许可证办下来要多久？" in suite and "知识库" in suite


def test_an_editor_uploads_an_article_tries_a_question_and_deletes_it(embedder, tmp_path):
    """The 知识库 page in Chromium, against a running `licensebot ui`, no restart in between: an
    article about a licence the catalogue does not know is uploaded, its units are listed, a question
    it answers is hit-tested, and once it is deleted the same question is said to be uncovered."""
    from playwright.sync_api import expect, sync_playwright

    from conftest import ARTICLES, make_settings
    from ingest.pipeline import ingest
    from test_articles_api import PUBLISHING, QUESTION

    data = tmp_path / "data"
    assert (
        ingest([ARTICLES], make_settings(data), embedder=embedder, show_progress=False, log=lambda m: None).files == 5
    )
    env = {"LICENSEBOT_ADMIN_PASSWORD": "staff only", "LICENSEBOT_ADMIN_LOGIN_STORE": str(tmp_path / "logins.sqlite")}
    url, server = serve_page(data, tmp_path / "ui.log", env)
    with server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 2400}, locale="zh-CN")
            page.goto(url + "/knowledge", wait_until="domcontentloaded")
            password = page.get_by_label("运营密码")
            expect(password).to_be_visible(timeout=90_000)
            password.fill("staff only")
            password.press("Enter")
            upload = page.locator("[data-testid=stFileUploader] input[type=file]").first
            expect(upload).to_be_attached(timeout=90_000)
            upload.set_input_files(files=[{"name": "publishing.txt", "mimeType": "text/plain", "buffer": PUBLISHING}])
            page.get_by_role("button", name="上传").click()
            expect(page.get_by_text("已可回答", exact=False)).to_be_visible(timeout=90_000)

            page.get_by_test_id("stSelectbox").first.click()
            page.get_by_role("option").filter(has_text="publishing.txt").click()
            expect(page.get_by_text("网络出版服务许可证办理指南（", exact=False)).to_be_visible(timeout=30_000)

            def hit_test() -> None:
                box = page.get_by_label("输入一个问题，看它如何被理解和回答")
                box.fill(QUESTION)
                box.press("Tab")
                page.get_by_role("button", name="测试").click()

            shown = page.locator("[data-testid=stText]")
            hit_test()
            expect(shown.filter(has_text="1000万元").first).to_be_visible(timeout=60_000)
            page.screenshot(path=str(tmp_path / "knowledge.png"), full_page=True)

            page.get_by_role("button", name="删除这篇文章").click()
            expect(page.get_by_text("删除完成")).to_be_visible(timeout=90_000)
            hit_test()
            expect(page.get_by_text("知识库中没有关于【网络出版服务许可证】", exact=False)).to_be_visible(
                timeout=60_000
            )
        finally:
            browser.close()
