"""A regular expression in knowledge/*.yaml that does not compile stops loading with one line naming
the file, the field and the index of the pattern (bot/kb/patterns.py, shared by every loader)."""

from __future__ import annotations

import re

import pytest
import yaml

from bot.core.errors import KnowledgeError
from bot.core.settings import REPO_ROOT
from bot.kb.evidence import load_cues
from bot.kb.glossary import load_glossary
from bot.kb.intents import load_intents

KNOWLEDGE = REPO_ROOT / "knowledge"


@pytest.mark.parametrize(
    "name, load, field, cut",
    [
        ("intents.yaml", load_intents, "intents.penalty.cues[1]", ("'处罚'", "'处罚('")),
        ("evidence.yaml", load_cues, "kinds.definition.cues[1]", ("'的全称是'", "'的全称是['")),
        ("glossary.yaml", load_glossary, "refusals.injection.patterns[0]", ('"system prompt"', '"system prompt)"')),
    ],
)
def test_a_bad_regular_expression_is_named_by_its_file_field_and_index(tmp_path, name, load, field, cut):
    path = tmp_path / name
    text = (KNOWLEDGE / name).read_text(encoding="utf-8")
    assert cut[0] in text
    path.write_text(text.replace(*cut, 1), encoding="utf-8")
    with pytest.raises(
        KnowledgeError, match=rf"{re.escape(str(path))}:\d+: {re.escape(field)}: not a valid regular expression"
    ):
        load(path)
    load(KNOWLEDGE / name)  # the shipped file loads


@pytest.mark.parametrize("path", sorted(KNOWLEDGE.glob("*.yaml")) + sorted(KNOWLEDGE.glob("messages/*.yaml")), ids=str)
def test_knowledge_files_read_the_same_without_libyaml(path):
    """Loading uses libyaml where the wheel has it and PyYAML's own parser where not; libyaml takes a `?`
    in an unquoted flow item (`[不会再?(加|做)]`) that PyYAML's parser refuses, so a pattern with one is quoted."""
    text = path.read_text(encoding="utf-8")
    assert yaml.load(text, Loader=yaml.SafeLoader) == yaml.load(
        text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    )
