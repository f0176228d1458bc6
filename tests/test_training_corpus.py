"""The labelled training corpus (knowledge/training/): valid against the knowledge's labels, large
and varied enough to learn from, a held-out writer kept for testing, and apart from the eval suites.

Eval questions and training messages are written by different helpers who never see each other's
files; this test is what holds them apart, by bot/core/overlap.py's runs (8 consecutive characters,
as written, folded or lower-cased, with or without spaces and punctuation). The operator page keeps its saved examples and cases apart the same way."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from bot.core.settings import REPO_ROOT
from bot.kb.catalog import load_catalog
from bot.kb.intents import load_intents
from bot.kb.training import FeatureState, Refusal, load_corpus, vocabulary
from bot.core.overlap import RUN, shared_runs
from eval.suite import SUITES_DIR, load_suite

KNOWLEDGE = REPO_ROOT / "knowledge"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(KNOWLEDGE / "training", vocabulary(KNOWLEDGE))


def eval_questions() -> list[str]:
    questions = []
    for path in sorted(SUITES_DIR.glob("*.yaml")):
        for case in load_suite(path).cases:
            questions += [case.question, *case.before]
    return questions


def test_every_line_is_valid_against_the_knowledge(corpus):
    assert corpus.problems == []


def test_thousands_of_messages_in_every_language_with_a_held_out_writer(corpus):
    assert len(corpus.messages) >= 2000 and len(corpus.pairs) >= 100
    assert set(Counter(m.lang for m in corpus.messages)) == {"zh-Hans", "zh-Hant", "yue", "en", "mixed"}
    writers = Counter(m.writer for m in corpus.messages)
    assert len(writers) >= 4 and corpus.heldout and corpus.heldout <= set(writers)
    assert sum(writers[w] for w in corpus.heldout) >= 0.2 * len(corpus.messages)


def test_every_feature_in_every_state_and_every_refusal_class_is_taught(corpus):
    training = [m for m in corpus.messages if m.writer not in corpus.heldout]
    seen = Counter((f, s) for m in training for c in m.clauses for f, s in c.features.items())
    for feature in vocabulary(KNOWLEDGE).features:
        for state in FeatureState:
            assert seen[(feature, state)] >= 8, (feature, state.value)
    refusals = Counter(m.refusal for m in training)
    assert all(refusals[r] >= 20 for r in Refusal), refusals


def test_a_broken_line_is_named_with_its_file_line_and_field(tmp_path):
    folder = tmp_path / "training"
    folder.mkdir()
    good = (
        '{"kind": "message", "id": "t-1", "writer": "t", "lang": "en", "text": "we run a voice room", '
        '"clauses": [{"text": "a voice room", "feats": {"vroom": "present"}}], "intents": ["verdict"], "about": ["mpc"]}'
    )
    (folder / "t.jsonl").write_text(
        "\n".join(
            [
                good,
                good.replace("t-1", "t-2").replace('"verdict"', '"vibes"'),
                '{"kind": "message", "id": "t-3", "writer": "t", "lang": "en", "text": "hi", "intents": ["verdict"], '
                '"clauses": [{"text": "not in it", "feats": {"vroom": "present"}}]}',
                '{"kind": "pair", "id": "t-4", "writer": "t", "lang": "en", "first": "a", "second": "b", "follows": "maybe"}',
                "not json",
                good,
                good.replace("t-1", "t-7").replace('"vroom"', '"voice_chat_room"'),
            ]
        ),
        encoding="utf-8",
    )
    corpus = load_corpus(folder, vocabulary(KNOWLEDGE))
    assert [m.id for m in corpus.messages] == ["t-1"]
    message = corpus.messages[0]  # read by its codes, seen by the knowledge's names
    assert message.clauses[0].features == {"voice_chat_room": FeatureState.present} and message.asks_about == [
        "multiparty"
    ]
    said = [(Path(f).name, line, message) for f, line, message in corpus.problems]
    assert said[0][:2] == ("t.jsonl", 2) and "intents.0: unknown intent code 'vibes'" in said[0][2]
    assert said[1][:2] == ("t.jsonl", 3) and "verbatim piece" in said[1][2]
    assert said[2][:2] == ("t.jsonl", 4) and said[2][2].startswith("follows:")
    assert said[3][:2] == ("t.jsonl", 5) and "not JSON" in said[3][2]
    assert said[4][:2] == ("t.jsonl", 6) and "'t-1' is also at" in said[4][2]
    assert said[5][:2] == ("t.jsonl", 7) and "clauses.0.feats: unknown feature code 'voice_chat_room'" in said[5][2]


def test_every_label_has_a_code_too_short_to_hold_a_run():
    """Codes are at most 7 characters; a key that does not fit needs one, and two labels cannot share one."""
    vocab = vocabulary(KNOWLEDGE)
    assert vocab.problems == ()
    for kind, names in [("feature", vocab.features), ("intent", vocab.intents), ("licence", vocab.licenses)]:
        assert sorted(vocab.codes[kind].values()) == sorted(names)
        assert all(len(code) < RUN for code in vocab.codes[kind])
    assert set(vocab.codes["refusal"].values()) == {r.value for r in Refusal}


def test_the_schema_lists_every_code_the_knowledge_defines():
    """Writers read training-schema.md, not the YAML: a code added to the knowledge is listed there."""
    table = (KNOWLEDGE / "training-schema.md").read_text(encoding="utf-8")
    for kind, codes in vocabulary(KNOWLEDGE).codes.items():
        for code, name in codes.items():
            assert (f"`{code}` {name}" if code != name else f"`{code}`") in table, (kind, code, name)


def test_a_long_key_without_a_code_or_a_shared_code_is_named(tmp_path):
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    for name in ("licenses.yaml", "rules.yaml", "intents.yaml", "glossary.yaml", "evidence.yaml"):
        (knowledge / name).write_text((KNOWLEDGE / name).read_text(encoding="utf-8"), encoding="utf-8")
    rules = (knowledge / "rules.yaml").read_text(encoding="utf-8")
    (knowledge / "rules.yaml").write_text(
        rules.replace("    code: vroom\n", "", 1).replace("    code: gvid\n", "    code: duo\n", 1), encoding="utf-8"
    )
    problems = vocabulary(knowledge).problems
    assert any("features.voice_chat_room: needs a `code:`" in p for p in problems), problems
    assert any("features.one_to_one_call: code 'duo' is also the code of 'group_video'" in p for p in problems), (
        problems
    )
    folder = tmp_path / "training"
    folder.mkdir()
    assert any("voice_chat_room" in message for _, _, message in load_corpus(folder, vocabulary(knowledge)).problems)


def test_no_eval_question_shares_a_run_of_8_with_a_training_example(corpus):
    """Every message, clause and pair in all their comparison forms, and each file of knowledge/training/
    whole in every form too: keys, labels, and what runs on from one field or line into the next."""
    files = [p.read_text(encoding="utf-8") for p in sorted((KNOWLEDGE / "training").iterdir()) if p.is_file()]
    schema = (KNOWLEDGE / "training-schema.md").read_text(encoding="utf-8")
    examples = re.findall(r"```json\n(.*?)```", schema, flags=re.S)  # the writers copy their voice from these
    assert examples
    leaks = shared_runs(eval_questions(), corpus.texts(), raw=[*files, *examples])
    assert leaks == [], f"{len(leaks)} eval questions share {RUN} units with training text, e.g. {leaks[:3]}"


def test_no_eval_question_shares_a_run_of_8_with_a_chinese_wording_the_students_learn_from():
    """The feature student also learns from rules.yaml's `wordings`, the intent student from intents.yaml's,
    the person student from the glossary's `person_requests`: those in Chinese are held apart from the
    eval questions like the labelled messages. (The English ones still share everyday runs such as "how
    long does" with English questions: see the note on issue 21.)"""
    catalog = load_catalog(KNOWLEDGE)
    wordings = [w for f in catalog.features.values() for w in f.wordings] + list(catalog.glossary.person_requests)
    wordings += [w for i in load_intents(KNOWLEDGE / "intents.yaml").intents for w in i.wordings]
    chinese = [w for w in wordings if re.search(r"[\u4e00-\u9fff]", w)]
    assert len(chinese) > 100
    leaks = shared_runs(eval_questions(), chinese)
    assert leaks == [], f"{len(leaks)} eval questions share {RUN} units with a wording, e.g. {leaks[:3]}"


def test_the_run_check_reads_the_files_keys_and_labels_too():
    """The field name "licenses" was once on every line, and English questions say "licenses"; the labels
    "multiparty" and "voice_chat_room" are "multi-party" and "voice chat room" without their punctuation."""
    line = '{"kind": "message", "text": "we run karaoke", "licenses": ["multiparty"], "clauses": []}'
    question = "Which licenses does a voice app need?"
    assert shared_runs([question], [], raw=[line])
    assert not shared_runs([question], [], raw=[line.replace('"licenses"', '"about"').replace("multiparty", "mpc")])
    assert shared_runs(["Is the MULTIPARTY one enough?"], [], raw=[line])
    assert shared_runs(["Does my app need the multi-party license?"], [], raw=[line])
    labelled = '{"text": "we run karaoke", "clauses": [{"text": "karaoke", "feats": {"voice_chat_room": "present"}}]}'
    assert shared_runs(["does my voice chat room need a licence?"], [], raw=[labelled])
    assert not shared_runs(
        ["does my voice chat room need a licence?"], [], raw=[labelled.replace("voice_chat_room", "vroom")]
    )
    assert shared_runs(["who decides?"], [], raw=["taipei\nsomeone who decides\n"])  # a line that is not JSON


def test_the_run_check_reads_across_fields_and_lines():
    """A key runs into its value once the punctuation goes ('"text": "Is there' holds "tisthere", a piece of
    "What is the registered…"), and the Han characters of one line run into the next."""
    question = "What is the registered capital?"
    assert shared_runs([question], [], raw=['{"text": "Is there a fee?"}'])
    assert not shared_runs([question], [], raw=['{"text": "Any fee?"}'])
    lines = '{"text": "ICP证同文网文可以一齐办？"}\n{"text": "多方通信许可证和ICP证一样吗？"}\n'
    assert shared_runs(["办多方通信许可证要什么条件？"], [], raw=[lines])
    assert not shared_runs(["办多方通信许可证要什么条件？"], [], raw=[lines.replace("一齐办", "一齐搞")])


def test_the_run_check_catches_a_copied_question():
    question = eval_questions()[0]
    assert shared_runs([question], ["客户说：" + question[2:] + "谢谢"]) and not shared_runs(
        [question], ["完全无关的一句话"]
    )
    english = "Does our voice chat room mini program need a multi-party licence?"
    assert shared_runs([english], ["our VOICE-CHAT room"]) and not shared_runs([english], ["a voice app"])


def test_the_run_check_sees_through_script_phrasing_and_latin_in_between():
    """A Taiwan rewrite (網路/通訊 for 网络/通信) or a Simplified copy with "app" slipped in is still a copy."""
    question = "网络文化经营许可证去哪个部门申请？"
    assert shared_runs([question], ["請問網路文化經營許可證要什麼條件"])
    assert shared_runs(["我们会收集用户的浏览记录"], ["我们app会收集用户的位置"])
    assert not shared_runs([question], ["網路文化許可證去哪裡辦"])
    # Two Simplified texts that differ by a run's last character meet once both are in Taiwan phrasing
    # (小程序用户可以 / 小程式使用者可以).
    asked = "我们做交友小程序，用户可以好几个人一起视频"
    assert shared_runs([asked], ["我们小程序用户可以发帖"])
    assert not shared_runs([asked], ["我们小程序里用户能发帖"])
