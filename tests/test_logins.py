"""The operator password against guessing, on the real SQLite store with a clock the test moves:
delays that double, a lockout that ends, per-client counts, a shared count for clients that cannot
be told apart, a global cap, and guesses sent at once that cannot slip under the limit."""

from __future__ import annotations

import threading

import pytest

from bot.state.logins import LoginFailures, LoginPolicy, OperatorGate

PASSWORD = "correct horse"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def gate(tmp_path):
    def build(**policy) -> tuple[OperatorGate, Clock]:
        clock = Clock()
        return OperatorGate(PASSWORD, LoginFailures(tmp_path / "logins.sqlite", LoginPolicy(**policy)), clock), clock

    return build


def test_each_wrong_password_doubles_the_wait_then_the_client_is_locked_out_until_it_ends(gate):
    guard, clock = gate(retry_delay_s=1, max_failures=5, lockout_s=900)
    waits = []
    for i in range(5):
        result = guard.check(f"guess {i}", "203.0.113.7")
        assert result.compared and not result.ok
        waits.append(result.wait_s)
        clock.now += result.wait_s
    assert waits == [1, 2, 4, 8, 900] and result.locked
    clock.now += -1
    refused = guard.check(PASSWORD, "203.0.113.7")
    assert not refused.ok and not refused.compared and refused.locked and refused.wait_s == 1
    clock.now += 1
    assert guard.check(PASSWORD, "203.0.113.7").ok
    assert guard.check("guess", "203.0.113.7").wait_s == 1  # a right password forgot the failures


def test_a_try_inside_the_wait_is_refused_without_comparing_and_costs_nothing(gate):
    guard, clock = gate(retry_delay_s=10, max_failures=3)
    guard.check("guess", "203.0.113.7")
    for _ in range(50):
        refused = guard.check(PASSWORD, "203.0.113.7")
        assert not refused.compared and not refused.locked
    clock.now += 10
    assert guard.check(PASSWORD, "203.0.113.7").ok


def test_a_locked_out_client_does_not_lock_out_another(gate):
    guard, _ = gate(retry_delay_s=0, max_failures=2)
    guard.check("guess 1", "203.0.113.7")
    assert guard.check("guess 2", "203.0.113.7").locked
    assert guard.check(PASSWORD, "198.51.100.2").ok


def test_clients_that_cannot_be_told_apart_share_one_count(gate):
    """A new session for every guess (no address to tell them apart) gains an attacker nothing."""
    guard, _ = gate(retry_delay_s=0, max_failures=2)
    guard.check("guess 1", None)
    guard.check("guess 2", None)
    assert guard.check(PASSWORD, None).locked


def test_failures_of_all_clients_together_are_capped(gate):
    """An attacker who changes address (or forges the proxy's header) every try is still stopped."""
    guard, clock = gate(retry_delay_s=0, max_failures=5, lockout_s=900, global_failures=3)
    for i in range(3):
        assert guard.check("guess", f"203.0.113.{i}").compared
    refused = guard.check(PASSWORD, "198.51.100.2")
    assert not refused.compared and refused.locked
    clock.now += 900
    assert guard.check(PASSWORD, "198.51.100.2").ok


def test_guesses_sent_at_once_from_many_sessions_cannot_slip_under_the_limit(gate):
    """Twenty guesses arrive together; each is held at the comparison until all the others have been
    admitted or refused, so a check made before the count is written would let all twenty through."""
    guard, _ = gate(retry_delay_s=0, max_failures=5)
    settled, release = threading.Condition(), threading.Event()
    held, results = [], []

    class HeldGuess(str):
        def encode(self, *args, **kwargs) -> bytes:
            with settled:
                held.append(self)
                settled.notify_all()
            release.wait(timeout=60)
            return str.encode(self, *args, **kwargs)

    def guess(i: int) -> None:
        result = guard.check(HeldGuess(f"guess {i}"), "203.0.113.7")
        with settled:
            results.append(result)
            settled.notify_all()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    with settled:
        assert settled.wait_for(lambda: len(held) + len(results) == 20, timeout=60)
    release.set()
    for t in threads:
        t.join()
    assert len(held) == 5 and sum(r.compared for r in results) == 5


def test_the_tried_password_is_never_logged(gate, caplog):
    guard, _ = gate(retry_delay_s=0, max_failures=2)
    with caplog.at_level("INFO", logger="bot.state.logins"):
        guard.check("hunter2-guess", "203.0.113.7")
        guard.check("hunter3-guess", "203.0.113.7")
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "wrong operator password from 203.0.113.7; next try in 0 s",
        "wrong operator password from 203.0.113.7; locked out for 900 s",
    ]
