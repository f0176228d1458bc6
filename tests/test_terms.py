"""TermMatcher: the typo tolerance and the limits on it that keep 境内 from matching 境外; where clauses end
and what negates, as knowledge/glossary.yaml words it."""

import pytest

from bot.core.errors import KnowledgeError
from bot.core.settings import REPO_ROOT
from bot.kb.glossary import load_glossary
from bot.kb.terms import TermMatcher

WORDING = load_glossary(REPO_ROOT / "knowledge" / "glossary.yaml").wording
MATCHER = TermMatcher(
    {
        "multiparty": ["多方通信"],
        "filing": ["ICP备案"],
        "icp": ["ICP"],
        "domestic": ["境内用户"],
        "voice": ["语音聊天房"],
    },
    WORDING.term_negation,
)


def spans(text: str, **kw) -> list[tuple[str, str, bool]]:
    return [(h.key, text[h.start : h.end], h.fuzzy) for h in MATCHER.find(text, **kw)]


def test_one_wrong_han_character_still_finds_the_term():
    assert spans("我们要办多放通信的证") == [("multiparty", "多放通信", True)]
    assert spans("语音聊天方要备案") == [("voice", "语音聊天方", True)]


def test_a_typo_of_a_long_term_beats_the_exact_short_term_inside_it():
    assert spans("ICP备按怎么做") == [("filing", "ICP备按", True)]
    assert spans("ICP备按怎么做", fuzzy=False) == [("icp", "ICP", False)]


def test_no_typo_at_the_first_character_or_the_first_han_character():
    assert spans("少方通信") == []
    assert spans("ICP准案") == [("icp", "ICP", False)]


def test_opposites_are_not_typos():
    assert spans("我们只有境外用户") == []
    assert spans("我们只有境内用户") == [("domestic", "境内用户", False)]


def test_two_wrong_characters_are_not_a_typo():
    assert spans("多放通讯") == []
    assert spans("多方多放通信") == [("multiparty", "多放通信", True)]  # the near miss at 0 hides nothing


def test_latin_terms_stand_between_word_boundaries():
    assert spans("icp证要多久") == [("icp", "icp", False)]
    assert spans("topicpage") == []


def test_every_occurrence_is_found_and_a_negated_one_is_not():
    text = "多方通信和多方通信"
    assert [h.start for h in MATCHER.find(text)] == [0, 5]
    assert spans("我们没有语音聊天房") == []
    assert spans("我们没有语音聊天房", negation=False) == [("voice", "语音聊天房", False)]


def test_a_colon_ends_a_clause_but_not_a_time_or_an_address():
    """ "only our own beans: no other brands" is two statements; the second one's "no" is not about the first."""
    clauses = WORDING.clauses

    assert clauses("we only sell our own beans: no other brands") == ["we only sell our own beans", "no other brands"]
    assert clauses("背景：只卖自家茶叶") == ["背景", "只卖自家茶叶"]
    assert clauses("call at 10:30 on https://example.cn") == ["call at 10:30 on https://example.cn"]


def test_a_dialects_negation_is_taught_in_the_glossary_not_in_code(tmp_path):
    """Hokkien 毋 ("not") is not among the shipped negation words (Cantonese 冇 and 唔 are); added to the
    glossary's lists, the same reader reads the clause and the term after it as negated."""
    assert WORDING.negated("我哋個app冇语音聊天房")  # shipped: Cantonese
    text = "阮的app毋设语音聊天房"
    assert not WORDING.negated(text)
    assert spans(text) == [("voice", "语音聊天房", False)]
    path = tmp_path / "glossary.yaml"
    shipped = (REPO_ROOT / "knowledge" / "glossary.yaml").read_text(encoding="utf-8")
    path.write_text(
        shipped.replace("  negations: [不,", "  negations: [毋, 不,").replace(
            "  term_negations: [没有,", "  term_negations: [毋设, 没有,"
        ),
        encoding="utf-8",
    )
    taught = load_glossary(path).wording
    assert taught.negated(text)
    matcher = TermMatcher({"voice": ["语音聊天房"]}, taught.term_negation)
    assert matcher.find(text) == []
    assert taught.negated_before(text, text.index("语音聊天房"))
    assert not taught.negated("不管有没有，我们有语音聊天房")  # the words that are not negations still apply


def test_a_bad_expression_in_the_wording_is_named_by_file_field_and_index(tmp_path):
    shipped = (REPO_ROOT / "knowledge" / "glossary.yaml").read_text(encoding="utf-8")
    path = tmp_path / "glossary.yaml"
    path.write_text(shipped.replace("  asks: [吗,", "  asks: ['(吗', 吗,"), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"glossary.yaml:\d+: wording\.asks\[0\]: not a valid regular expression"):
        load_glossary(path)
