"""What ingest reads each unit's meaning with (bot.kb's unit reader), for every caller that runs it."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.errors import KnowledgeError
from bot.core.settings import Settings
from bot.kb.catalog import load_catalog
from bot.kb.evidence import UnitReader, load_cues


def unit_meanings(settings: Settings, log: Callable[[str], object]) -> UnitReader | None:
    """Stored in each segment, so that loading need not read it; a knowledge file that does not load
    leaves that to the bot, which reports the problem."""
    try:
        return UnitReader(load_catalog(settings.knowledge_dir), load_cues(settings.knowledge_dir / "evidence.yaml"))
    except KnowledgeError as exc:
        log(f"warning: unit meanings not stored ({exc}); the bot reads them when it loads")
        return None
