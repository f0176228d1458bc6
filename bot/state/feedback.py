"""👍/👎 on answers, kept as JSON lines in the data directory so that a bad answer can become
an eval case (`licensebot eval --feedback` lists the 👎 ones).

A rating and a later comment on the same answer are one piece of feedback: every row carries
the answer's `key`, the file is only appended to (safe across processes), and reading keeps the
last row per key.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.core.models import Answer
from bot.core.private import DIR_MODE, private_file

log = logging.getLogger(__name__)
_LOCK = threading.Lock()


@dataclass
class Feedback:
    key: str
    question: str
    rating: str  # "up" | "down"
    verdict: str
    answer: str
    sources: list[str]
    session_id: str | None = None
    comment: str = ""
    at: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))

    @classmethod
    def on(cls, key: str, answer: Answer, rating: str, comment: str = "") -> "Feedback":
        """`key` names the answer being rated (e.g. session id and turn), so a comment updates its rating."""
        if rating not in ("up", "down"):
            raise ValueError(f"rating must be 'up' or 'down', got {rating!r}")
        return cls(
            key,
            answer.question,
            rating,
            answer.verdict.value,
            answer.answer,
            sorted({c.source for c in answer.citations}),
            answer.session_id,
            comment.strip(),
        )


class FeedbackLog:
    def __init__(self, data_dir: Path):
        self.path = data_dir / "feedback.jsonl"

    def record(self, feedback: Feedback) -> None:
        self.path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        private_file(self.path)  # the questions and comments of customers
        line = json.dumps(asdict(feedback), ensure_ascii=False) + "\n"
        with _LOCK, self.path.open("a", encoding="utf-8") as out:
            out.write(line)

    def read_all(self) -> list[dict]:
        """One row per rated answer (its latest state), in the order answers were first rated."""
        if not self.path.exists():
            return []
        latest: dict[str, dict] = {}
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                log.warning("%s:%d is not JSON, skipped", self.path, number)
                continue
            latest[row.get("key") or f"line-{number}"] = row
        return list(latest.values())
