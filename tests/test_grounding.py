"""One grounding check for every answer: what it catches, and that every extractive answer the eval
suites produce passes it."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering.answer import answer
from bot.answering.ground import line_problems, ungrounded, verdict_conflict
from bot.core.models import Context
from eval.suite import SUITES_DIR, load_suite

VOICE_ROOM = "我的语音聊天房小程序需要多方通信许可证吗？"


@pytest.fixture(scope="module")
def voice_room(knowledge):
    return answer(VOICE_ROOM, knowledge)


@pytest.mark.parametrize("line, problem", [
    ("办理费用是38000元，审批周期为45个工作日[1]", "number not in its quotes: 38000"),
    ("文章说『语音聊天房无需任何许可证』[1]", "quoted text not in its quotes"),
    ("文章说'语音聊天房无需办证'[1]", "quoted text not in its quotes"),
    ("还需要办理SP许可证[1]", "licence name not in its quotes or the catalogue"),
    ("见第九条引文[9]", "[9] is not a citation"),
])
def test_invented_numbers_quotes_names_and_markers_are_caught(knowledge, voice_room, line, problem):
    assert any(problem in p for p in line_problems(line, voice_room, knowledge.catalog)), line_problems(line, voice_room, knowledge.catalog)


def test_a_supported_line_passes(knowledge, voice_room):
    quote = voice_room.citations[0].quote
    assert line_problems(f"文章原话：“{quote}”[1]（2025-07-02）", voice_room, knowledge.catalog) == []


def test_a_status_other_than_the_computed_one_is_a_conflict(knowledge):
    depends = answer("只有1对1视频聊天，需要多方通信许可证吗？", knowledge)
    assert verdict_conflict("需要办理国内多方通信业务许可证[1]", depends, knowledge.catalog)
    assert verdict_conflict("结论：不需要多方通信许可证[1]", depends, knowledge.catalog)
    assert verdict_conflict("各地通信管理局对多方通信许可证的认定可能存在差异[1]", depends, knowledge.catalog) is None


def suite_questions() -> list[tuple[str, list[str]]]:
    cases = [c for p in sorted(SUITES_DIR.glob("*.yaml")) for c in load_suite(p).cases if not load_suite(p).articles]
    return [(c.question, c.before) for c in cases]


def test_every_extractive_answer_to_the_suites_is_grounded(knowledge):
    checked = 0
    for question, before in suite_questions():
        context = Context()
        for earlier in before:
            first = answer(earlier, knowledge, context)
            context = Context(features=first.carried_over + first.features, licenses=first._asked)
        a = answer(question, knowledge, context)
        assert ungrounded(a, knowledge.catalog) == [], (question, ungrounded(a, knowledge.catalog))
        checked += 1
    assert checked > 250
