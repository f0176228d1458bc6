"""👍/👎 on answers, kept as JSON lines in the data directory so that a bad answer can become
an eval case (`licensebot eval --feedback` lists the 👎 ones)."""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.models import Answer

log = logging.getLogger(__name__)
_LOCK = threading.Lock()


@dataclass
class Feedback:
    question: str
    rating: str  # "up" | "down"
    verdict: str
    answer: str
    sources: list[str]
    session_id: str | None = None
    comment: str = ""
    at: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))

    @classmethod
    def on(cls, answer: Answer, rating: str, comment: str = "") -> "Feedback":
        if rating not in ("up", "down"):
            raise ValueError(f"rating must be 'up' or 'down', got {rating!r}")
        return cls(answer.question, rating, answer.verdict.value, answer.answer,
                   sorted({c.source for c in answer.citations}), answer.session_id, comment.strip())


def feedback_path(data_dir: Path) -> Path:
    return data_dir / "feedback.jsonl"


def record(data_dir: Path, feedback: Feedback) -> None:
    path = feedback_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(asdict(feedback), ensure_ascii=False) + "\n"
    with _LOCK, path.open("a", encoding="utf-8") as out:
        out.write(line)


def read_all(data_dir: Path) -> list[dict]:
    path = feedback_path(data_dir)
    if not path.exists():
        return []
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            log.warning("%s:%d is not JSON, skipped", path, number)
    return rows
