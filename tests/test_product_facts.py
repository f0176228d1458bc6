"""How a message's product facts are read, asked of the real index: by meaning where the words differ,
negated in a dialect or stopped in a later clause, planned beside what the product has now."""

import pytest

from asking import statuses
from bot.answering.answer import answer
from bot.core.models import Verdict
from bot.core.text import fold


@pytest.mark.parametrize(
    "question, feature",
    [
        ("我哋個app冇語音房，淨係得文字聊天，使唔使多方通信證？", "voice_chat_room"),
        (
            "We had group video calls in the app until spring, then took the feature out. Multi-party licence still needed?",
            "group_video",
        ),
        ("语音房功能上个月已经下掉了，现在还需要多方通信证吗", "voice_chat_room"),
        # stopped two clauses later
        (
            "我们小程序前年招过一批外面的商家进来开店，每单抽点佣金，后来实在管不过来，全部清退了，现在只卖自家货，要办EDI吗",
            "outside_sellers",
        ),
        ("我哋个app冇收费又冇广告，净系分享资讯，使唔使办ICP经营证？", "advertising"),  # Cantonese 冇
    ],
)
def test_a_feature_said_in_dialect_negation_or_as_stopped_is_not_counted(knowledge, question, feature):
    a = answer(question, knowledge)
    assert [(f.feature, f.negated) for f in a.facts if f.feature == feature] == [(feature, True)], a.facts
    assert a.verdict != Verdict.required, a.answer


@pytest.mark.parametrize(
    "question, feature",
    [
        ("我家自己种菜在网上卖，不招别的商家入驻，要办什么手续", "self_operated"),
        ("我们的社交小程序没有语音也没有视频，只能发图文", "social"),
        ("Our app has voice chat rooms where a dozen people talk at once. Which licences?", "voice_chat_room"),
    ],
)
def test_features_phrased_as_an_absence_or_beside_another_negation_still_count(knowledge, question, feature):
    assert (feature, False) in [(f.feature, f.negated) for f in answer(question, knowledge).facts]


def test_a_feature_stopped_later_is_the_one_named_last_not_the_products_kind(knowledge):
    """ "我们的交友App原本有语音房，去年下架了": the voice rooms were taken down, the app is still a social one."""
    a = answer("我们的交友App原本有语音房，去年下架了，现在只有图文动态，要办哪些证？", knowledge)
    assert ("voice_chat_room", True) in [(f.feature, f.negated) for f in a.facts], a.facts
    assert ("social", False) in [(f.feature, f.negated) for f in a.facts], a.facts


@pytest.mark.parametrize(
    "question, feature",
    [
        ("我们搭了个家政小程序，保洁阿姨自己在上面挂服务接单，我们每单抽一成，要办什么证？", "outside_sellers"),
        ("我哋個網站俾啲手作師傅自己開舖賣嘢，我哋每單抽佣，使唔使EDI？", "outside_sellers"),
        (
            "Independent tutors list their own lessons on our site and we keep 15% of each booking. Do we need an EDI licence?",
            "outside_sellers",
        ),
        (
            "Friends can hop on a call with up to eight people, cameras on, while they watch a film together. Which licence applies?",
            "group_video",
        ),
        ("读者付费之后才能看到完整的连载小说章节，这样要办什么证", "paid_content"),
    ],
)
def test_a_product_described_without_the_features_words_is_read_by_the_feature_student(knowledge, question, feature):
    a = answer(question, knowledge)
    assert (feature, False) in [(f.feature, f.negated) for f in a.facts], a.facts
    assert a.verdict == Verdict.required, a.answer


def test_a_feature_stated_in_one_clause_counts_though_another_clause_mentions_it_with_a_negation(knowledge):
    """ "用户都不在国内" reads like a denial of users abroad; the clause before states them plainly."""
    a = answer("我们的APP主要面向海外的华人留学生，用户都不在国内，需要ICP经营许可证吗？", knowledge)
    assert ("users_abroad", False) in [(f.feature, f.negated) for f in a.facts], a.facts


def test_a_feature_planned_beside_what_the_product_has_now_is_said_to_be_a_plan(knowledge):
    """ "现在靠会员费赚钱，明年打算加多人视频": the plan's licence is needed before it launches, so it counts, but it
    is named as a plan, with the article's advice to apply in time; the feature there now is not."""
    a = answer("我们的App现在靠会员费赚钱，明年打算加个多人视频连线功能，现在要办哪些证？", knowledge)
    assert [(f.feature, f.negated, f.planned) for f in a.facts if f.feature == "group_video"] == [
        ("group_video", False, True)
    ], a.facts
    assert statuses(a) == {"icp": "required", "multiparty": "required"}, statuses(a)
    cited = {s.slug: " ".join(c.quote for c in a.citations if c.id in s.citations) for s in a.licenses}
    assert "延期" in fold(cited["multiparty"]) and "延期" not in fold(cited["icp"]), cited
    assert "计划中" in a.answer.split("依据")[0], a.answer


def test_a_product_that_is_all_plans_is_the_one_being_built(knowledge):
    """ "我们准备做一个多人视频连线的App": nothing is there yet, so the plan is the product asked about."""
    a = answer("我们准备做一个多人视频连线的直播App，打算明年上线，需要办哪些证？", knowledge)
    assert statuses(a).get("multiparty") == "required" and not any(f.planned for f in a.facts), (statuses(a), a.facts)
    assert "计划中" not in a.answer


@pytest.mark.parametrize("question", ["搞了个会员收费的官网，需要经营许可证吗", "做了一个收广告费的资讯网站，要办证吗"])
def test_a_reading_by_meaning_never_overrules_the_words_of_its_own_clause(knowledge, question):
    """A paid site is near a brochure site in meaning; the fee its clause names settles which it is."""
    a = answer(question, knowledge)
    assert "non_commercial" not in [f.feature for f in a.facts], a.facts
    assert statuses(a)["icp"] == "required", a.answer


def test_a_link_word_opening_a_clause_is_not_read_as_the_features_state(knowledge):
    """ "不过" links the clause to the one before; its 过 is not a past tense."""
    a = answer("App只卖自家产品，不过页面下方挂了广告，要办经营许可证吗", knowledge)
    assert ("advertising", False) in [(f.feature, f.negated) for f in a.facts], a.facts
    assert statuses(a)["icp"] == "required", a.answer


def test_a_licence_tied_only_to_features_the_user_removed_is_not_needed(knowledge):
    """The multi-party licence goes with group voice or video: a product whose voice rooms were taken down
    does not need it, and says so with the articles' quotes, beside what it does need."""
    a = answer("我们的读书社区App靠会员费赚钱，以前开过多人语音房，今年已经全部关停了，现在要办哪些证？", knowledge)
    assert ("voice_chat_room", True) in [(f.feature, f.negated) for f in a.facts], a.facts
    assert statuses(a)["multiparty"] == "not_required" and statuses(a)["icp"] == "required", a.answer
    assert a.verdict == Verdict.required


@pytest.mark.parametrize(
    "question",
    [
        "我们的陪练App只有一对一视频通话，收费的。除了ICP证之外，还要另外办别的许可证吗？",
        "Our tutoring app only has one-to-one video calls and charges per lesson. Besides the ICP licence, do we need any other permit?",
    ],
)
def test_a_licence_the_user_already_has_is_not_what_the_verdict_is_about(knowledge, question):
    """ "除了ICP证之外…": the verdict is on the licences besides the one the user has (here: it depends)."""
    a = answer(question, knowledge)
    assert statuses(a)["icp"] == "required" and statuses(a)["multiparty"] == "depends", a.answer
    assert a.verdict == Verdict.depends, a.answer


def test_what_someone_else_said_is_not_read_as_the_product(knowledge):
    """ "听说让商家进来开店的平台都要办EDI" is a claim the user checks, not their product: their own shop decides."""
    a = answer("听说让商家进来开店的平台都要办EDI，我们只在小程序卖自己做的蛋糕，要办吗？", knowledge)
    assert "outside_sellers" not in [f.feature for f in a.facts if not f.negated], a.facts
    assert statuses(a)["edi"] == "not_required", a.answer


def test_a_plan_the_user_denies_is_no_plan(knowledge):
    """The state student reads "以后也不准备…开通" as a plan; with its negation word it is none: no voice rooms,
    so no multi-party licence."""
    a = answer("我们的读书App卖会员，以后也不准备给用户开通多人语音聊天房，多方通信证要办吗？", knowledge)
    assert ("voice_chat_room", True) in [(f.feature, f.negated) for f in a.facts], a.facts
    assert statuses(a)["multiparty"] == "not_required" and a.verdict == Verdict.not_required, a.answer


def test_a_feature_named_only_in_what_someone_else_said_is_the_claim_not_the_product(knowledge):
    """ "合伙人说…商家入驻的平台才要EDI": the marketplace is the partner's claim; the user's shop sells its own goods."""
    a = answer("我们网店只卖自己工厂的家具。合伙人说那种很多商家入驻开店的平台才要EDI，我们要不要办？", knowledge)
    assert "outside_sellers" not in [f.feature for f in a.facts], a.facts
    assert statuses(a)["edi"] == "not_required", a.answer


def test_a_feature_put_in_the_past_is_not_counted_where_the_state_student_is_unsure(knowledge):
    """ "We used to charge a membership" with the student unsure it is there now: the past tense settles it."""
    a = answer(
        "We used to charge a yearly membership for premium templates, but it is all free now with no ads and "
        "nothing for sale. Do we need the ICP licence?",
        knowledge,
    )
    assert ("member_fees", True) in [(f.feature, f.negated) for f in a.facts], a.facts
    assert statuses(a)["icp"] == "not_required", a.answer


def test_whether_any_licence_is_needed_is_answered_over_every_licence(knowledge):
    """ "要不要办证？听说还得办EDI": the first question is about licences in general, not only the EDI named after."""
    a = answer("我们做付费订阅的电子杂志App，要不要办证？听说还得办EDI，是真的吗？", knowledge)
    assert statuses(a)["icp"] == "required" and statuses(a)["edi"] == "not_required", a.answer
    assert a.verdict == Verdict.required, a.answer


def test_a_clause_pointing_at_a_part_already_described_names_no_new_feature(knowledge):
    """ "请问语音这部分…" after "一对一语音通话": the feature student may read a voice room in "语音这部分", which
    only points back at the one-to-one calls (glossary `part_references`); a clause naming a new one stands."""
    from bot.answering.facts import Fact

    finder = knowledge.reader.facts
    said = Fact("one_to_one_call", False, "一对一语音", "words")
    back = Fact("voice_chat_room", False, "请问语音这部分", "meaning", 0.99)
    new = Fact("voice_chat_room", False, "晚上还开多人语音房", "meaning", 0.99)
    assert [f.feature for f in finder._resolve([said, back])] == ["one_to_one_call"]
    assert "voice_chat_room" in [f.feature for f in finder._resolve([said, new])]
