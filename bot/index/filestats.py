"""What ingest last saw of each source file (size, mtime, hash): a file whose size and mtime are
unchanged is not read again, so an unchanged run over 2,000 files costs a directory walk.

A changed mtime alone (a `touch`, a fresh checkout) costs one read and a hash, not a re-index: the
segment key is the hash. Written atomically; a missing or broken file only costs re-reading.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from bot.core.files import atomic_write
from bot.core.settings import Settings
from bot.index.layout import index_root


@dataclass(frozen=True)
class Seen:
    size: int
    mtime_ns: int
    sha256: str


class FileStats:
    def __init__(self, settings: Settings):
        self.path = index_root(settings) / "files.json"
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self._seen = {source: Seen(**row) for source, row in raw.items()}
        except (OSError, ValueError, TypeError):
            self._seen = {}
        self._now: dict[str, Seen] = {}

    def known_hash(self, source: str, stat: os.stat_result) -> str | None:
        seen = self._seen.get(source)
        if seen and seen.size == stat.st_size and seen.mtime_ns == stat.st_mtime_ns:
            return seen.sha256
        return None

    def saw(self, source: str, stat: os.stat_result, sha256: str) -> None:
        self._now[source] = Seen(stat.st_size, stat.st_mtime_ns, sha256)

    def save(self) -> None:
        """Only the files of this run: a removed article's entry goes with it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, json.dumps({s: vars(v) for s, v in self._now.items()}, ensure_ascii=False))
