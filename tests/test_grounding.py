"""One grounding check for every answer: what it catches. That every answer the eval suites produce
passes it is eval's `grounded_rate` (threshold 1.0 in every suite; tests/test_eval.py)."""

from __future__ import annotations


import pytest

from bot.answering.answer import answer
from bot.answering.ground import line_problems, verdict_conflict

VOICE_ROOM = "我的语音聊天房小程序需要多方通信许可证吗？"
ICP_CONDITIONS = "办理经营性ICP许可证需要满足什么条件？"


@pytest.fixture(scope="module")
def voice_room(knowledge):
    return answer(VOICE_ROOM, knowledge)


@pytest.mark.parametrize(
    "line, problem",
    [
        ("办理费用是38000元，审批周期为45个工作日[1]", "number not in its quotes: 38000"),
        ("文章说『语音聊天房无需任何许可证』[1]", "quoted text not in its quotes"),
        ("文章说'语音聊天房无需办证'[1]", "quoted text not in its quotes"),
        ("还需要办理SP许可证[1]", "licence name not in its quotes or the catalogue"),
        ("见第九条引文[9]", "[9] is not a citation"),
        ("办理费用是三万八千元[1]", "number not in its quotes: 38000元"),
        ("审批周期为四十五个工作日[1]", "number not in its quotes: 45个工作日"),
        ("费用是３８０００元[1]", "number not in its quotes: 38000元"),
        ("客服电话：零一零六二三四五六七八[1]", "a phone number"),
        ("依据《网络安全审查办法》，语音聊天房须备案[1]", "title not in its quotes: 《网络安全审查办法》"),
        ("详见 https://example.com/icp [1]", "a URL"),
        ("办理入口：beian.miit.gov.cn[1]", "a URL"),
        ("见[办理指南](/icp-guide)[1]", "a Markdown link"),
        ("<a href=/x>点此办理</a>[1]", "an HTML tag"),
        ("材料发到 icp@consultancy.example [1]", "an e-mail address"),
    ],
)
def test_invented_numbers_quotes_names_and_markers_are_caught(knowledge, voice_room, line, problem):
    assert any(problem in p for p in line_problems(line, voice_room, knowledge.catalog)), line_problems(
        line, voice_room, knowledge.catalog
    )


def test_a_supported_line_passes(knowledge, voice_room):
    quote = voice_room.citations[0].quote
    assert line_problems(f"文章原话：“{quote}”[1]（2025-07-02）", voice_room, knowledge.catalog) == []


def test_a_number_is_a_whole_number_of_its_quote_not_a_substring(knowledge, voice_room):
    """ "1亿" must not pass because a quote says "1对1": the quote has the value 1, not 100,000,000."""
    one_to_one = next(c.id for c in voice_room.citations if "1對1" in c.quote or "1对1" in c.quote)
    assert any(
        "number not in its quotes: 1亿" in p
        for p in line_problems(f"注册资本需1亿[{one_to_one}]", voice_room, knowledge.catalog)
    )
    assert line_problems(f"用户可以1对1随机匹配聊天[{one_to_one}]", voice_room, knowledge.catalog) == []


def test_a_figure_of_the_quote_passes_in_any_numerals_and_units(knowledge):
    conditions = answer(ICP_CONDITIONS, knowledge)
    cited = next(c.id for c in conditions.citations if "1000万元" in c.quote)
    for written in ("一千万元", "1000万", "10,000,000 yuan", "RMB 10 million", "一百万元人民币"):
        assert line_problems(f"注册资本最低为{written}[{cited}]", conditions, knowledge.catalog) == [], written
    for invented in ("一亿元", "1000万%", "五百万元"):
        assert line_problems(f"注册资本最低为{invented}[{cited}]", conditions, knowledge.catalog), invented


@pytest.mark.parametrize(
    "line",
    [
        "这种情况可以不办任何证照[1]",
        "无须办理…[1]",
        "You do not need any licence [1]",
        "结论：不需要[1]",
        "不需要办理多方通信许可证[1]",
        "可以不办ICP备案[1]",
    ],
)
def test_a_line_that_negates_the_computed_obligation_is_a_conflict(knowledge, voice_room, line):
    assert voice_room.verdict.value == "required"
    assert verdict_conflict(line, voice_room, knowledge.catalog)
    assert any("says no" in p for p in line_problems(line, voice_room, knowledge.catalog))


def test_an_obligation_in_a_verbatim_quotation_is_the_article_speaking(knowledge):
    """The extractive answer quotes sentences such as "…企业必须高度重视资质办理" under a verdict that
    depends: quoted verbatim they are the article's words; written as the answer's own, a conflict."""
    informational = answer("办多方通信许可证要满足什么条件？", knowledge)
    stating = [
        c for c in informational.citations if verdict_conflict(f"{c.quote}[{c.id}]", informational, knowledge.catalog)
    ]
    assert stating, "no quote of this answer states an obligation: pick another question"
    for c in stating:
        assert verdict_conflict(f"文章原话：“{c.quote}”[{c.id}]", informational, knowledge.catalog) is None


def test_a_line_that_asks_or_hedges_states_no_obligation(knowledge):
    depends = answer("只有1对1视频聊天，需要多方通信许可证吗？", knowledge)
    assert verdict_conflict("是否需要办理，以当地通信管理局的认定为准[1]", depends, knowledge.catalog) is None
    assert verdict_conflict("如果有多人视频，就需要办理多方通信许可证[1]", depends, knowledge.catalog) is None
    assert (
        verdict_conflict(
            "Whether you need the multi-party licence depends on your case [1]", depends, knowledge.catalog
        )
        is None
    )


def test_a_status_other_than_the_computed_one_is_a_conflict(knowledge):
    depends = answer("只有1对1视频聊天，需要多方通信许可证吗？", knowledge)
    assert verdict_conflict("需要办理国内多方通信业务许可证[1]", depends, knowledge.catalog)
    assert verdict_conflict("结论：不需要多方通信许可证[1]", depends, knowledge.catalog)
    assert verdict_conflict("各地通信管理局对多方通信许可证的认定可能存在差异[1]", depends, knowledge.catalog) is None
    assert verdict_conflict("无须办理…[1]", depends, knowledge.catalog)
    assert verdict_conflict("You do not need any licence [1]", depends, knowledge.catalog)


def test_an_english_claim_about_a_licence_of_the_catalogue_is_read_by_its_name_from_the_catalogue(knowledge_copy):
    """ "You must get SP." states an obligation once licenses.yaml has a licence called SP: the licence words
    an English obligation may take come from the catalogue, not from a list in code."""
    from bot.answering.obligations import claims
    from bot.kb.catalog import load_catalog

    line = "you must get sp."
    assert [c.slugs for c in claims(line, load_catalog(knowledge_copy))] == []
    licences = knowledge_copy / "licenses.yaml"
    licences.write_text(
        licences.read_text(encoding="utf-8")
        + "  sp:\n    name: SP证\n    name_en: SP licence\n    full_name: 信息服务业务（仅限互联网信息服务）\n"
        "    aliases: [SP证, SP, SP licence]\n",
        encoding="utf-8",
    )
    said = claims(line, load_catalog(knowledge_copy))
    assert [(c.says, c.slugs) for c in said] == [("yes", ("sp",))]
