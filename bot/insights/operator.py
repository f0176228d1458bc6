"""The operator's view of the question log, as the page and `licensebot stats` use it."""
from __future__ import annotations

from pathlib import Path

from bot.insights.cases import append_case, make_case
from bot.insights.groups import Embed, Group, group_questions
from bot.insights.summary import Summary, summarise, to_csv
from bot.state.question_log import LoggedAnswer


class OperatorView:
    def __init__(self, log, embed: Embed, suite: Path):
        self.log, self.embed, self.suite = log, embed, suite

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

    def add_case(self, question: str, expect: dict[str, str] | None = None, facts: list[str] | None = None,
                 refuse: bool = False, tags: list[str] | None = None) -> str:
        """Append an eval case to the operator suite; returns its id."""
        return append_case(self.suite, make_case(question, expect or {}, facts or [], refuse, tags or []))
