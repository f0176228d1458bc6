"""The shipped students (knowledge/models/): fresh for today's training corpus, measured here with the
real e5 model on the held-out writer, and used by answering. The refusal student: a renting request
or an unrelated task worded in a way no pattern knows is refused with its class's reason, in the
user's language, while licence questions that merely share a word with those requests are answered.
The state student: a feature said in dialect negation or as stopped is not counted, while features
phrased as an absence, or next to someone else's negation, still are. Wordings here are this file's
own (not eval's, not training's)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from bot.answering.answer import answer
from bot.core.text import fold
from bot.core.models import Mode, Verdict
from bot.core.settings import REPO_ROOT
from bot.kb.learned import store
from bot.kb.learned.card import scores
from bot.kb.learned.refusal import RefusalStudent, _by_patterns, load_student, student_dir
from bot.kb.training import load_corpus, vocabulary
from conftest import make_settings

KNOWLEDGE = REPO_ROOT / "knowledge"


@pytest.fixture(scope="module")
def student(tmp_path_factory) -> RefusalStudent:
    return load_student(make_settings(tmp_path_factory.mktemp("data")))


def test_the_shipped_student_fits_todays_corpus_and_beats_the_patterns_on_the_held_out_writer(
    student, embedder, settings
):
    """Fails when knowledge/training/ changed and `licensebot kb train --refusal` was not run again."""
    corpus = load_corpus(KNOWLEDGE / "training", vocabulary(KNOWLEDGE))
    heldout = [m for m in corpus.messages if m.writer in corpus.heldout][
        ::2
    ]  # every second: the same set the others read
    labels = student.model.labels
    truth = np.zeros((len(heldout), len(labels)), np.int8)
    truth[np.arange(len(heldout)), [labels.index(m.refusal.value) for m in heldout]] = 1
    vectors = embedder.embed_queries([student_fold(m.text) for m in heldout])
    predicted = np.zeros_like(truth)
    for i, (m, v) in enumerate(zip(heldout, vectors)):
        predicted[i, labels.index(student.read(m.text, v).label)] = 1
    learned = scores("refusal", labels, truth, predicted)
    patterns = scores("refusal", labels, truth, _by_patterns(settings, labels, [m.text for m in heldout]))
    assert learned["macro_f1"] >= 0.8 > patterns["macro_f1"] + 0.2, (learned, patterns)
    refused = predicted[:, 0] == 0
    assert (truth[refused, 0] == 0).mean() >= 0.97  # what it refuses, it should: precision of refusing


def student_fold(text: str) -> str:

    return fold(text)


@pytest.mark.parametrize(
    "question, reason",
    [
        ("我们暂时没资质，想先用合作方公司的EDI证把商城挂在他们名下跑半年，行不行", "租用、借用、出借"),
        ("我哋公司未有牌，可唔可以掛喺朋友間公司個EDI證下面先做住？", "租用、借用、出借"),
        ("帮我写一份本周的工作周报，三百字左右", "与中国互联网资质无关"),
        ("Write a short cover letter for a marketing job application", "not about China's internet licences"),
    ],
)
def test_requests_no_pattern_knows_are_refused_with_their_reason(knowledge, question, reason):
    a = answer(question, knowledge)
    assert (a.verdict, a.mode) == (Verdict.out_of_scope, Mode.refusal) and reason in a.answer, a.answer


@pytest.mark.parametrize(
    "question",
    [
        "网站服务器是租的云主机，这种也要办ICP备案吗",
        "我的语音聊天房小程序需要多方通信许可证吗？",
        "Our app charges a monthly membership fee. Do we need an ICP commercial licence?",
    ],
)
def test_licence_questions_sharing_words_with_refusals_are_answered(knowledge, question):
    assert answer(question, knowledge).mode != Mode.refusal


def test_a_broken_or_stale_student_is_one_line_and_answering_keeps_the_patterns(tmp_path):
    kdir = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, kdir, ignore=shutil.ignore_patterns("articles"))
    npz = student_dir(kdir) / store.MODEL_NPZ
    npz.write_bytes(npz.read_bytes()[:-10])
    with pytest.raises(store.ReaderNotReady, match="corrupt or edited"):
        load_student(make_settings(tmp_path / "data", kdir))
    shutil.copytree(KNOWLEDGE / "models", kdir / "models", dirs_exist_ok=True)
    (kdir / "training" / "extra.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(store.ReaderNotReady, match="changed since it was trained"):
        load_student(make_settings(tmp_path / "data", kdir))


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    from bot.kb.learned.state import load_state_student

    return load_state_student(make_settings(tmp_path_factory.mktemp("data")))


def test_the_shipped_state_student_fits_todays_corpus_and_is_precise_on_the_held_out_writer(states, embedder):
    from bot.kb.learned.state import LABELS, NOT_THERE

    corpus = load_corpus(KNOWLEDGE / "training", vocabulary(KNOWLEDGE))
    clauses = [c for m in corpus.messages if m.writer in corpus.heldout for c in m.clauses if c.features]
    vectors = embedder.embed_queries([student_fold(c.text) for c in clauses])
    there_now = [not ({s.value for s in c.features.values()} & NOT_THERE) for c in clauses]
    said_gone = [states.read(student_fold(c.text), v).label in NOT_THERE for c, v in zip(clauses, vectors)]
    right = sum(1 for gone, now in zip(said_gone, there_now) if gone and not now)
    assert len(clauses) > 300 and states.model.labels == LABELS
    assert right / max(sum(said_gone), 1) >= 0.9 and right / max(there_now.count(False), 1) >= 0.6


@pytest.fixture(scope="module")
def features_student(tmp_path_factory):
    from bot.kb.learned.features import load_feature_student

    return load_feature_student(make_settings(tmp_path_factory.mktemp("data")))


def test_the_shipped_feature_student_fits_todays_corpus_and_reads_the_held_out_writers(features_student, embedder):
    """Message by message, as answering reads them (the message cut into clauses as the reader cuts a
    question): the features of every clause of a held-out message against the features its writer labelled.
    Every second held-out message, to keep the embedding time of this test small."""
    from bot.kb.glossary import load_glossary

    corpus = load_corpus(KNOWLEDGE / "training", vocabulary(KNOWLEDGE))
    heldout = [m for m in corpus.messages if m.writer in corpus.heldout][::2]
    cut = load_glossary(KNOWLEDGE / "glossary.yaml").wording.clauses
    pieces = [cut(fold(m.text)) for m in heldout]
    flat = [p for ps in pieces for p in ps]
    vectors = dict(zip(flat, embedder.embed_queries(flat)))
    tp = fp = fn = 0
    for m, ps in zip(heldout, pieces):
        said = set(features_student.read({p: vectors[p] for p in ps}))
        truth = {f for c in m.clauses for f in c.features}
        tp, fp, fn = tp + len(said & truth), fp + len(said - truth), fn + len(truth - said)
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    # measured on mixed + counsel + taipei (taipei held out since the English writers joined): 0.780, 0.910;
    # with aftercare held out too and two training writers added for negation, dialect and shorthand
    # (kowloon, shorthand; 2026-12-04): 0.813, 0.905 — recall one to two clauses lower on this set, while the
    # blind set written from the articles went from 25 to 28 of 40 right. With plainsay and threads added and
    # deskline held out too: 0.816, 0.905 on the four writers above, 0.817, 0.906 on all five. Floored to 3
    # decimals, on all five.
    assert len(heldout) > 250 and precision >= 0.817 and recall >= 0.906, (precision, recall)


@pytest.fixture(scope="module")
def intents(tmp_path_factory):
    from bot.kb.learned.intent import load_intent_student

    return load_intent_student(make_settings(tmp_path_factory.mktemp("data")))


def test_the_shipped_intent_student_fits_todays_corpus_and_beats_the_cues_on_the_held_out_writer(intents, embedder):
    """Every second held-out message's main intent: the student alone, and as answering decides (the
    student where it is sure, else the first cue of intents.yaml that fires, else the student again where
    it is at least its floor sure), against the cues alone."""
    from bot.kb.intents import load_intents
    from bot.kb.learned.intent import cued

    corpus = load_corpus(KNOWLEDGE / "training", vocabulary(KNOWLEDGE))
    heldout = [m for m in corpus.messages if m.writer in corpus.heldout][::2]
    book = load_intents(KNOWLEDGE / "intents.yaml")
    vectors = embedder.embed_queries([fold(m.text) for m in heldout])
    readings = [intents.read(m.text, v) for m, v in zip(heldout, vectors)]
    cues = [cued(book, fold(m.text)) for m in heldout]
    truth = [m.intents[0] for m in heldout]
    student = np.mean([r.label == t for r, t in zip(readings, truth)])
    # as answering decides where no wording is near: sure student, cue, student above its floor, default
    both = np.mean(
        [
            (
                r.label
                if r.probability >= intents.threshold
                else c
                if c is not None
                else r.label
                if r.probability >= intents.floor
                else "verdict"
            )
            == t
            for r, c, t in zip(readings, cues, truth)
        ]
    )
    by_cues = np.mean([(c or "verdict") == t for c, t in zip(cues, truth)])
    # floors: measured on the held-out writers aftercare, counsel, mixed and taipei (2026-12-04: 0.842, 0.862;
    # after eight training lines were reworded to keep them apart from eval questions and the students
    # retrained, 0.840 and 0.858; with the writers kowloon and shorthand added and the cue 资料 left to the
    # student (it read "更新资料", updating records, as asking for application documents), 0.844 and 0.856:
    # the student alone two messages better, as answering decides one of 522 worse. With the writers plainsay
    # (negations) and threads (conversations) added and deskline (intents, refusals) held out too (2026-12-04):
    # on the four writers above 0.856 and 0.862 (both up), on all five 0.847 and 0.851 — deskline's messages
    # often ask two things, the harder set. Floored to 3 decimals, on all five. With the writers roomtalk,
    # sunset, relay and sincewhen added and eleven lines reworded (2026-12-05): 0.853 and 0.851.
    assert len(heldout) > 400 and student >= 0.853 and both >= 0.851 and by_cues + 0.2 < both, (student, both, by_cues)


@pytest.mark.parametrize(
    "question, intent",
    [
        ("EDI牌照一般由边个部门批？", "authority"),
        ("ICP证同EDI证有咩唔同？", "comparison"),
    ],
)
def test_a_question_no_cue_knows_is_read_by_the_intent_student(knowledge, question, intent):
    """No cue of intents.yaml fires on these; the nearest wording was not close enough either."""

    assert knowledge.reader.intents.cued(fold(question)) is None
    assert answer(question, knowledge).intent == intent


def test_the_shipped_follow_up_student_fits_todays_corpus_and_reads_the_held_out_pairs(tmp_path_factory, embedder):
    from bot.kb.learned.follow_up import load_follow_up_student

    student = load_follow_up_student(make_settings(tmp_path_factory.mktemp("data")))
    corpus = load_corpus(KNOWLEDGE / "training", vocabulary(KNOWLEDGE))
    pairs = [p for p in corpus.pairs if p.writer in corpus.heldout]
    firsts = embedder.embed_queries([fold(p.first) for p in pairs])
    seconds = embedder.embed_queries([fold(p.second) for p in pairs])
    right = [
        student.read_pair(p.first, p.second, v1, v2).label == ("follow_up" if p.follow_up else "new")
        for p, v1, v2 in zip(pairs, firsts, seconds)
    ]
    # measured on aftercare, counsel, mixed and taipei (66 pairs): 0.848 (the earlier three alone: 0.870, was 0.913)
    assert len(pairs) >= 60 and np.mean(right) >= 0.848, np.mean(right)


@pytest.mark.parametrize(
    "first, second, follows, verdict",
    [
        # "另外" opens a question with its own subject: the voice room is not carried into the tea shop
        (
            "我们的小程序有语音房，要办什么证？",
            "另外，我们还有一个网店只卖自家种的茶叶，这个要办啥？",
            False,
            Verdict.not_required,
        ),
        ("我哋係外資公司，可唔可以申請EDI？", "咁ICP證呢？", True, Verdict.depends),  # a Cantonese follow-up
    ],
)
def test_the_follow_up_student_reads_the_message_beside_the_last_question(knowledge, first, second, follows, verdict):
    from bot.core.models import Context

    from bot.answering.answer import answer_turn

    before = answer_turn(first, knowledge)
    context = Context(features=before.answer.features, licenses=before.asked, question=first)
    a = answer(second, knowledge, context)
    assert (a.follow_up, a.verdict) == (follows, verdict), a.answer


def test_the_shipped_person_student_fits_todays_corpus_and_is_precise_on_the_held_out_writer(
    tmp_path_factory, embedder
):
    from bot.kb.learned.person import load_person_student

    student = load_person_student(make_settings(tmp_path_factory.mktemp("data")))
    corpus = load_corpus(KNOWLEDGE / "training", vocabulary(KNOWLEDGE))
    heldout = [m for m in corpus.messages if m.writer in corpus.heldout]
    asks = [m for m in heldout if m.asks_for_person]
    others = [m for m in heldout if not m.asks_for_person][::4]  # every fourth, to keep the embedding short
    said = {
        id(m): student.read(m.text, v).label == "person"
        for m, v in zip(asks + others, embedder.embed_queries([fold(m.text) for m in asks + others]))
    }
    found = sum(said[id(m)] for m in asks)
    wrong = sum(said[id(m)] for m in others)
    # measured on aftercare, counsel, mixed and taipei: 35 of 43, 0 (the earlier three alone: 30 of 35, as before)
    assert len(asks) >= 40 and found / len(asks) >= 0.81 and wrong <= 1, (found, len(asks), wrong)


def test_without_a_person_student_only_the_glossary_wordings_ask_for_a_person(knowledge):
    """A corpus edited and not yet retrained: "转人工" must still reach a person."""
    from bot.answering.handoff import asks_for_person

    shipped, knowledge.persons = knowledge.persons, None
    try:
        assert asks_for_person(answer("转人工", knowledge), knowledge)
        assert not asks_for_person(answer("ICP经营许可证要准备哪些材料？", knowledge), knowledge)
    finally:
        knowledge.persons = shipped


def test_an_intent_student_that_says_intents_the_book_lost_is_not_used(knowledge_copy, embedder, tmp_path):
    """intents.yaml renamed an intent: a sure reading of the old name would have no answer."""
    from bot.answering.knowledge import _intent_classifier
    from bot.kb.intents import load_intents

    path = knowledge_copy / "intents.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("\n  authority:\n", "\n  issuer:\n"), encoding="utf-8")
    settings = make_settings(tmp_path / "data", knowledge_copy)
    assert _intent_classifier(load_intents(path), embedder, settings).student is None
    assert _intent_classifier(load_intents(KNOWLEDGE / "intents.yaml"), embedder, settings).student is not None


def test_the_intent_floor_decides_between_the_students_unsure_reading_and_the_wordings():
    """As answering reads an intent: sure student, else a cue, else the student above its floor, else the
    nearest wording or default; a student shipped before the floor existed never takes the last step."""
    from bot.kb.learned.intent import IntentStudent, combine

    probs = np.array([[0.3, 0.7, 0.0], [0.5, 0.4, 0.1], [0.45, 0.35, 0.2]])
    cues, fallback = np.array([-1, 2, -1]), np.array([2, 2, 2])
    assert combine(probs, cues, 0.6, 0.4, fallback).tolist() == [1, 2, 0]
    assert combine(probs, cues, 0.6, 0.5, fallback).tolist() == [1, 2, 2]
    from bot.kb.learned import store

    meta, arrays = store.load(IntentStudent.folder(KNOWLEDGE), KNOWLEDGE / "training", "e5-small")
    shipped = IntentStudent(meta, arrays)
    assert 0.0 <= shipped.floor <= shipped.threshold
    task = {k: v for k, v in meta["tasks"]["intent"].items() if k != "floor"}
    assert IntentStudent({**meta, "tasks": {"intent": task}}, arrays).floor > 1
