"""What is quoted and what comes first, asked of the real index: a question of two kinds gets both parts,
the unit that addresses what was asked leads, and a part the articles are silent on is said for that
part only."""

import re

import pytest

from asking import statuses
from bot.answering.answer import answer
from bot.core.text import fold


@pytest.mark.parametrize(
    "question",
    [
        "ICP证和EDI证有什么区别，注册资本各要多少？",
        "What's the difference between the ICP licence and EDI, and how much registered capital does each need?",
    ],
)
def test_a_question_asking_a_comparison_and_an_amount_gets_the_amount_too(knowledge, question):
    """The intent (a comparison) shapes the answer; it does not hide the sentence with the capital figure."""
    a = answer(question, knowledge)
    assert a.intent == "comparison"
    assert any("注册资本最低限额为100万元" in c.quote for c in a.citations), [c.quote for c in a.citations]


def test_duties_after_issuance_are_quoted_and_a_date_the_articles_never_give_is_said_to_be_missing(knowledge):
    duties = answer("我们公司刚拿到ICP证，以后还有哪些事情要做？", knowledge)
    assert duties.verdict.value == "depends"
    assert any("定期" in c.quote for c in duties.citations)  # reporting, keeping the registration current
    dated = answer("我们拿到ICP证以后，每年几月份之前要向工信部汇报？", knowledge)
    assert dated.verdict.value == "unknown"  # the articles give no month: said first, not guessed
    assert dated.answer.startswith("知识库中的文章没有给出您问的具体日期或期限")
    assert dated.citations and any("定期" in c.quote for c in dated.citations)  # what they do say about it follows
    assert not re.search(r"[0-9一二三四五六七八九十]+月", dated.answer.split("\n", 1)[0])


def test_a_question_wholly_about_something_no_article_mentions_says_so_before_what_they_do_say(knowledge):
    a = answer("拿到证之后是不是还得年检？", knowledge)
    assert a.verdict.value == "unknown"
    assert a.answer.startswith("知识库中的文章没有提到【年检】")
    assert a.citations and any("定期" in c.quote for c in a.citations)
    mentioned = answer("拿到ICP证之后，公司改名要不要去更新信息？", knowledge)  # 公司名称变更 is in an article
    assert mentioned.verdict.value == "depends" and any("名称变更" in c.quote for c in mentioned.citations)


def test_a_verdict_question_that_also_asks_how_long_gets_both(knowledge):
    """The licence the product needs from the rules, then the quotes on how long it takes: the second
    part of the question is answered, not dropped because the first decided the intent."""
    a = answer("我们的直播平台有多人视频连线，需要什么许可证？审批周期一般多长？", knowledge)
    assert a.intent == "verdict" and statuses(a)["multiparty"] == "required", (a.intent, statuses(a))
    quotes = " ".join(c.quote for c in a.citations)
    assert "一个月左右" in quotes or "數周" in quotes, quotes
    assert a.answer.rstrip().splitlines()[-1].startswith("提示")  # the caution stays last
    assert len(a.citations) == len({c.id for c in a.citations}) and all(
        f"[{c.id}]" in a.answer for c in a.citations
    )  # every citation is used in the text: none left over from a part the articles do not answer


def test_the_first_quote_is_the_one_that_addresses_what_was_asked_among_equally_close_ones(knowledge):
    """e5 puts the list of services that need the ICP licence a hair above the list of review categories;
    a question about the categories gets the categories first (its first line is the answer)."""
    a = answer("微信那边审核的时候，哪些类目要交增值电信的证？", knowledge)
    first = a.answer.splitlines()[0]
    assert "类目" in first and "信息集市" in a.citations[0].quote, first


def test_a_verdict_on_no_licence_in_particular_has_no_empty_sentence(knowledge):
    a = answer("小程序上线审核，哪些类目需要提供增值电信许可证？", knowledge)
    assert "。。" not in a.answer.splitlines()[0], a.answer.splitlines()[0]


def test_a_question_of_two_kinds_gets_both_answered(knowledge):
    """ "办下来要多久？没证先收费会怎么罚？": the penalties (its cue comes first) and then the time, not the
    penalties alone."""
    a = answer("经营许可证一般多久能批下来？要是还没拿到证就先收会员费，会被怎么罚？", knowledge)
    quotes = fold(" ".join(c.quote for c in a.citations))
    assert "罚款" in quotes and ("一个月左右" in quotes or "数周" in quotes), quotes[:300]


@pytest.mark.parametrize(
    "question, example",
    [
        ("我们做本地分类信息小程序，发二手和招聘帖免费，想置顶要付费，要办什么证？", "58同城"),
        ("我们在做一个工程师问答社区，大家提问回答、互相关注，暂时不卖任何东西，要办经营许可证吗？", "知乎"),
    ],
)
def test_a_product_like_an_articles_example_is_answered_with_the_example(knowledge, question, example):
    """The articles name sites like the product (58同城 for paid listings, 知乎 for communities): the rule
    quotes them, so the user sees a product like theirs named."""
    a = answer(question, knowledge)
    assert statuses(a).get("icp") == "required", statuses(a)
    assert any(example in fold(c.quote) for c in a.citations), [c.quote[:40] for c in a.citations]


def test_a_part_the_articles_are_silent_on_is_said_and_the_rest_answered(knowledge):
    """ "代办费多少？审批多久？": the articles give no fee; they say how long it takes."""
    a = answer("找人代办ICP证的费用大概多少？审批一般要多久？", knowledge)
    assert "关于【费用】" in a.answer and a.verdict.value != "unknown", a.answer[:60]
    assert "一个月左右" in fold(" ".join(c.quote for c in a.citations)), a.answer[:200]


def test_a_word_the_best_few_quotes_leave_out_is_looked_for_in_every_relevant_unit(knowledge):
    """ "拿到ICP许可证还有什么别的好处？": the three units closest in meaning are about conditions and steps; the
    one that lists the benefits is further down, and is quoted because it addresses what they leave out."""
    a = answer("除了合规经营，拿到ICP许可证对公司还有什么别的好处？", knowledge)
    quotes = fold(" ".join(c.quote for c in a.citations))
    assert "提升企业形象" in quotes or "政策支持" in quotes, quotes[:300]


def test_a_verdict_question_no_rule_covers_quotes_first_the_unit_that_answers_what_it_asks(knowledge):
    """No product is described, so no rule decides; of the units quoted, the list of review categories
    addresses what is asked (审核, 类目, 提供, 增值电信…), and how the licence stands is still said by the closest
    units, not by the list."""
    a = answer("小程序提交审核的时候，什么类目必须提供增值电信业务经营许可证？", knowledge)
    assert "信息集市" in a.citations[0].quote, a.answer
    assert a.verdict.value == "depends", a.answer
