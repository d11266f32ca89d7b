"""The circuit breaker of sekha-llm-bridge, usable from a terminal.

Same public surface and the same rules as the bridge's `resilience.CircuitBreaker`, so a probe
can predict what Sekha will do. A breaker watches one provider. CLOSED lets every call
through and counts failures (a success resets the count); `failure_threshold` of them open
it. OPEN refuses calls until `timeout_secs` have passed since the LAST failure, then lets
trial calls through (HALF_OPEN). `success_threshold` trial successes close it again; one trial
failure reopens it.

Two clocks: datetimes (`last_failure_time`, `last_state_change`) come from an injectable wall
clock in UTC; every duration is measured on an injectable monotonic clock, so a wall-clock
jump opens or closes nothing. Assigning `last_failure_time` (as the bridge's own tests do)
moves the monotonic stamp by the same amount. Every change happens under a lock and never
across an `await`, so one breaker can be shared by many asyncio tasks (and threads).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_FAILURE_THRESHOLD = 3
DEFAULT_TIMEOUT_SECS = 60.0
DEFAULT_SUCCESS_THRESHOLD = 2

# An exception message can be long (a whole response body); the stats keep a short line.
_ERROR_MESSAGE_LIMIT = 200


class CircuitState(str, Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


# The name this module used before it matched the bridge's.
BreakerState = CircuitState


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso_utc(moment: datetime | None) -> str | None:
    """`2026-11-30T00:43:43.123+00:00`: ISO 8601, UTC, to the millisecond."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


class CircuitOpenError(Exception):
    """A call was skipped because the breaker is open."""

    def __init__(self, name: str | None, retry_after_secs: float) -> None:
        self.name = name
        self.retry_after_secs = retry_after_secs
        who = f"circuit breaker {name!r}" if name else "circuit breaker"
        super().__init__(f"{who} is open; next trial call in {retry_after_secs:.1f}s")


@dataclass(frozen=True)
class _Instant:
    """One moment on both clocks: `mono` for durations, `wall` (UTC) for showing it."""

    mono: float
    wall: datetime

    def later(self, seconds: float) -> _Instant:
        return _Instant(self.mono + seconds, self.wall + timedelta(seconds=seconds))


@dataclass(frozen=True)
class BreakerStats:
    """A snapshot of one breaker. Times are ISO 8601 UTC; durations are seconds."""

    # The bridge's get_stats() keys, same names and meaning.
    state: CircuitState
    failure_count: int
    success_count: int
    last_failure: str | None
    last_state_change: str
    time_since_failure: float | None
    # Ours.
    name: str | None
    failure_threshold: int
    timeout_secs: float
    success_threshold: int
    time_since_state_change: float
    retry_after_secs: float
    total_successes: int
    total_failures: int
    times_opened: int
    last_error: str | None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["state"] = self.state.value
        return data


def describe_error(error: BaseException) -> str:
    """`ConnectError: connection refused` on one line, cut short; nothing else of the error."""
    message = " ".join(str(error).split())
    if len(message) > _ERROR_MESSAGE_LIMIT:
        message = message[: _ERROR_MESSAGE_LIMIT - 1] + "…"
    name = type(error).__name__
    return f"{name}: {message}" if message else name


def counts_as_failure(error: BaseException) -> bool:
    """The default for `CircuitBreaker.call`: every ordinary exception is a failure."""
    return isinstance(error, Exception)


def _check_count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
    return value


def _check_seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a number of seconds greater than 0, got {value!r}")
    if value == float("inf"):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)


def _as_utc(moment: object) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"last_failure_time must be a datetime or None, got {moment!r}")
    # A naive datetime is local time, as the bridge's datetime.now() is.
    return moment.astimezone(timezone.utc)


class CircuitBreaker:
    def __init__(
        self,
        failure_threshold: int = DEFAULT_FAILURE_THRESHOLD,
        timeout_secs: float = DEFAULT_TIMEOUT_SECS,
        success_threshold: int = DEFAULT_SUCCESS_THRESHOLD,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utc_now,
        name: str | None = None,
    ) -> None:
        self.failure_threshold = _check_count("failure_threshold", failure_threshold)
        self.timeout_secs = _check_seconds("timeout_secs", timeout_secs)
        self.success_threshold = _check_count("success_threshold", success_threshold)
        for label, given in (("clock", clock), ("wall_clock", wall_clock)):
            if not callable(given):
                raise ValueError(f"{label} must be a callable, got {given!r}")
        self.name = name
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.RLock()
        self._state = CircuitState.CLOSED
        self._failure_count = 0
        self._success_count = 0
        self._total_successes = 0
        self._total_failures = 0
        self._times_opened = 0
        self._last_failure: _Instant | None = None
        self._last_change = self._now()
        self._last_error: str | None = None

    @classmethod
    def from_config(
        cls,
        mapping: Mapping[str, Any] | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utc_now,
        name: str | None = None,
    ) -> CircuitBreaker:
        """Build from a `routing.circuit_breaker` mapping; missing keys take the defaults."""
        settings = mapping or {}
        if not isinstance(settings, Mapping):
            raise ValueError(
                f"routing.circuit_breaker must be a mapping of settings, got {settings!r}"
            )
        return cls(
            failure_threshold=settings.get("failure_threshold", DEFAULT_FAILURE_THRESHOLD),
            timeout_secs=settings.get("timeout_secs", DEFAULT_TIMEOUT_SECS),
            success_threshold=settings.get("success_threshold", DEFAULT_SUCCESS_THRESHOLD),
            clock=clock,
            wall_clock=wall_clock,
            name=name,
        )

    def __repr__(self) -> str:
        return f"CircuitBreaker(name={self.name!r}, state={self.get_state().value})"

    # -- the bridge's public attributes --------------------------------------------------------

    @property
    def timeout(self) -> timedelta:
        return timedelta(seconds=self.timeout_secs)

    @property
    def state(self) -> CircuitState:
        return self.get_state()

    @property
    def failure_count(self) -> int:
        """Failures since the breaker last closed or a success reset the count."""
        with self._lock:
            return self._failure_count

    @property
    def success_count(self) -> int:
        """Trial successes in the current half-open spell."""
        with self._lock:
            return self._success_count

    @property
    def last_failure_time(self) -> datetime | None:
        with self._lock:
            return self._last_failure.wall if self._last_failure else None

    @last_failure_time.setter
    def last_failure_time(self, moment: datetime | None) -> None:
        """Move the last failure to `moment`: the recovery wait moves with it."""
        with self._lock:
            if moment is None:
                self._last_failure = None
                return
            wall = _as_utc(moment)
            now = self._now()
            self._last_failure = now.later(-(now.wall - wall).total_seconds())

    @property
    def last_state_change(self) -> datetime:
        with self._lock:
            self._current_state()
            return self._last_change.wall

    # -- recording outcomes ------------------------------------------------------------------

    def record_success(self) -> None:
        with self._lock:
            self._total_successes += 1
            state = self._current_state()
            if state is CircuitState.CLOSED:
                self._failure_count = 0
            elif state is CircuitState.HALF_OPEN:
                self._success_count += 1
                if self._success_count >= self.success_threshold:
                    self._change_to(CircuitState.CLOSED, self._now())
            # OPEN: a call that started before the breaker opened; it proves nothing yet.

    def record_failure(self, error: BaseException | None = None) -> None:
        with self._lock:
            state = self._current_state()
            now = self._now()
            self._total_failures += 1
            self._failure_count += 1
            self._last_failure = now  # OPEN too: the wait counts from the last failure
            if error is not None:
                self._last_error = describe_error(error)
            tripped = self._failure_count >= self.failure_threshold
            if state is CircuitState.HALF_OPEN or (state is CircuitState.CLOSED and tripped):
                self._change_to(CircuitState.OPEN, now)

    def reset(self) -> None:
        """Close the breaker by hand. Totals and times_opened stay: they are history."""
        with self._lock:
            self._change_to(CircuitState.CLOSED, self._now())  # which zeroes both counts

    # -- asking --------------------------------------------------------------------------------

    def is_open(self) -> bool:
        """True while calls must be skipped. Once the timeout has passed, trial calls may go."""
        with self._lock:
            return self._current_state() is CircuitState.OPEN

    def get_state(self) -> CircuitState:
        with self._lock:
            return self._current_state()

    def retry_after_secs(self) -> float:
        """Seconds until an open breaker lets a trial call through; 0 when it does already."""
        with self._lock:
            self._current_state()
            return self._retry_after(self._clock())

    def snapshot(self) -> BreakerStats:
        with self._lock:
            state = self._current_state()
            now = self._clock()
            since_failure = None
            if self._last_failure is not None:
                since_failure = round(max(0.0, now - self._last_failure.mono), 3)
            return BreakerStats(
                state=state,
                failure_count=self._failure_count,
                success_count=self._success_count,
                last_failure=iso_utc(self._last_failure.wall if self._last_failure else None),
                last_state_change=iso_utc(self._last_change.wall) or "",
                time_since_failure=since_failure,
                name=self.name,
                failure_threshold=self.failure_threshold,
                timeout_secs=self.timeout_secs,
                success_threshold=self.success_threshold,
                time_since_state_change=round(max(0.0, now - self._last_change.mono), 3),
                retry_after_secs=round(self._retry_after(now), 3),
                total_successes=self._total_successes,
                total_failures=self._total_failures,
                times_opened=self._times_opened,
                last_error=self._last_error,
            )

    def get_stats(self) -> dict[str, Any]:
        """The bridge's stats mapping (same keys), plus this breaker's settings and totals."""
        return self.snapshot().to_dict()

    # -- running a call through the breaker ----------------------------------------------------

    async def call(
        self,
        fn: Callable[[], Awaitable[T]],
        *,
        is_failure: Callable[[BaseException], bool] = counts_as_failure,
    ) -> T:
        """Await `fn()` unless the breaker is open, and record how it went.

        Raises CircuitOpenError without calling `fn` while open. An exception from `fn` is
        re-raised after recording: a failure when `is_failure(exc)` says so, otherwise a
        success (the provider answered; the error is the caller's). Cancellation and other
        non-Exception exits record nothing.
        """
        with self._lock:
            if self._current_state() is CircuitState.OPEN:
                raise CircuitOpenError(self.name, self._retry_after(self._clock()))
        try:
            result = await fn()
        except BaseException as exc:
            if isinstance(exc, Exception):
                if is_failure(exc):
                    self.record_failure(exc)
                else:
                    self.record_success()
            raise
        self.record_success()
        return result

    # -- transitions (callers hold the lock) ---------------------------------------------------

    def _now(self) -> _Instant:
        return _Instant(self._clock(), _as_utc(self._wall_clock()))

    def _current_state(self) -> CircuitState:
        """The state as of now: an open breaker whose wait is over becomes half-open."""
        last_failure = self._last_failure
        waited = last_failure is not None and self._retry_after(self._clock()) == 0
        if self._state is CircuitState.OPEN and last_failure is not None and waited:
            # The change happened when the wait ran out, not when somebody looked.
            self._change_to(CircuitState.HALF_OPEN, last_failure.later(self.timeout_secs))
        return self._state

    def _retry_after(self, now: float) -> float:
        if self._state is not CircuitState.OPEN or self._last_failure is None:
            return 0.0
        return max(0.0, self._last_failure.mono + self.timeout_secs - now)

    def _change_to(self, state: CircuitState, at: _Instant) -> None:
        if state is CircuitState.OPEN:
            self._times_opened += 1
        if state is CircuitState.CLOSED:
            self._failure_count = 0
            self._success_count = 0
        if state is CircuitState.HALF_OPEN:
            self._success_count = 0
        self._state = state
        self._last_change = at
