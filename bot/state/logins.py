"""The operator password, guarded against guessing: without a limit, 15 wrong tries took under 2 s.

Failed tries are counted per client in a small SQLite file, so every session of the page process (a
new tab, a reconnected websocket, a restarted `licensebot ui`) sees the same count. After a wrong
password the client waits `retry_delay_s`, doubled after each further one; after `max_failures` in a
row it is locked out for `lockout_s`. A quiet `lockout_s` forgives the failures, a right password
clears them. Clients the page cannot tell apart (every visitor on 127.0.0.1 or behind a proxy that
names no client) share one count, so opening a new session for each guess gains nothing; and the
failures of all clients together are capped too (`global_failures`), for an attacker who changes
address, or forges the client header, on every try.

A try is counted as a failure *before* the password is compared, in the transaction that reads the
count, so guesses sent at once from many sessions cannot all slip in under the limit; a right
password then takes its count back. Tried passwords are never stored or logged.
"""

from __future__ import annotations

import hmac
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bot.core.settings import Settings
from bot.state.sqlite_file import SQLiteFile

log = logging.getLogger(__name__)
UNIDENTIFIED = "unidentified"  # the one count shared by every client the page cannot tell apart
EVERYONE = "*"  # the count of all clients' failures together


@dataclass(frozen=True)
class LoginPolicy:
    retry_delay_s: float = 1.0
    max_failures: int = 5
    lockout_s: float = 900.0
    global_failures: int = 20

    @classmethod
    def of(cls, settings: Settings) -> "LoginPolicy":
        return cls(
            settings.admin_retry_delay_s,
            settings.admin_max_failures,
            settings.admin_lockout_s,
            settings.admin_global_failures,
        )


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    compared: bool  # False: refused without looking at the password, the client must wait first
    wait_s: float = 0.0  # until the next try is compared
    locked: bool = False  # the wait is a lockout, not the short delay after one wrong password


class LoginFailures:
    """Failures per client: (client, failures in a row, time of the last), one transaction per try."""

    def __init__(self, path: Path, policy: LoginPolicy):
        self.policy = policy
        self._db = SQLiteFile(
            path,
            [
                "CREATE TABLE IF NOT EXISTS failures "
                "(client TEXT PRIMARY KEY, failures INTEGER NOT NULL, last REAL NOT NULL)"
            ],
        )

    def admit(self, client: str, now: float) -> tuple[float, bool]:
        """(0, False) when this try may be compared, and it is then counted as a failure until
        `succeeded`; else (seconds to wait, whether that is a lockout) and nothing is counted."""
        with self._db.immediate() as db:
            db.execute("DELETE FROM failures WHERE last <= ?", (now - self.policy.lockout_s,))
            wait, locked = self._wait(db, client, now)
            if wait <= 0:
                db.executemany(
                    "INSERT INTO failures VALUES (?, 1, ?) ON CONFLICT(client) DO UPDATE "
                    "SET failures = failures + 1, last = excluded.last",
                    [(client, now), (EVERYONE, now)],
                )
            return wait, locked

    def wait_s(self, client: str, now: float) -> tuple[float, bool]:
        """What `admit` would answer now, without counting anything."""
        return self._wait(self._db.conn(), client, now)

    def succeeded(self, client: str) -> None:
        """The right password: the client's failures are forgotten and its try leaves the global count."""
        with self._db.immediate() as db:
            db.execute("DELETE FROM failures WHERE client = ?", (client,))
            db.execute("UPDATE failures SET failures = failures - 1 WHERE client = ? AND failures > 0", (EVERYONE,))

    def _wait(self, db, client: str, now: float) -> tuple[float, bool]:
        p = self.policy
        counts = {
            c: (n, last)
            for c, n, last in db.execute(
                "SELECT client, failures, last FROM failures WHERE client IN (?, ?) AND last > ?",
                (client, EVERYONE, now - p.lockout_s),
            )
        }
        failures, last = counts.get(client, (0, now))
        everyone, last_any = counts.get(EVERYONE, (0, now))
        locks = [
            since + p.lockout_s - now
            for n, limit, since in ((failures, p.max_failures, last), (everyone, p.global_failures, last_any))
            if n >= limit
        ]
        if locks:
            return max(locks), True
        if failures:
            return max(last + p.retry_delay_s * 2 ** (failures - 1) - now, 0.0), False
        return 0.0, False


class OperatorGate:
    """Compares the operator password (in constant time) only for a client that may try now."""

    def __init__(self, password: str | None, failures: LoginFailures, clock: Callable[[], float] = time.time):
        self.password, self.failures, self.clock = password, failures, clock

    def check(self, entered: str, client: str | None) -> LoginResult:
        """`client` is the address the page sees, or None when it cannot tell its visitors apart."""
        who, now = client or UNIDENTIFIED, self.clock()
        wait, locked = self.failures.admit(who, now)
        if wait > 0:
            return LoginResult(ok=False, compared=False, wait_s=wait, locked=locked)
        if self.password and hmac.compare_digest(entered.encode(), self.password.encode()):
            self.failures.succeeded(who)
            log.info("operator login from %s", who)
            return LoginResult(ok=True, compared=True)
        wait, locked = self.failures.wait_s(who, now)
        log.warning(
            "wrong operator password from %s; %s %.0f s", who, "locked out for" if locked else "next try in", wait
        )
        return LoginResult(ok=False, compared=True, wait_s=wait, locked=locked)
