"""Checking many files on more than one processor, the results in the order given.

A worker is a fork of this process made after it has checked the first file, so it starts
with every module imported and every validator compiled: no interpreter to start and nothing
to import again. A worker that fails in any way (killed, a bug) costs only time: this
process checks its files itself, so the output, and an exception if one is raised, is the
one-process run's.

What a worker costs (measured on 500 small files, 655 KB): the fork, about 2,300 pages
copied on write and its results' trip through a pipe add 4 % to the CPU time when it has a
processor of its own, and take 43 % off the wall time; sharing a busy processor, it adds
over 20 % and takes nothing off. So each process gets at least MIN_BYTES_PER_WORKER of files
(with less, the time saved is a fraction of a second) and a worker is only started on a
processor the machine's load leaves idle.

SEKHA_MIGRATE_JOBS=N sets the number of processes (1: never more than one); unset, it is
as many as the files' bytes pay for, up to the idle processors this process may run on.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from itertools import pairwise
from typing import Generic, TypeVar

JOBS_VARIABLE = "SEKHA_MIGRATE_JOBS"
MIN_BYTES_PER_WORKER = 512 * 1024  # a third of a second of checking small files

Item = TypeVar("Item")
Result = TypeVar("Result")


def worker_count(weights: Sequence[int], environ: Mapping[str, str]) -> int:
    """How many processes to check files of these sizes (bytes) with."""
    if len(weights) < 2 or not _can_fork():
        return 1
    asked = _asked(environ)
    if asked is not None:
        return min(asked, len(weights))
    paid_for = sum(weights) // MIN_BYTES_PER_WORKER
    return max(1, min(_processors(), paid_for, len(weights)))


def check_in_order(
    items: Sequence[Item],
    check: Callable[[Item], Result],
    *,
    weights: Sequence[int],
    workers: int,
) -> list[Result]:
    """`[check(item) for item in items]`, over `workers` processes: the first item here, then
    the rest cut into runs of about equal weight, the first run here, each other in a fork."""
    if workers < 2 or len(items) < 2:
        return [check(item) for item in items]
    results = [check(items[0])]  # imports and compiles what every other file needs, once
    first, *others = _runs(weights[1:], workers, start=1)
    children: list[_Worker[Item, Result]] = []
    try:
        for run in others:
            children.append(_Worker([items[i] for i in run], check))
        results += [check(items[i]) for i in first]
        for child in children:
            answered = child.collect()
            results += answered if answered is not None else [check(i) for i in child.items]
    finally:
        for child in children:
            child.stop()
    return results


def _runs(weights: Sequence[int], parts: int, *, start: int) -> list[range]:
    """Consecutive indices (from `start`) cut into at most `parts` runs of about equal
    weight (by count when no weight is known); none empty."""
    if not any(weights):
        weights = [1] * len(weights)
    total = sum(weights)
    bounds, reached = [0], 0
    for index, weight in enumerate(weights):
        reached += weight
        if len(bounds) < parts and reached * parts >= total * len(bounds):
            bounds.append(index + 1)
    bounds.append(len(weights))
    return [range(start + a, start + b) for a, b in pairwise(bounds) if b > a]


class _Worker(Generic[Item, Result]):
    """One fork checking `items`; its results come back pickled through a pipe."""

    def __init__(self, items: list[Item], check: Callable[[Item], Result]) -> None:
        self.items = items
        # Without a pipe or a process (-1), the caller checks these files itself.
        self._reader, self._pid = -1, -1
        try:
            self._reader, writer = os.pipe()
        except OSError:
            return
        # Objects made before the fork are never collected there: the worker's collector
        # leaves them (and the pages they sit on) alone instead of copying them all.
        gc.freeze()
        with suppress(OSError):
            self._pid = os.fork()
        if self._pid == 0:  # the worker: never returns into the caller's code
            code = 1
            try:
                os.close(self._reader)
                payload = pickle.dumps([check(item) for item in items], pickle.HIGHEST_PROTOCOL)
                with os.fdopen(writer, "wb") as stream:
                    stream.write(payload)
                code = 0
            except BaseException:
                pass  # this process's parent checks these files itself
            finally:
                os._exit(code)
        gc.unfreeze()
        os.close(writer)

    def collect(self) -> list[Result] | None:
        """The worker's results, or None if it failed."""
        if self._pid < 0:
            self.stop()
            return None
        chunks = []
        with os.fdopen(self._reader, "rb") as stream:
            self._reader = -1
            while chunk := stream.read(1 << 20):
                chunks.append(chunk)
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        if status != 0:
            return None
        try:
            answered: list[Result] = pickle.loads(b"".join(chunks))
        except Exception:
            return None
        return answered if len(answered) == len(self.items) else None

    def stop(self) -> None:
        """End a worker whose results were not collected (the run was interrupted)."""
        if self._reader >= 0:
            os.close(self._reader)
            self._reader = -1
        if self._pid > 0:
            try:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            except OSError:
                pass
            self._pid = 0


def _can_fork() -> bool:
    # A fork copies only the thread that makes it: a lock another thread held stays held.
    threading = sys.modules.get("threading")
    return hasattr(os, "fork") and (threading is None or threading.active_count() == 1)


def _asked(environ: Mapping[str, str]) -> int | None:
    value = environ.get(JOBS_VARIABLE, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def _processors() -> int:
    """The processors this process may run on, less those the machine's load keeps busy
    (as `make -l` does): a worker sharing a processor costs CPU and saves no time."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    try:
        busy = int(os.getloadavg()[0])
    except (OSError, AttributeError):  # no load average to be had (Windows)
        busy = 0
    return max(1, usable - busy)
