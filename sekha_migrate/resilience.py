"""The circuit breaker of Sekha's Phase 0, usable from a terminal.

A breaker watches one provider. CLOSED lets every call through and counts consecutive
failures; `failure_threshold` of them in a row open it. OPEN refuses calls until
`timeout_secs` have passed, then lets trial calls through (HALF_OPEN). `success_threshold`
trial successes close it again; a single trial failure reopens it and restarts the wait.

Time comes from an injectable monotonic clock, so tests drive time instead of sleeping and a
wall-clock jump cannot open or close anything. Every state change happens synchronously under
a lock and never across an `await`, so one breaker can be shared by many asyncio tasks (and
threads).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_FAILURE_THRESHOLD = 3
DEFAULT_TIMEOUT_SECS = 60.0
DEFAULT_SUCCESS_THRESHOLD = 2

# An exception message can be long (a whole response body); the stats keep a short line.
_ERROR_MESSAGE_LIMIT = 200


class BreakerState(str, Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpenError(Exception):
    """A call was skipped because the breaker is open."""

    def __init__(self, name: str | None, retry_after_secs: float) -> None:
        self.name = name
        self.retry_after_secs = retry_after_secs
        who = f"circuit breaker {name!r}" if name else "circuit breaker"
        super().__init__(f"{who} is open; next trial call in {retry_after_secs:.1f}s")


@dataclass(frozen=True)
class BreakerStats:
    """A snapshot of one breaker. Times are values of the breaker's monotonic clock."""

    name: str | None
    state: BreakerState
    failure_threshold: int
    timeout_secs: float
    success_threshold: int
    consecutive_failures: int
    half_open_successes: int
    total_successes: int
    total_failures: int
    times_opened: int
    retry_after_secs: float
    last_failure_at: float | None
    opened_at: float | None
    last_state_change_at: float | None
    last_error: str | None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["state"] = self.state.value
        data["retry_after_secs"] = round(self.retry_after_secs, 3)
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


class CircuitBreaker:
    def __init__(
        self,
        failure_threshold: int = DEFAULT_FAILURE_THRESHOLD,
        timeout_secs: float = DEFAULT_TIMEOUT_SECS,
        success_threshold: int = DEFAULT_SUCCESS_THRESHOLD,
        *,
        clock: Callable[[], float] = time.monotonic,
        name: str | None = None,
    ) -> None:
        self.failure_threshold = _check_count("failure_threshold", failure_threshold)
        self.timeout_secs = _check_seconds("timeout_secs", timeout_secs)
        self.success_threshold = _check_count("success_threshold", success_threshold)
        if not callable(clock):
            raise ValueError(f"clock must be a callable returning seconds, got {clock!r}")
        self.name = name
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._consecutive_failures = 0
        self._half_open_successes = 0
        self._total_successes = 0
        self._total_failures = 0
        self._times_opened = 0
        self._last_failure_at: float | None = None
        self._opened_at: float | None = None
        self._last_state_change_at: float | None = None
        self._last_error: str | None = None

    @classmethod
    def from_config(
        cls,
        mapping: Mapping[str, Any] | None,
        *,
        clock: Callable[[], float] = time.monotonic,
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
            name=name,
        )

    def __repr__(self) -> str:
        return f"CircuitBreaker(name={self.name!r}, state={self.get_state().value})"

    # -- recording outcomes ------------------------------------------------------------------

    def record_success(self) -> None:
        with self._lock:
            self._total_successes += 1
            self._consecutive_failures = 0
            if self._current_state() is BreakerState.HALF_OPEN:
                self._half_open_successes += 1
                if self._half_open_successes >= self.success_threshold:
                    self._close()
            # OPEN: a call that started before the breaker opened; it proves nothing yet.

    def record_failure(self, error: BaseException | None = None) -> None:
        with self._lock:
            now = self._clock()
            self._total_failures += 1
            self._consecutive_failures += 1
            self._last_failure_at = now
            if error is not None:
                self._last_error = describe_error(error)
            state = self._current_state()
            tripped = self._consecutive_failures >= self.failure_threshold
            if state is BreakerState.HALF_OPEN or (state is BreakerState.CLOSED and tripped):
                self._open(now)
            # OPEN: a late failure of an earlier call; the wait already running stands.

    def reset(self) -> None:
        """Close the breaker by hand. Totals and times_opened stay: they are history."""
        with self._lock:
            if self._state is not BreakerState.CLOSED:
                self._close()
            self._consecutive_failures = 0
            self._half_open_successes = 0

    # -- asking --------------------------------------------------------------------------------

    def is_open(self) -> bool:
        """True while calls must be skipped. Once the timeout has passed, trial calls may go."""
        with self._lock:
            return self._current_state() is BreakerState.OPEN

    def get_state(self) -> BreakerState:
        with self._lock:
            return self._current_state()

    def retry_after_secs(self) -> float:
        """Seconds until an open breaker lets a trial call through; 0 when it does already."""
        with self._lock:
            return self._retry_after(self._clock())

    def get_stats(self) -> BreakerStats:
        with self._lock:
            state = self._current_state()
            return BreakerStats(
                name=self.name,
                state=state,
                failure_threshold=self.failure_threshold,
                timeout_secs=self.timeout_secs,
                success_threshold=self.success_threshold,
                consecutive_failures=self._consecutive_failures,
                half_open_successes=self._half_open_successes,
                total_successes=self._total_successes,
                total_failures=self._total_failures,
                times_opened=self._times_opened,
                retry_after_secs=self._retry_after(self._clock()),
                last_failure_at=self._last_failure_at,
                opened_at=self._opened_at,
                last_state_change_at=self._last_state_change_at,
                last_error=self._last_error,
            )

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
            if self._current_state() is BreakerState.OPEN:
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

    def _current_state(self) -> BreakerState:
        """The state as of now: an open breaker whose wait is over becomes half-open."""
        if self._state is BreakerState.OPEN and self._retry_after(self._clock()) == 0:
            # The change happened when the wait ran out, not when somebody looked.
            assert self._opened_at is not None
            self._change_state(BreakerState.HALF_OPEN, self._opened_at + self.timeout_secs)
            self._half_open_successes = 0
        return self._state

    def _retry_after(self, now: float) -> float:
        if self._state is not BreakerState.OPEN or self._opened_at is None:
            return 0.0
        return max(0.0, self._opened_at + self.timeout_secs - now)

    def _open(self, now: float) -> None:
        self._change_state(BreakerState.OPEN, now)
        self._opened_at = now
        self._half_open_successes = 0
        self._times_opened += 1

    def _close(self) -> None:
        self._change_state(BreakerState.CLOSED, self._clock())
        self._consecutive_failures = 0
        self._half_open_successes = 0
        self._opened_at = None

    def _change_state(self, state: BreakerState, at: float) -> None:
        self._state = state
        self._last_state_change_at = at
