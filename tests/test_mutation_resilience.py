"""The breaker's promises that its mutation run found unpinned, each by an exact value.

Time is an injected clock (wall = EPOCH + monotonic seconds); nothing sleeps. The local time
zone is set only by the tests about it (Pacific/Kiritimati, UTC+14, far from UTC).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
import test_resilience
from test_resilience import EPOCH

from sekha_migrate.resilience import (
    CircuitBreaker,
    CircuitOpenError,
    CircuitState,
    describe_error,
    iso_utc,
    utc_now,
)

KIRITIMATI = timezone(timedelta(hours=14))


class FakeClock(test_resilience.FakeClock):
    """test_resilience's clock, which can also give its moment as UTC+14's wall clock."""

    def local_wall(self) -> datetime:
        """The same moment, given in UTC+14 (as a wall clock in that zone would)."""
        return self.wall().astimezone(KIRITIMATI)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def kiritimati_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def never_called() -> None:
    raise AssertionError("the breaker let a call through while open")


# -- times are UTC, whatever the local zone --------------------------------------------------


def test_the_default_wall_clock_is_aware_utc(kiritimati_local_time: None) -> None:
    assert utc_now().utcoffset() == timedelta(0)


def test_iso_utc_gives_utc_whatever_the_zone_of_the_moment(kiritimati_local_time: None) -> None:
    moment = datetime(2026, 11, 30, 14, 0, 0, 123456, tzinfo=KIRITIMATI)
    assert iso_utc(moment) == "2026-11-30T00:00:00.123+00:00"


def test_a_wall_clock_in_another_zone_gives_utc_times(
    clock: FakeClock, kiritimati_local_time: None
) -> None:
    breaker = CircuitBreaker(failure_threshold=1, clock=clock, wall_clock=clock.local_wall)
    breaker.record_failure()
    last_failure = breaker.last_failure_time
    assert last_failure == EPOCH + timedelta(seconds=1000)
    assert last_failure is not None
    assert last_failure.utcoffset() == timedelta(0)
    assert breaker.last_state_change.utcoffset() == timedelta(0)
    assert breaker.get_stats()["last_failure"] == "2026-11-30T00:16:40.000+00:00"


def test_a_naive_last_failure_time_is_local_time_read_back_in_utc(
    clock: FakeClock, kiritimati_local_time: None
) -> None:
    breaker = CircuitBreaker(clock=clock, wall_clock=clock.wall)
    breaker.last_failure_time = datetime(2026, 11, 30, 14, 0, 0)  # 00:00 UTC
    read_back = breaker.last_failure_time
    assert read_back == EPOCH
    assert read_back is not None
    assert read_back.utcoffset() == timedelta(0)


def test_assigning_something_other_than_a_datetime_is_refused(clock: FakeClock) -> None:
    breaker = CircuitBreaker(clock=clock, wall_clock=clock.wall)
    with pytest.raises(TypeError) as caught:
        breaker.last_failure_time = "yesterday"  # type: ignore[assignment]
    assert str(caught.value) == "last_failure_time must be a datetime or None, got 'yesterday'"


def test_from_config_uses_the_wall_clock_it_is_given(clock: FakeClock) -> None:
    breaker = CircuitBreaker.from_config({}, clock=clock, wall_clock=clock.wall)
    assert breaker.last_state_change == EPOCH + timedelta(seconds=1000)


# -- the clocks must be callables ------------------------------------------------------------


def test_a_monotonic_clock_that_is_not_callable_is_refused_by_name() -> None:
    with pytest.raises(ValueError) as caught:
        CircuitBreaker(clock=5)  # type: ignore[arg-type]
    assert str(caught.value) == "clock must be a callable, got 5"


def test_a_wall_clock_that_is_not_callable_is_refused_by_name() -> None:
    with pytest.raises(ValueError) as caught:
        CircuitBreaker(wall_clock="now")  # type: ignore[arg-type]
    assert str(caught.value) == "wall_clock must be a callable, got 'now'"


# -- last_error is cut at 200 characters -----------------------------------------------------


def test_a_message_of_exactly_the_limit_is_kept_whole() -> None:
    assert describe_error(RuntimeError("x" * 200)) == "RuntimeError: " + "x" * 200


def test_a_message_one_past_the_limit_keeps_199_characters_and_an_ellipsis() -> None:
    assert describe_error(RuntimeError("x" * 201)) == "RuntimeError: " + "x" * 199 + "…"


# -- the stats -------------------------------------------------------------------------------


def test_get_stats_has_exactly_its_keys_and_the_state_as_plain_text(clock: FakeClock) -> None:
    stats = CircuitBreaker(clock=clock, wall_clock=clock.wall).get_stats()
    assert sorted(stats) == [
        "failure_count",
        "failure_threshold",
        "last_error",
        "last_failure",
        "last_state_change",
        "name",
        "retry_after_secs",
        "state",
        "success_count",
        "success_threshold",
        "time_since_failure",
        "time_since_state_change",
        "timeout_secs",
        "times_opened",
        "total_failures",
        "total_successes",
    ]
    assert type(stats["state"]) is str
    assert stats["state"] == "closed"


def test_every_success_is_counted_in_the_totals(clock: FakeClock) -> None:
    breaker = CircuitBreaker(clock=clock, wall_clock=clock.wall)
    for _ in range(3):
        breaker.record_success()
    assert breaker.snapshot().total_successes == 3


def test_durations_are_seconds_to_the_millisecond(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failure_threshold=1, timeout_secs=30, clock=clock,
                             wall_clock=clock.wall)
    breaker.record_failure()  # opens at 1000
    clock.advance(12.34567)
    stats = breaker.snapshot()
    assert stats.time_since_failure == 12.346
    assert stats.time_since_state_change == 12.346
    assert stats.retry_after_secs == 17.654


def test_a_state_just_entered_has_lasted_zero_seconds(clock: FakeClock) -> None:
    stats = CircuitBreaker(clock=clock, wall_clock=clock.wall).snapshot()
    assert stats.time_since_state_change == 0.0


def test_a_closed_breaker_with_a_recent_failure_has_nothing_to_wait_for(
    clock: FakeClock,
) -> None:
    breaker = CircuitBreaker(failure_threshold=3, clock=clock, wall_clock=clock.wall)
    breaker.record_failure()
    clock.advance(5)
    assert breaker.get_state() is CircuitState.CLOSED
    assert breaker.retry_after_secs() == 0.0
    assert breaker.snapshot().retry_after_secs == 0.0


def test_a_reset_breaker_has_nothing_to_wait_for(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failure_threshold=1, clock=clock, wall_clock=clock.wall)
    breaker.record_failure()
    breaker.reset()
    assert breaker.retry_after_secs() == 0.0


# -- CircuitOpenError's message --------------------------------------------------------------


def test_the_refusal_of_an_unnamed_breaker_says_circuit_breaker(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failure_threshold=1, timeout_secs=30, clock=clock,
                             wall_clock=clock.wall)
    breaker.record_failure()
    clock.advance(10)
    with pytest.raises(CircuitOpenError) as caught:
        asyncio.run(breaker.call(never_called))
    assert str(caught.value) == "circuit breaker is open; next trial call in 20.0s"


def test_the_refusal_of_a_named_breaker_names_it() -> None:
    error = CircuitOpenError("openai", 7.26)
    assert str(error) == "circuit breaker 'openai' is open; next trial call in 7.3s"


def test_an_empty_name_is_no_name_in_the_refusal() -> None:
    assert str(CircuitOpenError("", 1)) == "circuit breaker is open; next trial call in 1.0s"
