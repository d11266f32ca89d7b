"""The breaker behaves as sekha-llm-bridge's does, used the way the bridge's code uses it.

Each test pins one behaviour the bridge's own resilience tests check (sekha-llm-bridge
tests/test_resilience.py @3f8dc5e), written afresh: the bridge's public names, its defaults,
its counters, its stats keys, and recovery timed from the last failure. Where the bridge's
tests move time by assigning `last_failure_time`, so do these; nothing sleeps.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from sekha_migrate.resilience import BreakerState, CircuitBreaker, CircuitState

BRIDGE_STATS_KEYS = {
    "state",
    "failure_count",
    "success_count",
    "last_failure",
    "last_state_change",
    "time_since_failure",
}


def fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        breaker.record_failure()


def age_last_failure(breaker: CircuitBreaker, seconds: float) -> None:
    """Pretend the last failure happened `seconds` ago, in the bridge's naive local time."""
    breaker.last_failure_time = datetime.now() - timedelta(seconds=seconds)


def test_states_carry_the_bridges_names_and_values() -> None:
    assert [(s.name, s.value) for s in CircuitState] == [
        ("CLOSED", "closed"),
        ("OPEN", "open"),
        ("HALF_OPEN", "half_open"),
    ]
    assert CircuitState.HALF_OPEN.value == "half_open"  # a str enum, as the bridge's
    assert isinstance(CircuitState.HALF_OPEN, str)
    assert BreakerState is CircuitState  # the older name keeps working


def test_defaults_are_the_bridges_three_sixty_two() -> None:
    breaker = CircuitBreaker()
    assert breaker.failure_threshold == 3
    assert breaker.success_threshold == 2
    assert breaker.timeout == timedelta(seconds=60)
    assert (breaker.failure_count, breaker.success_count) == (0, 0)
    assert breaker.last_failure_time is None
    assert isinstance(breaker.last_state_change, datetime)


def test_a_new_breaker_is_closed_and_not_open() -> None:
    breaker = CircuitBreaker()
    assert breaker.get_state() is CircuitState.CLOSED
    assert breaker.state is CircuitState.CLOSED
    assert breaker.is_open() is False


def test_the_threshold_th_failure_opens_and_not_one_before() -> None:
    breaker = CircuitBreaker(failure_threshold=3)
    for _ in range(2):
        breaker.record_failure()
        assert breaker.get_state() is CircuitState.CLOSED
    breaker.record_failure()
    assert breaker.get_state() is CircuitState.OPEN
    assert breaker.is_open() is True


def test_a_threshold_of_one_opens_on_the_first_failure() -> None:
    breaker = CircuitBreaker(failure_threshold=1)
    breaker.record_failure()
    assert breaker.is_open()
    assert breaker.get_state() is CircuitState.OPEN


def test_custom_thresholds_are_honoured() -> None:
    breaker = CircuitBreaker(failure_threshold=5, timeout_secs=120, success_threshold=3)
    assert breaker.timeout == timedelta(seconds=120)
    for _ in range(4):
        breaker.record_failure()
        assert breaker.get_state() is CircuitState.CLOSED
    breaker.record_failure()
    assert breaker.get_state() is CircuitState.OPEN


def test_failures_past_the_threshold_keep_counting_and_keep_it_open() -> None:
    breaker = CircuitBreaker(failure_threshold=3)
    fail(breaker, 5)
    assert breaker.get_state() is CircuitState.OPEN
    assert breaker.failure_count == 5


def test_record_failure_takes_the_exception_and_counts_it() -> None:
    breaker = CircuitBreaker()
    try:
        raise ValueError("provider said no")
    except ValueError as exc:
        breaker.record_failure(exc)
    assert breaker.failure_count == 1
    assert breaker.get_stats()["last_error"] == "ValueError: provider said no"


def test_a_success_while_closed_zeroes_the_failure_count() -> None:
    breaker = CircuitBreaker(failure_threshold=3)
    fail(breaker, 2)
    assert breaker.failure_count == 2
    breaker.record_success()
    assert breaker.failure_count == 0
    assert breaker.get_state() is CircuitState.CLOSED


def test_an_aged_last_failure_turns_open_into_half_open() -> None:
    breaker = CircuitBreaker(failure_threshold=1, timeout_secs=1)
    breaker.record_failure()
    assert breaker.get_state() is CircuitState.OPEN
    age_last_failure(breaker, 2)
    assert breaker.get_state() is CircuitState.HALF_OPEN
    assert breaker.is_open() is False


def test_is_open_alone_also_moves_an_expired_breaker_to_half_open() -> None:
    breaker = CircuitBreaker(failure_threshold=1, timeout_secs=1)
    breaker.record_failure()
    age_last_failure(breaker, 2)
    assert breaker.is_open() is False
    assert breaker.state is CircuitState.HALF_OPEN


def test_recovery_is_timed_from_the_last_failure_not_from_opening() -> None:
    breaker = CircuitBreaker(failure_threshold=1, timeout_secs=60)
    breaker.record_failure()
    age_last_failure(breaker, 30)  # opened 30 s ago ...
    breaker.record_failure()  # ... and failed again just now: the wait starts over
    assert breaker.is_open()
    age_last_failure(breaker, 59)
    assert breaker.is_open()
    age_last_failure(breaker, 61)
    assert not breaker.is_open()


def test_success_threshold_successes_in_half_open_close_it() -> None:
    breaker = CircuitBreaker(failure_threshold=1, timeout_secs=1, success_threshold=2)
    breaker.record_failure()
    age_last_failure(breaker, 2)
    assert breaker.get_state() is CircuitState.HALF_OPEN
    breaker.record_success()
    assert breaker.get_state() is CircuitState.HALF_OPEN
    assert breaker.success_count == 1
    breaker.record_success()
    assert breaker.get_state() is CircuitState.CLOSED
    assert (breaker.failure_count, breaker.success_count) == (0, 0)


def test_one_failure_in_half_open_reopens_it_at_once() -> None:
    breaker = CircuitBreaker(failure_threshold=1, timeout_secs=1)
    breaker.record_failure()
    age_last_failure(breaker, 2)
    assert breaker.get_state() is CircuitState.HALF_OPEN
    breaker.record_failure()
    # Open again, and for a full timeout from this failure: not vacuously "open".
    assert breaker.get_state() is CircuitState.OPEN
    assert breaker.is_open()


def test_reset_closes_and_zeroes_both_counts() -> None:
    breaker = CircuitBreaker(failure_threshold=1)
    breaker.record_failure()
    assert breaker.get_state() is CircuitState.OPEN
    assert breaker.failure_count > 0
    breaker.reset()
    assert breaker.get_state() is CircuitState.CLOSED
    assert (breaker.failure_count, breaker.success_count) == (0, 0)


def test_get_stats_has_the_bridges_keys_with_the_bridges_values() -> None:
    stats = CircuitBreaker().get_stats()
    assert stats.keys() >= BRIDGE_STATS_KEYS
    assert stats["state"] == "closed"
    assert (stats["failure_count"], stats["success_count"]) == (0, 0)
    assert stats["last_failure"] is None
    assert stats["time_since_failure"] is None
    assert datetime.fromisoformat(stats["last_state_change"]).tzinfo is not None


def test_get_stats_after_a_failure_gives_iso_utc_time_and_seconds_since() -> None:
    breaker = CircuitBreaker(failure_threshold=1)
    breaker.record_failure()
    age_last_failure(breaker, 12)
    stats = breaker.get_stats()
    assert stats["state"] == "open"
    assert stats["failure_count"] == 1
    last_failure = datetime.fromisoformat(stats["last_failure"])
    assert last_failure.utcoffset() == timedelta(0)
    assert abs(datetime.now(timezone.utc) - last_failure - timedelta(seconds=12)) < timedelta(
        seconds=5
    )
    assert 12 <= stats["time_since_failure"] < 17


def test_last_failure_time_reads_back_as_the_moment_assigned() -> None:
    breaker = CircuitBreaker()
    moment = datetime(2026, 11, 30, 1, 2, 3, tzinfo=timezone.utc)
    breaker.last_failure_time = moment
    assert breaker.last_failure_time == moment
    breaker.last_failure_time = None
    assert breaker.last_failure_time is None


def test_guarding_calls_with_is_open_stops_calling_a_failing_service() -> None:
    breaker = CircuitBreaker(failure_threshold=2, timeout_secs=1)
    calls = 0

    async def unavailable() -> None:
        nonlocal calls
        calls += 1
        raise ConnectionError("service unavailable")

    async def attempt() -> None:
        # The bridge's registry asks is_open() first and records the outcome after.
        if breaker.is_open():
            return
        try:
            await unavailable()
            breaker.record_success()
        except ConnectionError as exc:
            breaker.record_failure(exc)

    async def five_attempts() -> None:
        for _ in range(5):
            await attempt()

    asyncio.run(five_attempts())
    assert breaker.get_state() is CircuitState.OPEN
    assert calls == 2


def test_after_the_timeout_one_success_closes_with_success_threshold_one() -> None:
    breaker = CircuitBreaker(failure_threshold=1, timeout_secs=1, success_threshold=1)
    breaker.record_failure()
    assert breaker.get_state() is CircuitState.OPEN
    age_last_failure(breaker, 1.1)
    assert breaker.get_state() is CircuitState.HALF_OPEN
    breaker.record_success()
    assert breaker.get_state() is CircuitState.CLOSED


@pytest.mark.parametrize("offset", [timedelta(hours=-5), timedelta(hours=9)])
def test_an_aware_last_failure_in_any_zone_means_the_same_moment(offset: timedelta) -> None:
    breaker = CircuitBreaker(failure_threshold=1, timeout_secs=60)
    breaker.record_failure()
    zone = timezone(offset)
    breaker.last_failure_time = datetime.now(zone) - timedelta(seconds=61)
    assert breaker.get_state() is CircuitState.HALF_OPEN
