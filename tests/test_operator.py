"""The operator's view: the page behind its password (AppTest on the real index and model), the
grouped table, adding an eval case that the eval runner then runs, CSV, and `licensebot stats`."""

from __future__ import annotations

import csv
import io

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from bot.core.settings import REPO_ROOT, get_settings
from bot.service import Bot
from eval.runner import run_suites
from eval.suite import load_suite
from ui.loading import load_gate

APP = str(REPO_ROOT / "ui" / "app.py")
SECRET_QUESTION = "EDI许可证办下来要多久？"
ASKED = [
    (SECRET_QUESTION, "wechat", "oA"),
    ("办EDI证需要多长时间", "wecom_kf", "wmB"),
    ("EDI审批周期是多久", "page", "p1"),
    ("我的语音聊天房小程序需要多方通信许可证吗？", "api", "s1"),
    ("明天北京天气怎么样", "page", "p2"),
]


@pytest.fixture
def logged(settings, embedder, knowledge, tmp_path):
    """This test's own question log and suite file, with five customers' questions in it."""
    mine = settings.model_copy(
        update={
            "question_log_file": tmp_path / "questions.sqlite",
            "log_salt": "s",
            "operator_suite": tmp_path / "suites" / "operator.yaml",
            "admin_login_store": tmp_path / "logins.sqlite",
        }
    )
    bot = Bot(mine, embedder)
    for question, channel, user in ASKED:
        bot.ask(question, channel=channel, user=user)
    return mine, bot


def open_app(monkeypatch, settings, password: str | None, **env: str) -> AppTest:
    for name, value in {
        "LICENSEBOT_DATA_DIR": settings.data_dir,
        "LICENSEBOT_QUESTION_LOG_FILE": settings.question_log_file,
        "LICENSEBOT_OPERATOR_SUITE": settings.operator_suite,
        "LICENSEBOT_LOG_SALT": "s",
        "LICENSEBOT_ADMIN_LOGIN_STORE": settings.admin_login_store,
        **env,
    }.items():
        if value is None:  # the session's default (under the data dir), never a file named "None" in the cwd
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, str(value))
    if password:
        monkeypatch.setenv("LICENSEBOT_ADMIN_PASSWORD", password)
    else:
        monkeypatch.delenv("LICENSEBOT_ADMIN_PASSWORD", raising=False)
    get_settings.cache_clear()
    st.cache_resource.clear()
    return AppTest.from_file(APP, default_timeout=120).run()


@pytest.fixture(autouse=True)
def fresh_settings():
    yield
    get_settings.cache_clear()
    st.cache_resource.clear()


def log_in(at: AppTest, password: str) -> AppTest:
    at.text_input(key="operator_password").set_value(password)
    return at.button(key="operator_enter").click().run()


def everything_shown(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("markdown", "text", "caption", "error", "info", "success", "title", "subheader")
        for e in getattr(at, kind)
    ]
    parts += (
        [str(d.value) for d in at.dataframe]
        + [m.label + str(m.value) for m in at.metric]
        + [x.label for x in at.expander]
    )
    return "\n".join(parts)


def test_without_a_password_setting_there_is_no_operator_page(monkeypatch, logged):
    at = open_app(monkeypatch, logged[0], None)
    assert not at.exception and [t.value for t in at.title] == ["互联网资质问答"]
    with pytest.raises(ValueError, match=r"Known pages: \['问答'\]"):  # not registered, so not in any menu or URL
        at.switch_page("operator.py")


def test_the_wrong_password_shows_nothing_of_the_log(monkeypatch, logged):
    at = open_app(monkeypatch, logged[0], "correct horse").switch_page("operator.py").run()
    assert not at.metric and len(at.text_input) == 1
    log_in(at, "wrong horse")
    assert at.error[0].value == "密码不正确。"
    shown = everything_shown(at)
    assert not at.metric and not at.dataframe and SECRET_QUESTION not in shown and "EDI" not in shown


def test_the_staff_pages_speak_the_configured_language_from_the_yaml(monkeypatch, logged):
    """LICENSEBOT_PAGE_LANGUAGE=en: the menu, the password form, the operator page's metrics, table and forms
    and the knowledge page are in English, from knowledge/messages/en.yaml; no Chinese label is left."""
    import re

    at = open_app(monkeypatch, logged[0], "correct horse", LICENSEBOT_PAGE_LANGUAGE="en").switch_page("operator.py")
    at.run()
    assert [t.value for t in at.title] == ["Operations"] and at.text_input[0].label == "Operator password"
    log_in(at, "correct horse")
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Questions"] == "5" and metrics["Unanswered"] == "60%"
    assert list(at.dataframe[0].value.columns) == ["Count", "Question", "Why", "Other wordings"]
    labels = [b.label for b in at.button] + [x.label for x in at.selectbox] + [x.label for x in at.multiselect]
    assert "Add to the eval suite" in labels and "Add to the training corpus" in labels
    chrome = labels + [m.label for m in at.metric] + [c.value for c in at.caption] + [h.value for h in at.subheader]
    chrome = [c for c in chrome if not any(q in c for q, _, _ in ASKED)]  # the customers' own words
    assert not [c for c in chrome if re.search(r"[\u4e00-\u9fff]", c)], chrome
    at.switch_page("knowledge.py").run()
    assert [t.value for t in at.title] == ["Knowledge base"] and not at.exception
    assert "Title" in at.dataframe[0].value.columns and at.button(key="hit_go").label == "Test"


def test_the_operator_sees_charts_and_unanswered_questions_grouped_by_meaning_then_adds_an_eval_case(
    monkeypatch, logged
):
    settings, bot = logged
    at = open_app(monkeypatch, settings, "correct horse").switch_page("operator.py").run()
    log_in(at, "correct horse")
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["问题数"] == "5" and metrics["未能回答"] == "60%" and "延迟 p95" in metrics
    assert len(at.get("vega_lite_chart")) == 4  # per day by channel, verdicts, unanswered share, latency
    groups = [x.label for x in at.expander]
    assert groups[0] == f"3 × {SECRET_QUESTION}"  # three wordings of one question, on three channels
    assert "1 × 明天北京天气怎么样" in groups and not any("语音聊天房" in g for g in groups)  # answered: not listed
    table = at.dataframe[0].value
    assert list(table["次数"]) == [3, 1] and "办EDI证需要多长时间" in table["其他问法"][0]

    at.selectbox(key="expect-0-edi").set_value("unknown")
    at.text_input(key="facts-0").set_value("知识库, 没有")
    [add] = [b for b in at.button if b.label == "加入评测集"][:1]
    add.click().run()
    assert at.success and at.success[0].value.startswith("已加入 operator.yaml：op-")
    suite = load_suite(settings.operator_suite)
    [case] = suite.cases
    assert case.question == SECRET_QUESTION and case.expect == {"edi": "unknown"}
    report = run_suites([suite], bot, show_progress=False)  # what `licensebot eval` runs
    [result] = report["results"]
    assert result["id"] == case.id and result["verdict"] == "unknown" and result["passed"]


def test_fifteen_quick_wrong_passwords_lock_the_page_for_every_session_even_with_the_right_one(
    monkeypatch, logged, caplog
):
    at = (
        open_app(monkeypatch, logged[0], "correct horse", LICENSEBOT_ADMIN_RETRY_DELAY_S="0")
        .switch_page("operator.py")
        .run()
    )
    for i in range(15):
        log_in(at, f"guess {i}")
    assert at.error[0].value.startswith("密码错误次数过多，已暂时锁定，请 15 分钟后再试")
    assert "密码不正确" not in at.error[0].value  # the 15th guess was not even compared
    log_in(at, "correct horse")
    assert not at.metric and "已暂时锁定" in at.error[0].value

    load_gate.clear()  # a new session of a new gate: all it knows is in the file
    again = AppTest.from_file(APP, default_timeout=120).run().switch_page("operator.py").run()
    log_in(again, "correct horse")
    assert not again.metric and "已暂时锁定" in again.error[0].value and SECRET_QUESTION not in everything_shown(again)
    wrong = [r.getMessage() for r in caplog.records if "wrong operator password" in r.getMessage()]
    assert len(wrong) == 5 and not any("guess" in r.getMessage() or "horse" in r.getMessage() for r in caplog.records)


def test_a_try_right_after_a_wrong_password_is_not_compared(monkeypatch, logged):
    at = (
        open_app(monkeypatch, logged[0], "correct horse", LICENSEBOT_ADMIN_RETRY_DELAY_S="600")
        .switch_page("operator.py")
        .run()
    )
    log_in(at, "wrong horse")
    log_in(at, "correct horse")
    assert not at.metric and at.error[0].value.startswith("尝试太频繁，这次没有核对密码，请 10 分钟后再试")


def test_csv_export_has_every_answer_and_no_raw_user_id(logged):
    _, bot = logged
    rows = list(csv.DictReader(io.StringIO(bot.operator().csv())))
    assert [r["question"] for r in rows] == [q for q, _, _ in ASKED]
    assert [r["channel"] for r in rows] == [c for _, c, _ in ASKED]
    assert not any(user in bot.operator().csv() for _, _, user in ASKED if len(user) > 2)


POEM = "帮我写一首关于秋天的现代诗"


@pytest.fixture
def own_knowledge(logged, tmp_path):
    """A copy of knowledge/ (the operator's examples land in its training/), and the log with one more
    refused question that no eval suite asks."""
    import shutil

    settings, bot = logged
    kdir = tmp_path / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge", kdir)
    shutil.copytree(REPO_ROOT / "eval" / "suites", settings.operator_suite.parent, dirs_exist_ok=True)
    mine = settings.model_copy(update={"knowledge_dir": kdir})
    bot.ask(POEM, channel="page", user="p3")
    return mine, kdir


def test_the_operator_saves_a_misread_question_as_a_training_example_that_kb_train_reads(monkeypatch, own_knowledge):
    from bot.kb.learned import store
    from bot.kb.training import load_corpus, vocabulary

    settings, kdir = own_knowledge
    at = (
        open_app(monkeypatch, settings, "correct horse", LICENSEBOT_KNOWLEDGE_DIR=str(kdir))
        .switch_page("operator.py")
        .run()
    )
    log_in(at, "correct horse")
    groups = [x.label for x in at.expander]
    poem = groups.index(f"1 × {POEM}")
    at.selectbox(key=f"ex-{poem}-refusal").set_value("unrelated")
    at.selectbox(key=f"ex-{poem}-intent").set_value("other")
    [save] = [b for b in at.button if b.label == "加入训练集"][poem : poem + 1]
    save.click().run()
    assert not at.error and at.success and at.success[0].value.startswith("已加入训练集 operator-")
    corpus = load_corpus(kdir / "training", vocabulary(kdir))
    assert corpus.problems == []
    [example] = [m for m in corpus.messages if m.writer == "operator"]
    assert (example.text, example.refusal.value, example.intents, example.lang) == (
        POEM,
        "unrelated",
        ["other"],
        "zh-Hans",
    )
    # what `licensebot kb train` trains on changed: the shipped students say so until retrained
    assert "changed since" in store.stale_reason(
        store.read_meta(kdir / "models" / "features"), kdir / "training", "e5-small"
    )

    # a question an eval suite already asks (in other words, sharing 8 characters) cannot also teach
    [save] = [b for b in at.button if b.label == "加入训练集"][:1]
    save.click().run()
    assert at.error and "不能既用于训练又用于评测" in at.error[0].value
    assert [m.text for m in load_corpus(kdir / "training", vocabulary(kdir)).messages if m.writer == "operator"] == [
        POEM
    ]


def test_operator_examples_are_validated_replaced_by_id_and_kept_apart_from_eval(own_knowledge):
    from bot.insights.operator import OperatorView, Overlaps
    from bot.kb.training import load_corpus, vocabulary

    settings, kdir = own_knowledge
    view = OperatorView(None, None, settings.operator_suite, kdir)
    question = "我哋個app有得幾個人一齊開咪傾偈，仲有打賞主播"
    first = view.add_example(question, {"voice_chat_room": "present"}, ["verdict"])
    again = view.add_example(question, {"voice_chat_room": "present", "live_tipping": "present"}, ["verdict"])
    [example] = [m for m in load_corpus(kdir / "training", vocabulary(kdir)).messages if m.writer == "operator"]
    assert first == again == example.id and example.lang == "yue"
    assert dict(example.clauses[0].features) == {"voice_chat_room": "present", "live_tipping": "present"}
    with pytest.raises(ValueError, match="unknown feature 'vr_chat'"):
        view.add_example("我们做VR社交", {"vr_chat": "present"})
    with pytest.raises(ValueError, match="unknown intent"):
        view.add_example("我们做VR社交", {}, ["vibes"])
    eval_question = load_suite(REPO_ROOT / "eval" / "suites" / "customer.yaml").cases[0].question
    with pytest.raises(Overlaps):
        view.add_example("客户问：" + eval_question, {})
    with pytest.raises(Overlaps, match="What is the registered"):  # the stored line: "text" runs into "Is there"
        view.add_example("Is there an answer?", {})
    training_text = next(
        m.text for m in load_corpus(kdir / "training", vocabulary(kdir)).messages if m.writer == "founder"
    )
    with pytest.raises(Overlaps):
        view.add_case(training_text, {"icp": "required"})
    assert len([m for m in load_corpus(kdir / "training", vocabulary(kdir)).messages if m.writer == "operator"]) == 1
