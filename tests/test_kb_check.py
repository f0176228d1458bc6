"""`licensebot kb check` on a copy of knowledge/ broken the ways an editor might: every problem is
listed with the file and line to change, and the exit code says whether any is an error."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest


def kb_check(knowledge: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, LICENSEBOT_KNOWLEDGE_DIR=str(knowledge))
    return subprocess.run(
        [sys.executable, "-m", "bot", "kb", "check"], env=env, capture_output=True, text=True, timeout=120
    )


def test_the_shipped_knowledge_passes_with_the_undated_article_as_a_warning():
    out = kb_check(Path(__file__).resolve().parent.parent / "knowledge")
    assert out.returncode == 0, out.stdout
    assert out.stdout.strip().splitlines() == [
        "knowledge/articles/003_be9c2a5fc99e954d.txt:1: warning: no publication date found: answers show 日期不详 "
        "(add a line like “时间:2025-07-02” under the title)"
    ]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_each_problem_names_the_file_and_the_line_to_change(knowledge_copy):
    rules, licences = knowledge_copy / "rules.yaml", knowledge_copy / "licenses.yaml"
    edit(
        rules,
        "      icp:\n        status: required\n        reason: 语音聊天房等互动行为",
        "      icpp:\n        status: required\n        reason: 语音聊天房等互动行为",
    )
    edit(rules, "正是典型的多方通信业务应用场景。", "正是典型的多方通信业务应用场景！")
    edit(licences, "aliases: [EDI许可证, EDI证, EDI,", "aliases: [EDI许可证, EDI证, EDI, ICP证,")
    out = kb_check(knowledge_copy)
    assert out.returncode == 1
    problems = out.stdout.strip().splitlines()
    expected = {
        "unknown licence slug 'icpp'": "icpp:",
        "quote not verbatim in 002_efd8fce62a7682d1.txt": "应用场景！",
        "alias 'ICP证' is also an alias of licenses.icp": "ICP证",
    }
    for message, text_on_line in expected.items():
        line = next((p for p in problems if message in p), None)
        assert line, (message, problems)
        file, number = re.match(r"(.+?):(\d+): ", line).groups()
        assert text_on_line in Path(file).read_text(encoding="utf-8").splitlines()[int(number) - 1], line
    assert "3 errors" in out.stderr


def test_an_evidence_kind_intents_yaml_asks_for_must_exist_in_evidence_yaml(knowledge_copy):
    intents = knowledge_copy / "intents.yaml"
    edit(intents, "    evidence: [duty]", "    evidence: [dutie]")
    edit(intents, "    kind: time", "    kind: tiem")
    out = kb_check(knowledge_copy)
    assert out.returncode == 1
    lines = intents.read_text(encoding="utf-8").splitlines()
    for message, text_on_line in {
        "intents.obligations.evidence[0]: unknown evidence kind 'dutie'": "[dutie]",
        "figures.period.kind: unknown evidence kind 'tiem'": "tiem",
    }.items():
        line = next((p for p in out.stdout.splitlines() if message in p), None)
        assert line, (message, out.stdout)
        assert text_on_line in lines[int(re.match(r".+?:(\d+): ", line).group(1)) - 1], line


def test_broken_yaml_is_one_problem_at_its_line(knowledge_copy):
    edit(knowledge_copy / "licenses.yaml", "  edi:\n", "  edi: [\n")
    out = kb_check(knowledge_copy)
    assert out.returncode == 1 and re.search(r"licenses\.yaml:\d+: not valid YAML", out.stdout), out.stdout


def test_a_shipped_student_left_stale_by_a_corpus_edit_is_a_warning_naming_the_retrain(knowledge_copy):
    with (knowledge_copy / "training" / "founder.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(
            '{"kind": "pair", "id": "founder-p999", "writer": "founder", "lang": "zh-Hans", '
            '"first": "语音房要什么证", "second": "那视频呢", "follows": true}\n'
        )
    out = kb_check(knowledge_copy)
    assert out.returncode == 0, out.stdout
    stale = [line for line in out.stdout.splitlines() if "student is not used" in line]
    assert len(stale) == 6 and all("training data" in line for line in stale), out.stdout
    flags = {re.search(r"licensebot kb train (--[a-z-]+)`", line).group(1) for line in stale}
    cli = subprocess.run(
        [sys.executable, "-m", "bot.surfaces.cli", "kb", "train", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert len(flags) == 6 and all(flag in cli.stdout for flag in flags), (
        flags,
        cli.stdout,
    )  # each retrain it names exists


def test_editing_the_wordings_a_student_learned_from_leaves_it_stale(knowledge_copy):
    edit(knowledge_copy / "glossary.yaml", "  - 转人工\n", "  - 转人工\n  - 请让顾问回电\n")
    out = kb_check(knowledge_copy)
    stale = [line for line in out.stdout.splitlines() if "student is not used" in line]
    assert len(stale) == 1 and "glossary.yaml:person_requests" in stale[0] and "--person`" in stale[0], out.stdout


def test_every_knowledge_file_is_read_through_its_schema_with_the_line(knowledge_copy):
    """cleaning.yaml and the message catalogues too: a misspelt key is an error at its line, not
    ignored in silence; the loader the bot uses says the same as `kb check`."""
    from bot.core.errors import KnowledgeError
    from ingest.clean import CleaningLexicon

    cleaning, zh = knowledge_copy / "cleaning.yaml", knowledge_copy / "messages" / "zh.yaml"
    edit(cleaning, "spam_words:", "spam_word:")
    edit(zh, "caution:", "cuation:")
    out = kb_check(knowledge_copy)
    assert out.returncode == 1
    for path, message, text_on_line in [
        (cleaning, "spam_word: Extra inputs are not permitted", "spam_word:"),
        (zh, "cuation: not a key the answerer uses", "cuation:"),
        (zh, "caution: missing", ""),
    ]:
        line = next((p for p in out.stdout.splitlines() if p.startswith(str(path)) and message in p), None)
        assert line, (message, out.stdout)
        assert text_on_line in path.read_text(encoding="utf-8").splitlines()[int(line.split(":")[1]) - 1], line
    with pytest.raises(KnowledgeError, match=rf"{re.escape(str(cleaning))}:\d+: spam_word: Extra inputs"):
        CleaningLexicon.load(cleaning)
