"""Only the user the bot runs as may read what it keeps on disk: the data directory holds customers'
questions (questions.sqlite, feedback.jsonl), WeChat openids and conversations (channels.sqlite,
sessions.sqlite), the keys that sign session ids and salt user hashes, and the index.

Two layers, because neither covers everything alone:

- `private_umask()`, where a process starts (the `licensebot` command, so `serve`, its workers and
  the page it execs inherit it): every file a library creates for us afterwards — Chroma's SQLite
  and HNSW files, bm25s, SQLite's -wal/-shm/-journal — comes out 0600 and every folder 0700. We
  cannot chmod files we do not know are created.
- `private_dir()` and `private_file()`, in the code that creates the data directory and the state
  files: a program that uses the library without our umask still gets a 0700 data directory
  (nothing below it is reachable by anyone else) and 0600 state files wherever they are configured
  (SQLite gives a database's side files the database's mode). A data directory or state file an
  older version left readable by others is tightened when it is next opened, and a warning says so.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

PRIVATE_BITS = 0o077  # group and other: read, write, search
DIR_MODE, FILE_MODE = 0o700, 0o600

log = logging.getLogger("licensebot.private")


def private_umask() -> None:
    """From now on this process (and its children) create files 0600 and folders 0700, keeping
    any stricter umask the operator already set."""
    os.umask(os.umask(PRIVATE_BITS) | PRIVATE_BITS)


def _tighten(path: Path) -> None:
    """Take group and other access away from `path` (which exists), saying so when there was any."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & PRIVATE_BITS:
        try:
            os.chmod(path, mode & ~PRIVATE_BITS)
        except OSError as exc:  # not ours to change: say so, and carry on
            log.warning("%s is readable by other users (mode %04o) and could not be made private: %s", path, mode, exc)
            return
        log.warning(
            "%s was readable by other users (mode %04o): made it private (%04o)", path, mode, mode & ~PRIVATE_BITS
        )


def private_dir(path: Path) -> Path:
    """`path` as a folder only its owner can enter: created 0700 (missing parents as the umask says),
    or tightened when it exists and group or others may use it."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(path)
    return path


def private_file(path: Path, create: bool = True) -> Path:
    """`path` as a file only its owner can read: created empty and 0600 when missing (unless not
    `create`), or tightened when it exists and group or others may read it."""
    if create:
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
            return path
        except FileExistsError:
            pass
    try:
        _tighten(path)
    except FileNotFoundError:
        pass
    return path
