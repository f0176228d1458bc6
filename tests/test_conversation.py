"""Conversations, asked of the real index: what a message inherits from the question before it, and when
it is a new question of its own."""

import pytest

from asking import context_after, statuses
from bot.answering.answer import answer
from bot.core.models import Context


def test_follow_up_carries_the_features_of_the_previous_question(knowledge):
    first = answer("我们做一个语音聊天房小程序，还有商家入驻", knowledge)
    context = Context(features=first.features, licenses=[l.slug for l in first.licenses])
    follow = answer("那如果只有1对1视频呢？", knowledge, context)
    assert "outside_sellers" in follow.carried_over and "voice_chat_room" not in follow.features
    assert statuses(follow)["multiparty"] == "depends" and statuses(follow)["edi"] == "required"


def test_a_follow_up_of_another_kind_is_about_the_product_described_before(knowledge):
    """Asked "How bad can it get?" after "we charge members and never applied": the penalties, and that the
    product needs the ICP licence because of the membership said before."""
    first_q = "我们的App一直在收会员费，但从来没申请过经营许可证"
    context = context_after(first_q, knowledge)
    follow = answer("最严重会怎么样？会被关掉吗？", knowledge, context)
    assert follow.follow_up and "member_fees" in follow.carried_over, (follow.follow_up, follow.carried_over)
    assert follow.intent == "penalty" and statuses(follow)["icp"] == "required", (follow.intent, statuses(follow))


def test_a_message_worded_as_a_follow_up_with_no_product_of_its_own_stays_in_the_conversation(knowledge):
    """ "那ICP证以外还需要哪些证？" after a marketplace: it names a licence, which the follow-up student takes for a
    new subject, but it describes no product, so it asks about the one described before (ICP and EDI)."""
    first_q = "我们做了个让别的店铺进来开店的小程序，按成交额抽佣，经营许可证正在申请。"
    context = context_after(first_q, knowledge)
    follow = answer("那ICP证以外还需要哪些证？", knowledge, context)
    assert follow.follow_up and "outside_sellers" in follow.carried_over, (follow.follow_up, follow.carried_over)
    assert statuses(follow).get("edi") == "required", statuses(follow)
    new = answer("ICP证以外还需要哪些证？我们做企业官网，只展示公司介绍", knowledge, context)
    assert not new.follow_up and "outside_sellers" not in new.carried_over


@pytest.mark.parametrize(
    "follow_q", ["你刚才提到的ICP证和多方通信证差别在哪？", "Do we really need both permits you mentioned?"]
)
def test_a_message_that_points_back_at_what_was_said_continues_the_conversation(knowledge, follow_q):
    """A comparison naming two licences is a new question of its own, unless it points back at the answer
    ("你刚才提到的…", "you mentioned"): then it is about the product described before."""
    first_q = "我们的App有多人视频会议功能，企业客户按年付费。"
    context = context_after(first_q, knowledge)
    follow = answer(follow_q, knowledge, context)
    assert follow.follow_up and "group_video" in follow.carried_over, (follow.follow_up, follow.carried_over)
    fresh = answer("ICP证和多方通信证差别在哪？", knowledge, context)
    assert "group_video" not in fresh.carried_over


def test_whether_a_licence_is_needed_is_asked_of_the_product_described_before(knowledge):
    """ "What's the difference between them, and do we need both?" describes no product: whether a licence is
    needed can only be asked of one, and the session has one (a marketplace)."""
    context = context_after("Our app lets other shops list their goods and we keep a cut of every sale.", knowledge)
    follow = answer("How is the ICP licence different from the EDI one, and do we need both?", knowledge, context)
    assert follow.follow_up and "outside_sellers" in follow.carried_over, (follow.follow_up, follow.carried_over)
    assert statuses(follow).get("edi") == "required" and statuses(follow).get("icp") == "required", statuses(follow)


def test_a_stated_absence_alone_qualifies_the_product_described_before(knowledge):
    """ "既然不收钱…" after a social app: "free" is not a product of its own; the social app still needs the
    ICP licence whatever it charges, and the answer says which reading it went by."""
    context = context_after("我们做了一个同城交友的小程序，可以发动态和私信聊天", knowledge)
    follow = answer("既然我们完全不收费，经营许可证是不是就不用办了？", knowledge, context)
    assert follow.follow_up and "social" in follow.carried_over, (follow.follow_up, follow.carried_over)
    assert statuses(follow)["icp"] == "required", statuses(follow)


def test_a_feature_taken_away_in_a_follow_up_is_not_carried(knowledge):
    """ "把多人语音房下架" names the rooms only to take them away: the one-to-one video left decides."""
    context = context_after("我们的陪玩App有多人语音房，也有一对一视频，要办哪些证？", knowledge)
    follow = answer("如果我们把多人语音房下架，只保留一对一视频，多方通信证还要办吗？", knowledge, context)
    assert ("voice_chat_room", True) in [(f.feature, f.negated) for f in follow.facts], follow.facts
    assert "voice_chat_room" not in follow.carried_over and statuses(follow)["multiparty"] == "depends", statuses(
        follow
    )


def test_an_english_follow_up_asking_what_happens_without_the_licences_gets_the_penalties(knowledge):
    """The intent student is sure that unseen English asks for nothing in particular ('other'); a message about
    licences whose words ask for a penalty is read as asking for one."""
    context = context_after("Sellers open shops in our app and we charge them a fee on every order.", knowledge)
    follow = answer(
        "OK. And if we simply go live without those licences, what's the worst that could happen?", knowledge, context
    )
    assert follow.intent == "penalty" and statuses(follow).get("edi") == "required", (follow.intent, statuses(follow))


def test_an_acknowledgment_before_a_follow_ups_opening_word_keeps_it_a_follow_up(knowledge):
    """ "明白了，那…": the acknowledgment a message opens with is not what it asks (an article's "既然明白了…"
    is no answer), and it hides the "那" that marks a follow-up."""
    context = context_after("我们做在线题库小程序，会员付费才能刷全部真题。", knowledge)
    follow = answer("明白了，那申请这个证要交哪些材料？", knowledge, context)
    assert follow.follow_up and "member_fees" in follow.carried_over, (follow.follow_up, follow.carried_over)
    assert follow.intent == "materials" and "明白" not in follow.citations[0].quote, follow.answer


def test_dropping_a_feature_in_a_follow_up_leaves_its_licence_not_needed(knowledge):
    """ "What if we drop the …" takes the feature away (whatever tense the state student reads in "what if"),
    and a licence the articles tie only to such features is then not needed, said with their quotes."""
    context = context_after(
        "Our language school app charges tuition and runs live group lessons where six students talk on camera together.",
        knowledge,
    )
    assert statuses(answer("Which licences?", knowledge, context)).get("multiparty") == "required"
    follow = answer("What if we remove the live group video lessons and keep the recorded courses?", knowledge, context)
    assert "group_video" not in follow.carried_over and "group_video" not in follow.features, follow.facts
    assert statuses(follow).get("multiparty") == "not_required" and statuses(follow).get("icp") == "required", statuses(
        follow
    )
    line = next(s for s in follow.licenses if s.slug == "multiparty")
    assert line.citations, line


@pytest.mark.parametrize(
    "first_q, follow_q",
    [
        (
            "How long does the EDI licence take?",
            "Different question: what happens if we run a paid app without a licence?",
        ),
        ("办ICP证要多久？", "换个话题，要是没证就收费上线，会怎么处罚？"),
    ],
)
def test_a_message_that_says_it_brings_up_another_matter_is_a_new_question(knowledge, first_q, follow_q):
    """ "Different question: …" is a new question whatever it asks: it does not inherit the licence before."""
    follow = answer(follow_q, knowledge, context_after(first_q, knowledge))
    assert not follow.follow_up and follow.intent == "penalty", (follow.follow_up, follow.intent)


def test_a_cantonese_follow_up_taking_a_feature_away_leaves_its_licence_not_needed(knowledge):
    """ "拆咗個語音房" takes the voice rooms away (Cantonese 拆咗, 铲走 as 去掉 in Mandarin)."""
    context = context_after("我哋個陪玩App有多人語音房同會員收費，要攞咩牌？", knowledge)
    follow = answer("如果拆咗個語音房，仲使唔使多方通信證？", knowledge, context)
    assert statuses(follow)["multiparty"] == "not_required", follow.answer
