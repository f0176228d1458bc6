"""Regular expressions written in knowledge/*.yaml (intent cues, evidence cues, refusal patterns): compiled
case-insensitively, and a bad one named by its file and field, index included, at load."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.core.errors import KnowledgeError


def compile_patterns(values: Iterable[object] | None, where: str) -> tuple[re.Pattern[str], ...]:
    """`where`: the file and field ("knowledge/intents.yaml: intents.cost.cues"); an error adds "[i]"."""
    out = []
    for i, value in enumerate(values or []):
        try:
            out.append(re.compile(str(value), re.I))
        except re.error as exc:
            raise KnowledgeError(f"{where}[{i}]: not a valid regular expression: {exc}") from None
    return tuple(out)
