"""The operator's view of the question log, as the page and `licensebot stats` use it."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.core.overlap import shared_runs
from bot.insights.cases import append_case, make_case
from bot.insights.training_examples import WRITER, append_example, example_line, make_example
from bot.insights.groups import Embed, Group, group_questions
from bot.insights.summary import Summary, summarise, to_csv
from bot.state.question_log import LoggedAnswer


class OperatorView:
    def __init__(self, log, embed: Embed, suite: Path, knowledge_dir: Path | None = None):
        self.log, self.embed, self.suite, self.knowledge_dir = log, embed, suite, knowledge_dir

    def entries(self, days: float | None = None) -> list[LoggedAnswer]:
        return self.log.entries(days)

    def summary(self, days: float | None = None) -> Summary:
        return summarise(self.entries(days))

    @staticmethod
    def summarise(entries: list[LoggedAnswer]) -> Summary:
        return summarise(entries)

    def groups(self, days: float | None = None) -> list[Group]:
        return group_questions(self.entries(days), self.embed)

    def csv(self, days: float | None = None) -> str:
        return to_csv(self.entries(days))

    def add_case(
        self,
        question: str,
        expect: dict[str, str] | None = None,
        facts: list[str] | None = None,
        refuse: bool = False,
        tags: list[str] | None = None,
    ) -> str:
        """Append an eval case to the operator suite; returns its id. Overlaps when the question is
        (a piece of) a training example: what teaches the students must not test them."""
        case = make_case(question, expect or {}, facts or [], refuse, tags or [])
        if self.knowledge_dir is not None:
            from bot.kb.training import load_corpus, vocabulary

            folder = self.training_file.parent
            _apart(
                case["question"],
                load_corpus(folder, vocabulary(self.knowledge_dir)).texts(),
                "training example",
                raw=[p.read_text(encoding="utf-8") for p in sorted(folder.glob("*")) if p.is_file()],
            )
        return append_case(self.suite, case)

    @property
    def training_file(self) -> Path:
        """Where the operator's training examples go: beside the helpers' files in knowledge/training/."""
        if self.knowledge_dir is None:
            raise ValueError("no knowledge directory to save training examples in")
        return self.knowledge_dir / "training" / f"{WRITER}.jsonl"

    def add_example(
        self,
        question: str,
        features: dict[str, str] | None = None,
        intents: list[str] | None = None,
        licenses: list[str] | None = None,
        refusal: str = "none",
        asks_for_person: bool = False,
    ) -> str:
        """Append a labelled training example (knowledge/training/operator.jsonl); returns its id.
        `licensebot kb train` learns from it; ValueError when a label is not the knowledge's."""
        from bot.kb.training import vocabulary

        vocab = vocabulary(self.training_file.parent.parent)
        example = make_example(question, features or {}, intents or [], licenses or [], refusal, asks_for_person, vocab)
        # The line as stored, keys and codes and all, and the last line before it, which it runs on from.
        path = self.training_file
        stored = path.read_text(encoding="utf-8").splitlines()[-1:] if path.exists() else []
        found = shared_runs(self.eval_questions(), [], raw=["\n".join([*stored, example_line(example, vocab)])])
        if found:
            raise Overlaps(
                f"the eval question {found[0][0][:40]!r} shares 8 consecutive characters with it "
                f"({found[0][1][:40]!r}): one question cannot both teach the students and test them"
            )
        return append_example(self.training_file, example, vocab)

    def eval_questions(self) -> list[str]:
        """Every question (and earlier turn) of the suites beside the operator suite."""
        questions = []
        for path in sorted(self.suite.parent.glob("*.yaml")):
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for case in (loaded.get("cases") or []) if isinstance(loaded, dict) else []:
                questions += [str(case.get("question", "")), *map(str, case.get("before") or [])]
        return [q for q in questions if q]


class Overlaps(ValueError):
    """The question shares a run of 8 characters with a text on the other side (training / eval)."""


def _apart(question: str, texts: list[str], other: str, raw: list[str] | None = None) -> None:
    """`raw`: the training files as stored, so that a case is also kept apart from their labels."""
    found = shared_runs([question], texts, raw=raw or [])
    if found:
        raise Overlaps(
            f"it shares 8 consecutive characters with a {other} ({found[0][1][:40]!r}): "
            "one question cannot both teach the students and test them"
        )
