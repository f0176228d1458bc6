"""Turn a logged question into a labelled training example: the operator says which product features
it states (and in which state), what it asks, and whether it must be refused, and the message is
appended to the operator's file in knowledge/training/ (writer `operator`). `licensebot kb train`
learns from it with the helpers' examples and `licensebot kb check` validates it, so a misread
customer message teaches the students instead of becoming one more pattern.

A question that is an eval case must not also be a training example (a test holds the two apart):
the page checks that before calling here; this module checks the labels against the knowledge.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from bot.core.files import atomic_write, file_lock
from bot.core.errors import BadQuestion
from bot.core.text import fold
from bot.kb.training import Message, Vocabulary, encode, label_problems

WRITER = "operator"
_CANTONESE = re.compile(r"[冇唔係嘅咗啲喺哋嚟佢乜嘢噉]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def language_of(text: str) -> str:
    """The corpus's language label: en, mixed (Chinese with English words), yue, zh-Hant or zh-Hans."""
    if not _CJK.search(text):
        return "en"
    if len(_LATIN_WORD.findall(text)) >= 2:
        return "mixed"
    if _CANTONESE.search(text):
        return "yue"
    return "zh-Hant" if any(fold(ch) != ch for ch in _CJK.findall(text)) else "zh-Hans"


def make_example(
    question: str,
    features: dict[str, str],
    intents: list[str],
    licenses: list[str],
    refusal: str,
    asks_for_person: bool,
    vocabulary: Vocabulary,
) -> Message:
    """The question as one message whose one clause is the whole text; ValueError names what is wrong."""
    question = question.strip()
    if not question:
        raise BadQuestion("empty", "the example needs a question")
    message = Message.model_validate(
        {
            "kind": "message",
            "id": f"{WRITER}-{hashlib.sha1(question.encode()).hexdigest()[:10]}",
            "writer": WRITER,
            "lang": language_of(question),
            "text": question,
            "clauses": [{"text": question, "features": features}] if features else [],
            "intents": intents or ["verdict"],
            "asks_about": licenses,
            "refusal": refusal,
            "asks_for_person": asks_for_person,
        }
    )
    problems = label_problems(message, vocabulary)
    if problems:
        raise ValueError("; ".join(problems))
    return message


def example_line(message: Message, vocabulary: Vocabulary) -> str:
    """The example as its JSONL line is stored, labels as codes: what the eval suites are kept apart from."""
    return json.dumps(encode(message, vocabulary), ensure_ascii=False)


def append_example(path: Path, message: Message, vocabulary: Vocabulary) -> str:
    """Append (or replace, by id) the example in `path`, rewritten atomically, one writer at a time,
    its labels written as the knowledge's codes. Returns its id."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(path.with_name(f".{path.name}.lock")):
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        kept = [line for line in lines if line.strip() and json.loads(line).get("id") != message.id]
        kept.append(example_line(message, vocabulary))
        atomic_write(path, "\n".join(kept) + "\n")
    return message.id
