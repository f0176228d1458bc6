"""What the bot says around its quotes, per language: knowledge/messages/zh.yaml and en.yaml, the same
keys in each. The code names keys only, so a wording is changed (or translated) in the YAML; a file
that lacks a key the answerer uses, or has one the other language lacks, stops loading with a line
naming the file and the key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.core import knowledge_files as kf
from bot.core.errors import KnowledgeError
from bot.core.knowledge_files import LANGUAGES, MESSAGE_KEYS, fills
from bot.core.yaml_files import load_model


@dataclass(frozen=True)
class Messages:
    by_language: dict[str, dict[str, str]]

    def t(self, language: str, key: str) -> str:
        return self.by_language["en" if language == "en" else "zh"][key]


def load_messages(knowledge_dir: Path) -> Messages:
    tables = {
        language: {
            k: str(v)
            for k, v in load_model(knowledge_dir / "messages" / f"{language}.yaml", kf.MessagesFile).texts().items()
        }
        for language in LANGUAGES
    }
    zh, en = tables["zh"], tables["en"]
    for key in sorted(MESSAGE_KEYS):
        if fills(zh[key]) != fills(en[key]):
            path = knowledge_dir / "messages" / "en.yaml"
            raise KnowledgeError(
                f"{path}: {key}: fills {sorted(fills(en[key]))}, zh.yaml fills {sorted(fills(zh[key]))}"
            )
    return Messages(tables)
