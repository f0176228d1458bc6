"""bot/core/files.py: a failed write leaves the old file whole and no temporary behind; a lock held by
another process is reported to `busy` and then waited for."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from bot.core.files import atomic_write, file_lock


def test_a_write_that_fails_halfway_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "model.json"
    atomic_write(target, "old")

    def half(out):
        out.write(b"new, half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, half)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["model.json"]
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new" and len(list(tmp_path.iterdir())) == 1


def test_a_lock_held_by_another_process_is_reported_then_waited_for(tmp_path):
    lock = tmp_path / "ingest.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import fcntl, select, sys\n"
                f"fh = open({str(lock)!r}, 'a+'); fcntl.flock(fh, fcntl.LOCK_EX)\n"
                "print('held', flush=True); select.select([sys.stdin], [], [], 30)"
            ),
        ],  # 30 s: a broken lock fails, not hangs
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        seen = threading.Event()

        def busy(fh):
            seen.set()
            holder.stdin.write("go\n")  # let the holder go only once we were told it holds the lock
            holder.stdin.flush()

        with file_lock(lock, busy):
            assert seen.is_set()
            assert holder.wait(timeout=30) == 0  # it had released the lock for us to get here

        def refuse(fh):
            raise RuntimeError("busy")

        with file_lock(lock, refuse):  # free now: `busy` is not called
            pass
    finally:
        holder.kill()
