"""The service's hold on the loaded knowledge: it follows the published index generation without a
restart, and says what is wrong when a new one cannot be loaded."""

from __future__ import annotations

import logging
import threading

from bot.answering.knowledge import Knowledge
from bot.core.errors import NotReady, describe
from bot.core.settings import Settings
from bot.index.embedders import Embedder
from bot.index.layout import read_current

log = logging.getLogger(__name__)


class KnowledgeHolder:
    """Thread-safe holder that follows the published index generation without a restart.

    The request that first notices a new generation loads it while every other request keeps
    answering from the loaded one, and the swap is one assignment, so a publish never fails or
    stalls a request. A newly published generation that cannot be loaded never replaces a working
    one: the loaded index keeps answering and `problem` says what is wrong until a good
    generation is published."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self._embedder = embedder
        self._lock = threading.Lock()
        self._swapped = threading.Condition()  # notified whenever a load ends, loaded or not
        self._knowledge: Knowledge | None = None
        self._failed: str | None = None  # the generation that failed to load
        self._loading = False
        self.problem: str | None = None
        self._damage_logged: str | None = None

    def get(self) -> Knowledge:
        with self._lock:
            try:
                current = read_current(self.settings)
            except NotReady as exc:  # CURRENT itself is broken
                if self._knowledge is None:
                    raise
                return self._keep(str(exc), "CURRENT")
            loaded = self._knowledge
            if loaded is None:  # the first load: every request waits for it
                self._knowledge = Knowledge.load(self.settings, self._embedder)
                return self._knowledge
            if current == loaded.index.generation:
                self._failed = self.problem = None  # back on the loaded generation
                return loaded
            if current in (None, self._failed) or self._loading:
                return loaded  # still the broken one, or another request is loading the new one
            self._loading = True
        try:
            fresh = Knowledge.load(self.settings, self._embedder or loaded.embedder, previous=loaded)
        except Exception as exc:  # noqa: BLE001 - whatever broke the new generation, keep the old one
            why = (
                str(exc)
                if isinstance(exc, NotReady)
                else f"index generation {current}: {describe(exc)}; run `licensebot ingest`"
            )
            with self._lock:
                self._loading = False
                kept = self._keep(why, current)
            with self._swapped:
                self._swapped.notify_all()
            return kept
        with self._lock:
            self._knowledge, self._failed, self.problem, self._loading = fresh, None, None, False
        with self._swapped:
            self._swapped.notify_all()
        return fresh

    def current(self, timeout_s: float = 300) -> Knowledge:
        """The knowledge of the generation published now, loading it here or waiting for the request
        that is: an editor's upload returns only once the bot answers from it. NotReady when it
        cannot be loaded (with the reason), or nothing loaded it within `timeout_s`."""
        while True:
            with self._swapped:  # held while checking, so a swap cannot slip between check and wait
                k = self.get()
                published = read_current(self.settings)
                if published in (None, k.index.generation):
                    return k
                if self._failed == published:
                    raise NotReady(self.problem or f"index generation {published} could not be loaded")
                if not self._swapped.wait(timeout_s):
                    raise NotReady(f"index generation {published} was not loaded within {timeout_s:.0f} s")

    def health(self) -> str | None:
        """What is wrong with the index being served, None when nothing is: a newer generation that
        could not be loaded, or damage since loading to the files of the loaded one (it answers from
        memory, but the next start could not load it)."""
        loaded = self._knowledge
        if self.problem or loaded is None:
            return self.problem
        damage = loaded.index.damage(self.settings)
        if damage is None:
            return None
        if damage != self._damage_logged:
            log.error("%s", damage)
        self._damage_logged = damage
        return f"{damage} (still answering from {loaded.index.generation}, which a restart could not load)"

    def _keep(self, what: str, failed: str | None) -> Knowledge:
        kept = self._knowledge
        if kept is None:  # the callers keep a loaded one only: with nothing loaded there is nothing to serve
            raise NotReady(what)
        if self.problem is None or self._failed != failed:
            self.problem = f"{what} (still answering from {kept.index.generation})"
            log.error("%s", self.problem)
        self._failed = failed
        return kept
