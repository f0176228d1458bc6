"""The CLI as CONTRACT.md describes it, run as a real subprocess on a real index."""

import json
import os
import subprocess
import sys

import pytest

from conftest import ARTICLES


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    data = tmp_path_factory.mktemp("cli-data")
    env = dict(os.environ, LICENSEBOT_DATA_DIR=str(data))
    subprocess.run(
        [sys.executable, "-m", "bot", "ingest", "-q", str(ARTICLES)],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return env


def run(env, *args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, input=stdin, capture_output=True, text=True, timeout=300
    )


def test_ask_prints_answer_then_numbered_quotes(env):
    out = run(env, "ask", "我的语音聊天房小程序需要多方通信许可证吗？")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("结论：需要")
    assert "引文：" in out.stdout and "[1] “" in out.stdout and "002_efd8fce62a7682d1.txt" in out.stdout


def test_ask_json_prints_one_contract_answer(env):
    out = run(env, "ask", "--json", "does my voice chat room need a multi-party license?")
    a = json.loads(out.stdout)
    assert a["verdict"] == "required" and a["mode"] == "rules"
    assert {"question", "verdict", "licenses", "answer", "citations", "mode", "confidence", "latency_ms"} <= set(a)
    assert any(l["slug"] == "multiparty" and l["status"] == "required" for l in a["licenses"])


def test_batch_answers_every_line_in_order_including_empty_ones(env):
    questions = ["语音聊天房要办多方通信吗", "", "今天天气怎么样", "办ICP许可证要多少钱？"] * 25
    out = run(env, "ask", "--json", "-", stdin="\n".join(questions) + "\n")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip("\n").split("\n")
    assert len(lines) == 100
    answers = [json.loads(l) for l in lines]
    for q, a in zip(questions, answers):
        assert a["question"] == q
    assert answers[0]["verdict"] == "required" and "error" in answers[1]
    assert answers[2]["verdict"] == "out_of_scope" and answers[3]["verdict"] == "unknown"


def test_a_rule_whose_quote_is_not_in_the_articles_is_not_applied_and_says_so(env, knowledge_copy):
    """The rule goes unapplied (its claim has no quote), the others answer, and stderr names the rule;
    `kb check` and `licensebot eval` fail on it (tests/test_kb_check.py, tests/test_eval.py)."""
    rules = knowledge_copy / "rules.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("商家自营不需要,", "商家自营一律不需要,"), encoding="utf-8"
    )
    out = run(dict(env, LICENSEBOT_KNOWLEDGE_DIR=str(knowledge_copy)), "ask", "自营商城需要ICP吗")
    assert out.returncode == 0 and "Traceback" not in out.stderr
    assert "rules not applied" in out.stderr and "features.self_operated.licenses.icp.quotes" in out.stderr
    assert "知识库没有说明是否需要ICP经营许可证" in out.stdout and "ICP备案（需要）" in out.stdout


def test_kb_show_lists_units_with_what_they_mean(env):
    out = run(env, "kb", "show", "多方通信许可证的办理条件", "--limit", "3", "--json")
    assert out.returncode == 0, out.stderr
    units = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(units) == 3 and units[0]["similarity"] >= units[-1]["similarity"]
    top = units[0]
    assert (
        "multiparty" in top["licenses"]
        and "condition" in top["kinds"]
        and top["source"].endswith("002_efd8fce62a7682d1.txt")
    )
    listed = run(env, "kb", "show", "--kind", "penalty", "--license", "multiparty", "--limit", "50", "--json")
    assert all(
        "penalty" in json.loads(l)["kinds"] and "multiparty" in json.loads(l)["licenses"]
        for l in listed.stdout.splitlines()
    )


def test_chat_questions_reach_stats_and_an_operator_case_reaches_eval(env, tmp_path):
    """The operator's loop from the terminal: customers' questions logged, grouped by `stats`, one
    turned into a case that `licensebot eval` runs."""
    from bot.insights.cases import append_case, make_case

    env = dict(env, LICENSEBOT_QUESTION_LOG_FILE=str(tmp_path / "q.sqlite"))
    chat = run(
        env,
        "chat",
        stdin="EDI许可证办下来要多久？\n办EDI证需要多长时间\n我的语音聊天房小程序需要多方通信许可证吗？\n\n",
    )
    assert chat.returncode == 0, chat.stderr
    out = run(env, "stats", "--days", "1", "--csv", str(tmp_path / "q.csv"))
    assert out.returncode == 0, out.stderr
    assert "Questions (last 1 days): 3" in out.stdout and "cli 3" in out.stdout
    assert "2 × EDI许可证办下来要多久？" in out.stdout and "· 办EDI证需要多长时间" in out.stdout
    assert (tmp_path / "q.csv").read_text(encoding="utf-8").count("\n") == 4  # header + 3 answers
    suite = tmp_path / "operator.yaml"
    case_id = append_case(suite, make_case("EDI许可证办下来要多久？", {"edi": "required"}, [], False, []))
    out = run(env, "eval", str(suite))
    assert out.returncode == 1 and f"operator/{case_id}: new failure" in out.stdout  # fails until the answerer is fixed


def test_stopping_licensebot_ui_stops_the_page(env, tmp_path):
    """A supervisor stops `licensebot ui` by its pid: nothing may keep the port afterwards."""
    import signal
    import socket

    from processes import BIN, READY, free_port, _Output

    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "licensebot"), "ui", "--port", str(port)],
        env=dict(env, PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = _Output(proc, tmp_path / "ui.log", READY["streamlit"])
    output.start()
    try:
        assert output.ready.wait(90) and output.matched, (tmp_path / "ui.log").read_text()
        os.kill(proc.pid, signal.SIGTERM)  # the pid only, as systemd or a script would
        proc.wait(timeout=30)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
