"""Turn a logged question into an eval case: the operator says what the right answer is (statuses
per licence, facts that must be shown, or that it must be refused) and the case is appended to a
suite file that `licensebot eval` runs (format: eval/README.md). The case fails until the answerer
is fixed, which is the point: the regression is then guarded for good."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from bot.core.files import atomic_write, file_lock
from bot.core.errors import BadQuestion
from bot.core.models import STATUSES

HEADER = (
    "# Cases added from the operator page (questions customers asked that the bot got wrong).\n"
    "# Each fails until the answerer is fixed; see eval/README.md for the format.\n"
)


def make_case(question: str, expect: dict[str, str], facts: list[str], refuse: bool, tags: list[str]) -> dict:
    question = question.strip()
    if not question:
        raise BadQuestion("empty", "the case needs a question")
    bad = {slug: s for slug, s in expect.items() if s not in STATUSES}
    if bad:
        raise ValueError(f"expect: statuses must be one of {', '.join(sorted(STATUSES))}, got {bad}")
    if not (expect or facts or refuse):
        raise ValueError("say what the right answer is: a status for a licence, a fact, or that it must be refused")
    case: dict = {"id": "op-" + hashlib.sha1(question.encode()).hexdigest()[:10], "question": question}
    if refuse:
        case["refuse"] = True
    if expect:
        case["expect"] = dict(expect)
    if facts:
        case["facts"] = [[f.strip()] for f in facts if f.strip()]
    case["tags"] = ["operator", *tags]
    return case


def append_case(path: Path, case: dict) -> str:
    """Append (or replace, by id) the case; the file is rewritten atomically, one writer at a time
    (every visitor of the page is a thread of one process; other processes take the file lock).
    Returns the case id."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(path.with_name(f".{path.name}.lock")):
        return _rewrite(path, case)


def _rewrite(path: Path, case: dict) -> str:
    data: dict = {"thresholds": {}, "cases": []}
    if path.exists():
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict) or not isinstance(loaded.get("cases", []), list):
            raise ValueError(f"{path}: not a suite file (a mapping with a 'cases' list)")
        data = {"thresholds": loaded.get("thresholds") or {}, **loaded, "cases": loaded.get("cases") or []}
    data["cases"] = [c for c in data["cases"] if c.get("id") != case["id"]] + [case]
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return case["id"]
