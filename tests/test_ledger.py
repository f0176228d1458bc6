"""The channel store is shared by worker processes: a message is claimed by exactly one."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from bot.state.ledger import Ledger


def _claim(path: str, key: str, barrier, results) -> None:
    ledger = Ledger(Path(path))
    barrier.wait()
    results.put(ledger.claim(key))


def test_one_claim_wins_across_processes(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(4), ctx.Queue()
    procs = [
        ctx.Process(target=_claim, args=(str(tmp_path / "c.sqlite"), "oa:123", barrier, results)) for _ in range(4)
    ]
    for p in procs:
        p.start()
    outcomes = sorted(results.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    assert outcomes == [False, False, False, True]


def test_cursor_survives_a_new_instance(tmp_path):
    Ledger(tmp_path / "c.sqlite").save_cursor("kf1", "abc")
    assert Ledger(tmp_path / "c.sqlite").cursor("kf1") == "abc" and Ledger(tmp_path / "c.sqlite").cursor("kf2") == ""
