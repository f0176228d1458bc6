"""Rule quotes must be in the knowledge base, or the bot refuses to start."""

from pathlib import Path

import pytest

from bot.core.models import Citation
from bot.core.text import fold
from eval.scoring import quote_in_article

from bot.core.errors import KnowledgeError
from bot.kb.catalog import load_catalog
from bot.kb.rule_quotes import verify_rule_quotes
from bot.core.settings import REPO_ROOT


def test_every_rule_quote_is_found_in_its_own_article_and_cited_as_that_article_wrote_it(knowledge):
    catalog = knowledge.catalog
    quotes = [q for f in catalog.features.values() for r in f.licenses for q in r.quotes]
    quotes += [q for t in catalog.topics.values() for q in t.quotes]
    assert len(quotes) > 20
    for q in quotes:
        loc = knowledge.rule_quotes[q]
        doc = knowledge.index.docs[loc.doc_id]
        stored = doc.text[loc.start : loc.end]
        assert fold(stored) == fold(q.quote), (q.quote, stored)  # the same words, in the article's own script
        assert Path(doc.source).name == q.source
        cited = Citation(id=1, doc_id=loc.doc_id, title=doc.title, source=doc.source, quote=stored)
        assert quote_in_article(cited), (q.source, stored)  # and the reader finds it in the file


def test_broken_rule_quote_fails_loudly_naming_the_rule(knowledge, knowledge_copy):
    rules = knowledge_copy / "rules.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("正是典型的多方通信业务应用场景", "正是典型的即时通信业务应用场景"),
        encoding="utf-8",
    )
    catalog = load_catalog(knowledge_copy)
    with pytest.raises(
        KnowledgeError, match=r"features\.voice_chat_room\.licenses\.multiparty\.quotes.*quote not found"
    ):
        verify_rule_quotes(catalog, knowledge.index.docs)


def test_rule_with_unknown_licence_slug_names_file_and_field(knowledge_copy):
    rules = knowledge_copy / "rules.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace(
            "      edi:\n        status: required", "      edx:\n        status: required", 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(
        KnowledgeError, match=r"rules.yaml:\d+: features\.outside_sellers\.licenses\.edx: unknown licence slug"
    ):
        load_catalog(knowledge_copy)


def test_rule_with_bad_status_is_rejected(knowledge_copy):
    rules = knowledge_copy / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("status: depends", "status: maybe", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"rules.yaml:\d+: features\.\w+\.licenses\.\w+\.status: must be one of"):
        load_catalog(knowledge_copy)


def test_shipped_rules_load():
    catalog = load_catalog(REPO_ROOT / "knowledge")
    assert {"icp", "icp_filing", "edi", "multiparty", "wenwangwen"} <= set(catalog.licenses)
    assert "voice_chat_room" in catalog.features


@pytest.mark.parametrize(
    "question, note",
    [
        ("我们的App完全免费，不收任何费用，但是首页会放品牌广告，要办ICP证吗", "请注意：您既说到"),
        (
            "Our app is completely free of charge, but we show sponsored posts from brands. Do we need an ICP licence?",
            "Please note: you describe both",
        ),
    ],
)
def test_a_stated_absence_that_another_fact_outvotes_is_said_not_settled_silently(knowledge, question, note):
    """Free for users and paid by advertisers: the articles make that commercial (required), and the
    answer says which reading it went by and that "free" alone would answer otherwise."""
    from bot.answering.answer import answer
    from bot.core.models import Verdict

    from bot.answering.ground import ungrounded

    a = answer(question, knowledge)
    assert a.verdict == Verdict.required and ungrounded(a, knowledge.catalog) == []
    [line] = [x for x in a.answer.splitlines() if x.startswith(note)]
    names = [knowledge.catalog.features[k].display(a.language) for k in ("non_commercial", "advertising")]
    assert all(n in line for n in names), line
    plain = answer("我们公司官网只放产品介绍和联系电话，完全免费，要办什么？", knowledge)
    assert "请注意" not in plain.answer and plain.verdict != Verdict.required


@pytest.mark.parametrize(
    "features, icp",
    [
        (["self_operated", "foreign_investment"], "not_required"),  # nothing needs the licence: foreign capital is moot
        (["outside_sellers", "foreign_investment"], "required"),  # needed; who may hold it is said beside
        (["foreign_investment"], "depends"),
    ],
)
def test_a_condition_on_holding_a_licence_is_moot_where_no_other_fact_needs_it(knowledge, features, icp):
    """Foreign capital is a condition on who may hold the ICP licence, not on whether the product needs it."""
    from bot.answering.decide import rule_statuses

    cited: list[str] = []

    def cite(quotes):
        cited.extend(q.quote for q in quotes)
        return list(range(len(cited) - len(quotes), len(cited)))

    found = {s.slug: s for s in rule_statuses(features, ["icp"], knowledge.catalog, cite, "zh", knowledge.messages)}
    assert found["icp"].status.value == icp, found
    if "outside_sellers" in features:  # the requirement and the condition, each with its quote
        assert "全内资" in found["icp"].reason and any("全内资" in cited[i] for i in found["icp"].citations)
        assert "外资企业" in found["icp"].reason and len(found["icp"].citations) >= 2


def test_a_rule_whose_quote_is_gone_is_left_out_and_the_others_kept(knowledge):
    """What Knowledge.load does when an article edit drops a quoted sentence: only the rules (and
    topics) relying on that quote go; nothing is claimed without its quote."""
    catalog = knowledge.catalog
    gone = next(q for q in catalog.features["voice_chat_room"].licenses[0].quotes)
    kept = catalog.without_quotes({gone})
    for key, feature in catalog.features.items():
        expected = [r.slug for r in feature.licenses if gone not in r.quotes]
        assert [r.slug for r in kept.features[key].licenses] == expected, key
    assert sum(len(f.licenses) for f in kept.features.values()) < sum(
        len(f.licenses) for f in catalog.features.values()
    )
    assert catalog.without_quotes(set()) is catalog
