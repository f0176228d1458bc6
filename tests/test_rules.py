"""Rule quotes must be in the knowledge base, or the bot refuses to start."""
import pytest

from bot.catalog import KnowledgeError, load_catalog, verify_rule_quotes
from bot.settings import REPO_ROOT


def test_every_rule_quote_is_verbatim_in_the_index(knowledge):
    catalog = knowledge.catalog
    quotes = [q for f in catalog.features.values() for r in f.licenses for q in r.quotes]
    quotes += [q for t in catalog.topics.values() for q in t.quotes]
    assert len(quotes) > 20
    for q in quotes:
        loc = knowledge.rule_quotes[q]
        stored = knowledge.index.docs[loc.doc_id]["text"][loc.start:loc.end]
        assert len(stored) == len(q.quote)
        assert knowledge.index.docs[loc.doc_id]["source"].endswith(q.source)


def test_broken_rule_quote_fails_loudly_naming_the_rule(knowledge, knowledge_copy):
    rules = knowledge_copy / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("正是典型的多方通信业务应用场景", "正是典型的即时通信业务应用场景"), encoding="utf-8")
    catalog = load_catalog(knowledge_copy)
    with pytest.raises(KnowledgeError, match=r"features\.voice_chat_room\.licenses\.multiparty\.quotes.*quote not found"):
        verify_rule_quotes(catalog, knowledge.index.docs)


def test_rule_with_unknown_licence_slug_names_file_and_field(knowledge_copy):
    rules = knowledge_copy / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("      edi:\n        status: required", "      edx:\n        status: required", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"rules.yaml: features\.merchant_platform\.licenses\.edx: unknown licence slug"):
        load_catalog(knowledge_copy)


def test_rule_with_bad_status_is_rejected(knowledge_copy):
    rules = knowledge_copy / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("status: depends", "status: maybe", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"\.status: must be one of"):
        load_catalog(knowledge_copy)


def test_shipped_rules_load():
    catalog = load_catalog(REPO_ROOT / "knowledge")
    assert {"icp", "icp_filing", "edi", "multiparty", "wenwangwen"} <= set(catalog.licenses)
    assert "voice_chat_room" in catalog.features
