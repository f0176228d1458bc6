"""What the bot says around its quotes, per language: knowledge/messages/zh.yaml and en.yaml, the same
keys in each. The code names keys only, so a wording is changed (or translated) in the YAML; a file
that lacks a key the answerer uses, or has one the other language lacks, stops loading with a line
naming the file and the key."""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from bot.core.errors import KnowledgeError
from bot.kb.catalog import load_yaml

LANGUAGES = ("zh", "en")
# Every key the bot says (bot/answering: compose, answer, decide, handoff; the chat channels' contact line).
KEYS = frozenset(
    "caution out_of_scope not_in_kb answer need maybe no_need unsaid facts carried negated why more sides undated "
    "sep names end colon said figure_unsaid never_said outvoted no_rule no_person_here contact".split()
)


@dataclass(frozen=True)
class Messages:
    by_language: dict[str, dict[str, str]]

    def t(self, language: str, key: str) -> str:
        return self.by_language["en" if language == "en" else "zh"][key]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def load_messages(knowledge_dir: Path) -> Messages:
    tables: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        path = knowledge_dir / "messages" / f"{language}.yaml"
        data = load_yaml(path)
        missing = sorted(KEYS - set(data))
        if missing:
            raise KnowledgeError(f"{path}: {missing[0]}: missing (the answerer says it)")
        for key, value in data.items():
            if key not in KEYS:
                raise KnowledgeError(f"{path}: {key}: not a key the answerer uses (known: {', '.join(sorted(KEYS))})")
            if not isinstance(value, str):
                raise KnowledgeError(f"{path}: {key}: must be text")
        tables[language] = {str(k): str(v) for k, v in data.items()}
    zh, en = tables["zh"], tables["en"]
    for key in sorted(KEYS):
        if _fields(zh[key]) != _fields(en[key]):
            path = knowledge_dir / "messages" / "en.yaml"
            raise KnowledgeError(
                f"{path}: {key}: fills {sorted(_fields(en[key]))}, zh.yaml fills {sorted(_fields(zh[key]))}"
            )
    return Messages(tables)
