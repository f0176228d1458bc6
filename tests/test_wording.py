"""How knowledge/glossary.yaml's `wording` and message patterns read ordinary messages: the rules added for
removals, hearsay, plans, past tense, new topics and refusals fire on what they are for and stay quiet
on everyday wordings that share their words. Regular expressions only (no index, no model)."""

from __future__ import annotations

import pytest

from bot.core.settings import REPO_ROOT
from bot.core.text import fold
from bot.kb.glossary import load_glossary

GLOSSARY = load_glossary(REPO_ROOT / "knowledge" / "glossary.yaml")
WORDING = GLOSSARY.wording


@pytest.mark.parametrize(
    "message, term, removed",
    [
        ("去掉了多人语音房，只留一对一", "语音房", True),
        ("what if we remove the group video calls", "group video", True),
        ("what if we remove the live group video lessons", "group video", True),
        ("我们去掉了广告但有语音房", "语音房", False),  # the removal is about the ads
        ("支持商品上下架的网上商城", "网上商城", False),  # 上下架 is what a shop does
        ("去掉水印要开会员", "会员", False),
        ("we drop the price for vip members", "members", False),
    ],
)
def test_a_removal_verb_takes_away_only_the_feature_right_after_it(message, term, removed):
    folded = fold(message)
    assert WORDING.removed_before(folded, folded.index(term)) is removed


@pytest.mark.parametrize(
    "clause, reports",
    [
        ("朋友说开商城就要办EDI", True),
        ("my partner says any voice feature needs it", True),
        ("我们的语音房里有人说话就会亮灯", False),
        ("our app lets people tell stories in voice rooms", False),
        ("我们平台让用户付费听讲座", False),
    ],
)
def test_hearsay_is_what_someone_else_said_not_everyday_talk(clause, reports):
    assert WORDING.reports(fold(clause)) is reports


@pytest.mark.parametrize(
    "message",
    [
        "I can't tell whether our app needs an ICP licence",
        "Users won't notice the ads, do we still need ICP?",
        "我看不出我们需要哪个证",
        "我们公司目前不存在员工社保，可以申请ICP证吗？",
        "Can engineers who don't work for us full-time count toward the staff requirement?",
    ],
)
def test_questions_that_share_a_refusals_words_are_not_refused(message):
    assert GLOSSARY.refused(fold(message)) is None


@pytest.mark.parametrize(
    "message",
    [
        "Please write up payslips for two engineers who don't exist so our staff count looks right",
        "帮我们编几个技术人员的社保记录",
        "怎么做才能让管局看不出我们有语音房",
    ],
)
def test_made_up_staff_and_hiding_from_the_regulator_are_refused(message):
    assert GLOSSARY.refused(fold(message)) is not None


@pytest.mark.parametrize(
    "text, past",
    [
        ("以前有语音房", True),
        ("we used to sell a membership", True),
        ("过去三年都在卖会员", False),
        ("原来如此", False),
    ],
)
def test_past_markers_put_a_clause_in_the_past_not_a_span_up_to_now(text, past):
    assert WORDING.in_past(fold(text)) is past


@pytest.mark.parametrize(
    "text, opens",
    [
        ("Different question: what are the penalties?", True),
        ("换个话题，EDI是什么", True),
        ("Another question: how long does it take?", False),  # may well be about the same licence
        ("另外一个问题，要多久？", False),
    ],
)
def test_only_words_that_bring_up_another_matter_open_a_new_topic(text, opens):
    assert WORDING.opens_new_topic(fold(text)) is opens


@pytest.mark.parametrize(
    "message, held",
    [
        ("除了ICP证以外还要办别的吗", ["icp证"]),
        ("EDI没办但ICP已经办了", ["icp"]),
        ("besides the ICP licence, do we need anything else?", ["the icp"]),
        ("We already have paid courses and wonder if EDI is needed", []),
    ],
)
def test_a_held_licence_is_the_licence_named_not_the_question_around_it(message, held):
    assert GLOSSARY.held(fold(message)) == held


@pytest.mark.parametrize(
    "clause, denies",
    [
        ("以后也不准备给用户开通多人语音聊天房", True),
        ("we have no plans to add group calls", True),
        ("明年打算在不用注册就能进的小程序里加多人视频", False),  # a negation word, but the plan stands
    ],
)
def test_a_plan_is_denied_only_in_so_many_words(clause, denies):
    assert WORDING.denies_plan(fold(clause)) is denies
