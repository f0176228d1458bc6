"""Crash points for tests: `LICENSEBOT_CRASH_AT=<name>` makes the process SIGKILL itself at the
named point, so a test can prove that a kill inside a write or a publish leaves a usable index.

Read from the environment on every call (not from Settings) because the point is chosen per
subprocess by the test that starts it, and must cost nothing when unset.
"""

from __future__ import annotations

import os
import signal

ENV = "LICENSEBOT_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
