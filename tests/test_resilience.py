"""The circuit breaker: every transition, driven by a fake clock instead of sleeping."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import yaml

from sekha_migrate.resilience import (
    CircuitBreaker,
    CircuitOpenError,
    CircuitState,
    describe_error,
)

EPOCH = datetime(2026, 11, 30, tzinfo=timezone.utc)


class FakeClock:
    """A monotonic clock and a wall clock that move together: wall = EPOCH + now seconds."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return EPOCH + timedelta(seconds=self.now)

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_breaker(clock: FakeClock, **settings: float) -> CircuitBreaker:
    return CircuitBreaker(
        clock=clock, wall_clock=clock.wall, name="ollama_local",
        **settings,  # type: ignore[arg-type]  # each name is one of its float settings
    )


def at(seconds: float) -> str:
    """The ISO form the stats give for the fake clock's `seconds`."""
    return (EPOCH + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")


def open_breaker(breaker: CircuitBreaker) -> None:
    for _ in range(breaker.failure_threshold):
        breaker.record_failure(ConnectionError("connection refused"))
    assert breaker.get_state() is CircuitState.OPEN


# -- CLOSED ------------------------------------------------------------------------------------


def test_new_breaker_is_closed_and_lets_calls_through(clock: FakeClock) -> None:
    breaker = make_breaker(clock)
    assert breaker.get_state() is CircuitState.CLOSED
    assert not breaker.is_open()


def test_opens_after_failure_threshold_failure_count(clock: FakeClock) -> None:
    breaker = make_breaker(clock, failure_threshold=3)
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.get_state() is CircuitState.CLOSED
    breaker.record_failure()
    assert breaker.get_state() is CircuitState.OPEN
    assert breaker.is_open()


def test_success_while_closed_resets_the_failure_count(clock: FakeClock) -> None:
    breaker = make_breaker(clock, failure_threshold=3)
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()
    assert breaker.snapshot().failure_count == 0
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.get_state() is CircuitState.CLOSED
    breaker.record_failure()
    assert breaker.get_state() is CircuitState.OPEN


def test_failure_threshold_of_one_opens_on_the_first_failure(clock: FakeClock) -> None:
    breaker = make_breaker(clock, failure_threshold=1)
    breaker.record_failure()
    assert breaker.is_open()


# -- OPEN -> HALF_OPEN -------------------------------------------------------------------------


def test_open_breaker_stays_open_until_the_timeout_passes(clock: FakeClock) -> None:
    breaker = make_breaker(clock, timeout_secs=60)
    open_breaker(breaker)
    clock.advance(59.9)
    assert breaker.is_open()
    assert breaker.retry_after_secs() == pytest.approx(0.1)


def test_open_breaker_lets_trial_calls_through_after_the_timeout(clock: FakeClock) -> None:
    breaker = make_breaker(clock, timeout_secs=60)
    open_breaker(breaker)
    clock.advance(60)
    assert not breaker.is_open()
    assert breaker.get_state() is CircuitState.HALF_OPEN
    assert breaker.retry_after_secs() == 0
    # Trial calls are not rationed: asking again still lets them through.
    assert not breaker.is_open()


def test_get_state_reports_half_open_once_the_wait_is_over(clock: FakeClock) -> None:
    breaker = make_breaker(clock, timeout_secs=10)
    open_breaker(breaker)
    clock.advance(11)
    assert breaker.get_state() is CircuitState.HALF_OPEN
    stats = breaker.snapshot()
    assert stats.state is CircuitState.HALF_OPEN
    # Half-open from when the wait ran out (last failure + timeout), not from when asked.
    assert stats.last_state_change == at(1010)


def test_clock_going_backwards_does_not_close_anything(clock: FakeClock) -> None:
    breaker = make_breaker(clock, timeout_secs=60)
    open_breaker(breaker)
    clock.advance(-3600)
    assert breaker.is_open()


# -- HALF_OPEN ---------------------------------------------------------------------------------


def test_success_threshold_successes_close_a_half_open_breaker(clock: FakeClock) -> None:
    breaker = make_breaker(clock, timeout_secs=60, success_threshold=2)
    open_breaker(breaker)
    clock.advance(60)
    assert not breaker.is_open()
    breaker.record_success()
    assert breaker.get_state() is CircuitState.HALF_OPEN
    assert breaker.snapshot().success_count == 1
    breaker.record_success()
    assert breaker.get_state() is CircuitState.CLOSED
    stats = breaker.snapshot()
    assert (stats.failure_count, stats.success_count) == (0, 0)


def test_any_failure_in_half_open_reopens_and_restarts_the_timeout(clock: FakeClock) -> None:
    breaker = make_breaker(clock, timeout_secs=60, success_threshold=3)
    open_breaker(breaker)
    clock.advance(60)
    breaker.record_success()
    breaker.record_success()
    clock.advance(5)
    breaker.record_failure(TimeoutError("read timed out"))
    assert breaker.get_state() is CircuitState.OPEN
    stats = breaker.snapshot()
    assert stats.last_failure == stats.last_state_change == at(1065)
    assert stats.times_opened == 2
    # As in the bridge, trial successes are forgotten when the next half-open spell starts.
    assert stats.success_count == 2
    clock.advance(59)
    assert breaker.is_open()
    clock.advance(1)
    assert not breaker.is_open()
    assert breaker.success_count == 0


def test_closed_again_needs_the_full_failure_threshold_to_reopen(clock: FakeClock) -> None:
    breaker = make_breaker(clock, failure_threshold=2, timeout_secs=1, success_threshold=1)
    open_breaker(breaker)
    clock.advance(1)
    breaker.is_open()
    breaker.record_success()
    assert breaker.get_state() is CircuitState.CLOSED
    breaker.record_failure()
    assert breaker.get_state() is CircuitState.CLOSED
    breaker.record_failure()
    assert breaker.get_state() is CircuitState.OPEN


def test_late_failure_while_open_extends_the_wait_as_the_bridge_does(clock: FakeClock) -> None:
    # The bridge times recovery from the last failure, whatever the state.
    breaker = make_breaker(clock, timeout_secs=60)
    open_breaker(breaker)
    clock.advance(30)
    breaker.record_failure()
    clock.advance(30)
    assert breaker.is_open()
    assert breaker.retry_after_secs() == pytest.approx(30.0)
    clock.advance(30)
    assert not breaker.is_open()


def test_late_success_while_open_does_not_close_it(clock: FakeClock) -> None:
    breaker = make_breaker(clock, timeout_secs=60, success_threshold=1)
    open_breaker(breaker)
    breaker.record_success()
    assert breaker.is_open()
    assert breaker.snapshot().total_successes == 1


# -- reset, stats, configuration ---------------------------------------------------------------


def test_manual_reset_closes_an_open_breaker(clock: FakeClock) -> None:
    breaker = make_breaker(clock)
    open_breaker(breaker)
    clock.advance(1)
    breaker.reset()
    assert breaker.get_state() is CircuitState.CLOSED
    assert not breaker.is_open()
    stats = breaker.snapshot()
    assert stats.failure_count == 0
    assert stats.success_count == 0
    assert stats.last_state_change == at(1001)
    # History survives the reset.
    assert (stats.total_failures, stats.times_opened) == (3, 1)


def test_reset_of_a_half_open_breaker_forgets_trial_successes(clock: FakeClock) -> None:
    breaker = make_breaker(clock, timeout_secs=1, success_threshold=2)
    open_breaker(breaker)
    clock.advance(1)
    breaker.record_success()
    breaker.reset()
    stats = breaker.snapshot()
    assert (stats.state, stats.success_count) == (CircuitState.CLOSED, 0)


def test_stats_count_everything_and_stamp_times(clock: FakeClock) -> None:
    breaker = make_breaker(clock, failure_threshold=2, timeout_secs=30)
    breaker.record_success()
    clock.advance(1)
    breaker.record_failure(ValueError("bad JSON from provider"))
    clock.advance(1)
    breaker.record_failure(ConnectionRefusedError(111, "Connection refused"))
    stats = breaker.snapshot()
    assert stats.name == "ollama_local"
    assert stats.state is CircuitState.OPEN
    assert (stats.total_successes, stats.total_failures) == (1, 2)
    assert stats.failure_count == 2
    assert stats.times_opened == 1
    assert stats.last_failure == stats.last_state_change == at(1002)
    assert stats.time_since_failure == 0
    assert stats.retry_after_secs == pytest.approx(30.0)
    assert stats.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert (stats.failure_threshold, stats.timeout_secs, stats.success_threshold) == (2, 30, 2)


def test_get_stats_is_a_plain_json_mapping(clock: FakeClock) -> None:
    breaker = make_breaker(clock)
    open_breaker(breaker)
    data = breaker.get_stats()
    assert data["state"] == "open"
    assert data["times_opened"] == 1
    assert json.loads(json.dumps(data)) == data


def test_stats_before_anything_happened(clock: FakeClock) -> None:
    stats = make_breaker(clock).snapshot()
    assert stats.last_failure is None
    assert stats.time_since_failure is None
    assert stats.last_state_change == at(1000)  # made closed at creation, as the bridge's
    assert stats.last_error is None
    assert stats.retry_after_secs == 0


def test_last_error_keeps_only_type_and_a_short_message() -> None:
    long_body = "<html>" + "x" * 5000 + "\n\n</html>"
    text = describe_error(RuntimeError(long_body))
    assert text.startswith("RuntimeError: <html>")
    assert len(text) < 250
    assert "\n" not in text
    assert describe_error(TimeoutError()) == "TimeoutError"


def test_error_attributes_other_than_the_message_are_not_kept(clock: FakeClock) -> None:
    class ProviderError(Exception):
        def __init__(self) -> None:
            super().__init__("401 Unauthorized")
            self.headers = {"Authorization": "Bearer sk-live-0123456789abcdef"}

    breaker = make_breaker(clock)
    breaker.record_failure(ProviderError())
    stats_text = json.dumps(breaker.get_stats())
    assert "sk-live" not in stats_text
    assert breaker.snapshot().last_error == "ProviderError: 401 Unauthorized"


def test_thresholds_come_from_the_routing_circuit_breaker_mapping(clock: FakeClock) -> None:
    config = yaml.safe_load(
        """
        routing:
          circuit_breaker:
            failure_threshold: 5
            timeout_secs: 15
            success_threshold: 1
        """
    )
    breaker = CircuitBreaker.from_config(
        config["routing"]["circuit_breaker"], clock=clock, name="openai"
    )
    assert (breaker.failure_threshold, breaker.timeout_secs, breaker.success_threshold) == (
        5,
        15,
        1,
    )
    for _ in range(4):
        breaker.record_failure()
    assert not breaker.is_open()
    breaker.record_failure()
    assert breaker.is_open()
    clock.advance(15)
    assert not breaker.is_open()
    breaker.record_success()
    assert breaker.get_state() is CircuitState.CLOSED


@pytest.mark.parametrize("settings", [None, {}, {"failure_threshold": 4}])
def test_missing_settings_take_the_seed_defaults(settings: dict[str, Any] | None) -> None:
    breaker = CircuitBreaker.from_config(settings)
    expected_failures = (settings or {}).get("failure_threshold", 3)
    assert (breaker.failure_threshold, breaker.timeout_secs, breaker.success_threshold) == (
        expected_failures,
        60,
        2,
    )


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"failure_threshold": 0}, "failure_threshold must be a whole number of at least 1"),
        ({"failure_threshold": 2.5}, "failure_threshold"),
        ({"failure_threshold": True}, "failure_threshold"),
        ({"success_threshold": -1}, "success_threshold must be"),
        ({"success_threshold": "2"}, "success_threshold"),
        ({"timeout_secs": 0}, "timeout_secs must be a number of seconds greater than 0"),
        ({"timeout_secs": -5}, "timeout_secs"),
        ({"timeout_secs": "60"}, "timeout_secs"),
        ({"timeout_secs": float("nan")}, "timeout_secs"),
        ({"timeout_secs": float("inf")}, "timeout_secs must be finite"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(kwargs: dict[str, Any], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        CircuitBreaker(**kwargs)


def test_bad_settings_mapping_is_refused() -> None:
    with pytest.raises(ValueError, match=r"routing\.circuit_breaker must be a mapping"):
        CircuitBreaker.from_config(["failure_threshold", 3])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout_secs"):
        CircuitBreaker.from_config({"timeout_secs": "${BREAKER_TIMEOUT}"})


# -- sharing between asyncio tasks -------------------------------------------------------------


def test_concurrent_failures_from_many_tasks_give_consistent_counts(clock: FakeClock) -> None:
    breaker = make_breaker(clock, failure_threshold=10)

    async def fail_after_a_yield(i: int) -> None:
        await asyncio.sleep(0)
        breaker.record_failure(OSError(f"attempt {i}"))
        await asyncio.sleep(0)

    async def main() -> None:
        await asyncio.gather(*(fail_after_a_yield(i) for i in range(200)))

    asyncio.run(main())
    stats = breaker.snapshot()
    assert stats.total_failures == 200
    assert stats.failure_count == 200
    assert stats.state is CircuitState.OPEN
    assert stats.times_opened == 1


def test_concurrent_calls_stop_reaching_the_provider_once_open(clock: FakeClock) -> None:
    breaker = make_breaker(clock, failure_threshold=3)
    reached = 0

    async def refused() -> None:
        nonlocal reached
        reached += 1
        raise ConnectionRefusedError("connection refused")

    async def one_call() -> str:
        await asyncio.sleep(0)
        try:
            await breaker.call(refused)
        except CircuitOpenError:
            return "skipped"
        except ConnectionRefusedError:
            return "failed"
        return "ok"

    async def main() -> list[str]:
        return await asyncio.gather(*(one_call() for _ in range(50)))

    outcomes = asyncio.run(main())
    assert outcomes.count("failed") == 3
    assert outcomes.count("skipped") == 47
    assert reached == 3
    assert breaker.snapshot().total_failures == 3


# -- the `call` convenience --------------------------------------------------------------------


def test_call_returns_the_result_and_records_success(clock: FakeClock) -> None:
    breaker = make_breaker(clock)
    breaker.record_failure()

    async def answer() -> dict[str, Any]:
        return {"models": []}

    assert asyncio.run(breaker.call(answer)) == {"models": []}
    stats = breaker.snapshot()
    assert (stats.total_successes, stats.failure_count) == (1, 0)


def test_call_records_the_failure_and_re_raises_the_original(clock: FakeClock) -> None:
    breaker = make_breaker(clock)
    original = TimeoutError("read timed out after 5s")

    async def times_out() -> None:
        raise original

    with pytest.raises(TimeoutError) as caught:
        asyncio.run(breaker.call(times_out))
    assert caught.value is original
    stats = breaker.snapshot()
    assert stats.total_failures == 1
    assert stats.last_error == "TimeoutError: read timed out after 5s"


def test_call_skips_the_function_while_open(clock: FakeClock) -> None:
    breaker = make_breaker(clock, timeout_secs=60)
    open_breaker(breaker)
    clock.advance(20)
    called = False

    async def should_not_run() -> None:
        nonlocal called
        called = True

    with pytest.raises(CircuitOpenError) as caught:
        asyncio.run(breaker.call(should_not_run))
    assert not called
    assert caught.value.name == "ollama_local"
    assert caught.value.retry_after_secs == pytest.approx(40.0)
    assert "'ollama_local' is open" in str(caught.value)
    assert "40.0s" in str(caught.value)
    assert breaker.snapshot().total_failures == 3


def test_call_lets_a_trial_through_after_the_timeout_and_closes(clock: FakeClock) -> None:
    breaker = make_breaker(clock, timeout_secs=60, success_threshold=2)
    open_breaker(breaker)
    clock.advance(60)

    async def healthy() -> str:
        return "pong"

    assert asyncio.run(breaker.call(healthy)) == "pong"
    assert breaker.get_state() is CircuitState.HALF_OPEN
    assert asyncio.run(breaker.call(healthy)) == "pong"
    assert breaker.get_state() is CircuitState.CLOSED


def test_call_with_is_failure_false_counts_the_answer_as_success(clock: FakeClock) -> None:
    breaker = make_breaker(clock, failure_threshold=1)

    class ModelNotFound(Exception):
        pass

    async def answers_404() -> None:
        raise ModelNotFound("model 'llama3.1:70b' not found")

    with pytest.raises(ModelNotFound):
        asyncio.run(
            breaker.call(answers_404, is_failure=lambda exc: not isinstance(exc, ModelNotFound))
        )
    stats = breaker.snapshot()
    assert (stats.state, stats.total_failures, stats.total_successes) == (
        CircuitState.CLOSED,
        0,
        1,
    )


def test_cancelled_call_records_nothing(clock: FakeClock) -> None:
    breaker = make_breaker(clock, failure_threshold=1)

    async def hangs() -> None:
        await asyncio.sleep(3600)

    async def main() -> None:
        task = asyncio.ensure_future(breaker.call(hangs))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    stats = breaker.snapshot()
    assert (stats.state, stats.total_failures, stats.total_successes) == (
        CircuitState.CLOSED,
        0,
        0,
    )
