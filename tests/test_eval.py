"""The eval runner: suite errors name file/case/field, scoring catches wrong answers."""
import pytest

from bot.answer import answer
from eval.runner import SUITES_DIR, Case, SuiteError, load_suite, score_case


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
    case = Case(id="x", question=a.question, suite="t", expect={"multiparty": "not_required"}, facts=[["不存在的事实"]],
                no_invention=True)
    result = score_case(case, a, knowledge.index.docs, [])
    assert not result.passed
    assert any("multiparty" in r for r in result.reasons) and any("missing fact" in r for r in result.reasons)
    assert result.scores["quote_verbatim_rate"] == 1.0
