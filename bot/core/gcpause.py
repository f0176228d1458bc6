"""Loading an index builds millions of small containers (a dict per unit, its strings, its lists).
Python's cyclic collector runs every few hundred allocations and, as the heap grows, walks all of
them again: at 145k units that was half the load time. None of them form cycles, so the collector
is paused while they are built and the survivors are moved out of its way afterwards."""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_depth = 0
_was_enabled = True
_lock = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside (nested and threaded uses keep it paused until the last ends);
    afterwards what was built is frozen (gc.freeze), so later collections do not walk it. Objects
    still die by reference counting as usual; what the index holds forms no reference cycles, so
    nothing frozen waits on the collector to be freed (tests/test_loading.py checks that a dropped
    Knowledge leaves no cyclic garbage)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.collect()  # garbage waiting now would be frozen with the rest; earlier loads are frozen, so this is short
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.freeze()
                if _was_enabled:
                    gc.enable()
