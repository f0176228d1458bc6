"""Chinese typed in pinyin, asked of the real index: answered in Chinese, read back into the knowledge's
words, and the pinyin table built when a server warms up, not with every process."""

from asking import statuses
from bot.answering.answer import answer


def test_chinese_written_in_pinyin_is_answered_in_chinese(knowledge):
    """ "women de App you yuyin fangjian…" is a Chinese speaker without a Chinese keyboard; English that
    happens to hold pinyin-like words ("men", "change", "run") stays English."""
    a = answer("women de App you VIP huiyuan, yue fei 30 kuai, xuyao ban ICP zheng ma?", knowledge)
    assert a.language == "zh" and a.answer.startswith("结论"), a.answer[:40]
    # read in the knowledge's own words: 多人 语音 房间 充值 (no Latin name to hold on to)
    spoken = answer(
        "women de App you duoren yuyin fangjian, yonghu yao chongzhi cai neng jin, xuyao ban shenme zheng?", knowledge
    )
    assert statuses(spoken).get("multiparty") == "required", (statuses(spoken), spoken.answer[:80])
    en = answer("Men and women can change rooms and run group voice chats in our app. Which licences?", knowledge)
    assert en.language == "en" and en.answer.startswith("Answer"), en.answer[:40]


def test_warming_up_builds_the_pinyin_reader_before_the_first_pinyin_message(knowledge):
    from bot.answering.understand import QuestionReader

    built = []
    r = knowledge.reader
    reader = QuestionReader(r.catalog, r.intents, r.facts, r.follow_ups, lambda: built.append(1) or "reader")
    assert built == []  # not at start-up: few messages are pinyin
    reader.warm()
    assert built == [1]


def test_the_pinyin_dictionaries_are_not_loaded_with_the_bot():
    """pypinyin's dictionaries take 50 MB; a process that never reads pinyin never loads them."""
    import subprocess
    import sys

    code = "import sys, bot.service, bot.answering.answer; print('pypinyin' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "False", out.stdout + out.stderr[-500:]
