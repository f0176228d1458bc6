"""What the bot says around its quotes is knowledge/messages/<language>.yaml: a wording changed there is
what answers say, and a file missing a key, with one the code does not know, or filling other
placeholders than the other language stops loading with the file and the key."""

from __future__ import annotations

import shutil

import pytest

from bot.answering.answer import answer
from bot.core.errors import KnowledgeError
from bot.core.settings import REPO_ROOT
from bot.kb.messages import load_messages

KNOWLEDGE = REPO_ROOT / "knowledge"


def copy_messages(tmp_path):
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE / "messages", target / "messages")
    return target


def test_a_wording_changed_in_the_yaml_is_what_the_answer_says(tmp_path, knowledge):
    own = copy_messages(tmp_path)
    zh = own / "messages" / "zh.yaml"
    zh.write_text(
        zh.read_text(encoding="utf-8").replace("提示：以上依据知识库文章整理", "温馨提示：以上依据知识库文章整理"),
        encoding="utf-8",
    )
    before = answer("电商平台需要办理EDI许可证吗？", knowledge).answer
    knowledge.messages, shipped = load_messages(own), knowledge.messages
    try:
        after = answer("电商平台需要办理EDI许可证吗？", knowledge).answer
    finally:
        knowledge.messages = shipped
    assert "温馨提示" not in before and "温馨提示：以上依据知识库文章整理" in after


@pytest.mark.parametrize(
    "language, edit, named",
    [
        ("en", lambda t: t + "cautious: an extra line\n", "cautious: not a key"),
        ("zh", lambda t: "\n".join(line for line in t.splitlines() if not line.startswith("more:")), "more: missing"),
        ("en", lambda t: t.replace("never mention [{}]", "never mention [{subject}]", 1), "never_said: fills"),
    ],
)
def test_a_broken_message_file_is_named_with_its_key(tmp_path, language, edit, named):
    own = copy_messages(tmp_path)
    path = own / "messages" / f"{language}.yaml"
    text = path.read_text(encoding="utf-8")
    assert edit(text) != text
    path.write_text(edit(text), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=named):
        load_messages(own)


def test_the_terminal_labels_under_an_answer_are_the_yamls(tmp_path, knowledge):
    """`licensebot ask` and the OpenAI-compatible reply print the quotes under a label of the answer's
    language; a translator changes it in the YAML, not in bot/surfaces/render.py."""
    from bot.surfaces.render import render_text

    own = copy_messages(tmp_path)
    for language, old, new in (
        ("zh", "sources: 引文：", "sources: 出处："),
        ("en", "sources: 'Sources:'", "sources: 'Quoted from:'"),
    ):
        path = own / "messages" / f"{language}.yaml"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
    edited = load_messages(own)
    zh = answer("电商平台需要办理EDI许可证吗？", knowledge)
    en = answer("Does an e-commerce platform need an EDI licence?", knowledge)
    assert zh.citations and en.citations and en.language == "en"
    assert "\n引文：\n" in render_text(zh, knowledge.messages) and "\nSources:\n" in render_text(en, knowledge.messages)
    assert "\n出处：\n" in render_text(zh, edited) and "\nQuoted from:\n" in render_text(en, edited)
    assert "引文" not in render_text(en, knowledge.messages)
