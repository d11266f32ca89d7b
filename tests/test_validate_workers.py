"""validate over more than one process (sekha_migrate/validate/workers.py): the same bytes,
in the same order, with the same exit code as one process, and a worker that fails costs
only time."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import FIXTURES

from sekha_migrate.validate.workers import (
    JOBS_VARIABLE,
    MIN_BYTES_PER_WORKER,
    _runs,
    check_in_order,
    worker_count,
)

SEKHA = str(Path(sys.executable).parent / "sekha")
# The tests below that fork do it from pytest's process, which may run threads of its own
# (validate never forks beside threads: test_a_process_with_other_threads_never_forks).
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")


def _run(args: list[str], cwd: Path, jobs: str, **extra: str) -> tuple[int, bytes, bytes]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160", JOBS_VARIABLE: jobs, **extra}
    proc = subprocess.run([SEKHA, *args], cwd=cwd, env=env, capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def fixture_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A copy of fixtures/ and every file of it, relative: compose files, env files, v1,
    Kubernetes and Helm files, notes that are no configuration at all."""
    root = tmp_path_factory.mktemp("workers")
    shutil.copytree(FIXTURES, root / "fixtures")
    files = sorted(str(p.relative_to(root)) for p in (root / "fixtures").rglob("*")
                   if p.is_file())
    return root, files


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_two_processes_print_what_one_prints_for_every_fixture(
    fmt: str, fixture_copy: tuple[Path, list[str]]
) -> None:
    root, files = fixture_copy
    args = ["validate", "--no-cache", "-f", fmt, *files]
    one = _run(args, root, "1")
    assert _run(args, root, "2") == one
    assert _run(args, root, "3") == one
    assert one[0] == 2  # the Helm templates among them are refused, as named templates are


def test_two_processes_fill_and_answer_from_the_cache_as_one_does(
    fixture_copy: tuple[Path, list[str]], tmp_path: Path
) -> None:
    root, files = fixture_copy
    uncached = _run(["validate", "-f", "json", *files], root, "1")
    project = tmp_path / "project"
    shutil.copytree(root / "fixtures", project / "fixtures")
    args = ["validate", "-f", "json", *files]
    cold = _run(args, project, "2", SEKHA_MIGRATE_NO_CACHE="0")
    cache = next((project / ".sekha-migrate-cache").glob("results-*.json"))
    warm = _run(args, project, "2", SEKHA_MIGRATE_NO_CACHE="0")
    assert cold == uncached
    assert warm == uncached
    # Every file but compose, Helm and Kubernetes files (their verdicts read other files).
    assert len(json.loads(cache.read_text())["entries"]) == 99
    assert len(json.loads(uncached[1])["files"]) == len(files)


def test_directories_and_a_walk_give_the_same_order(
    fixture_copy: tuple[Path, list[str]]
) -> None:
    root, _files = fixture_copy
    args = ["validate", "--no-cache", "fixtures/v2", "fixtures/deployments", "fixtures/v1"]
    assert _run(args, root, "2") == _run(args, root, "1")


def _item_and_process(item: int) -> tuple[int, int]:
    return item, os.getpid()


def test_the_later_files_are_checked_in_another_process_and_come_back_in_order() -> None:
    results = check_in_order(list(range(9)), _item_and_process, weights=[1] * 9, workers=2)
    assert [item for item, _ in results] == list(range(9))
    here = os.getpid()
    assert [pid == here for _, pid in results] == [True] * 5 + [False] * 4


def test_a_worker_that_fails_leaves_its_files_to_this_process() -> None:
    here = os.getpid()

    def check(item: int) -> tuple[int, int]:
        if os.getpid() != here and item == 7:
            raise RuntimeError("a bug met only in the worker")
        return item, os.getpid()

    results = check_in_order(list(range(9)), check, weights=[1] * 9, workers=2)
    assert results == [(item, here) for item in range(9)]


def test_a_worker_that_dies_leaves_its_files_to_this_process() -> None:
    here = os.getpid()

    def check(item: int) -> int:
        if os.getpid() != here:
            os._exit(3)
        return item

    assert check_in_order(list(range(6)), check, weights=[1] * 6, workers=2) == list(range(6))


def test_an_error_here_ends_and_reaps_the_worker(tmp_path: Path) -> None:
    here = os.getpid()
    started = tmp_path / "worker.pid"

    def check(item: int) -> int:
        if os.getpid() != here:
            started.write_text(str(os.getpid()))
            threading.Event().wait(60)  # still busy when this process gives up
        elif item == 2:
            while not started.exists():
                threading.Event().wait(0.01)
            raise KeyboardInterrupt
        return item

    with pytest.raises(KeyboardInterrupt):
        check_in_order(list(range(8)), check, weights=[1] * 8, workers=2)
    with pytest.raises(ProcessLookupError):
        os.kill(int(started.read_text()), 0)  # killed and reaped: no zombie left behind


def test_one_item_or_one_worker_stays_here() -> None:
    here = os.getpid()
    assert check_in_order([1], _item_and_process, weights=[1], workers=2) == [(1, here)]
    assert check_in_order([1, 2], _item_and_process, weights=[1, 1], workers=1) == [
        (1, here), (2, here)]


@pytest.mark.parametrize(("weights", "parts", "expected"), [
    ([1] * 8, 2, [range(1, 5), range(5, 9)]),
    ([1] * 9, 3, [range(1, 4), range(4, 7), range(7, 10)]),
    ([10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 2, [range(1, 2), range(2, 12)]),
    ([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 10], 2, [range(1, 11), range(11, 12)]),
    ([5, 5], 4, [range(1, 2), range(2, 3)]),
    ([0, 0, 0], 2, [range(1, 3), range(3, 4)]),  # empty files, or sizes unknown: by count
])
def test_the_files_are_cut_into_consecutive_runs_of_about_equal_bytes(
    weights: list[int], parts: int, expected: list[range]
) -> None:
    assert _runs(weights, parts, start=1) == expected


def test_the_number_of_processes_follows_the_bytes_and_the_variable(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    import sekha_migrate.validate.workers as workers

    monkeypatch.setattr(workers, "_can_fork", lambda: True)
    enough = [MIN_BYTES_PER_WORKER] * 2
    assert worker_count([MIN_BYTES_PER_WORKER - 1, 0], {}) == 1
    assert worker_count(enough, {JOBS_VARIABLE: "1"}) == 1
    assert worker_count([1, 1, 1], {JOBS_VARIABLE: "2"}) == 2
    assert worker_count([1, 1], {JOBS_VARIABLE: "8"}) == 2
    assert worker_count([MIN_BYTES_PER_WORKER * 2], {JOBS_VARIABLE: "4"}) == 1
    for unusable in ("0", "", "two", "-2"):
        assert worker_count([1, 1], {JOBS_VARIABLE: unusable}) == 1


def test_the_processors_decide_above_the_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    import sekha_migrate.validate.workers as workers

    monkeypatch.setattr(workers, "_can_fork", lambda: True)
    monkeypatch.setattr(workers, "_processors", lambda: 2)
    assert worker_count([MIN_BYTES_PER_WORKER] * 5, {}) == 2
    assert worker_count([MIN_BYTES_PER_WORKER, MIN_BYTES_PER_WORKER - 1], {}) == 1
    monkeypatch.setattr(workers, "_processors", lambda: 8)
    assert worker_count([MIN_BYTES_PER_WORKER] * 3, {}) == 3


def test_a_process_with_other_threads_never_forks() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert worker_count([MIN_BYTES_PER_WORKER] * 4, {JOBS_VARIABLE: "2"}) == 1
    finally:
        stop.set()
        thread.join()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_run_keeps_no_document_past_its_file(jobs: str) -> None:
    from sekha_migrate.validate.batch import check_paths

    run = check_paths([str(FIXTURES / "v2")], env={}, strict=False, target=None,
                      finish=lambda result: result, environ={JOBS_VARIABLE: jobs})
    assert len(run.files) == len([p for p in (FIXTURES / "v2").rglob("*") if p.is_file()])
    assert [(r.data, r.locate) for r in run.files] == [(None, None)] * len(run.files)


@pytest.mark.parametrize(("load", "expected"), [(0.3, 4), (1.9, 3), (2.0, 2), (9.0, 1)])
def test_busy_processors_are_left_alone(
    load: float, expected: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sekha_migrate.validate.workers as workers

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, 0.0, 0.0))
    assert workers._processors() == expected


@pytest.mark.parametrize("call", ["pipe", "fork"])
def test_no_process_or_pipe_to_be_had_checks_here(
    call: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, call, refuse)
    here = os.getpid()
    assert check_in_order(list(range(5)), _item_and_process, weights=[1] * 5, workers=2) == [
        (item, here) for item in range(5)]
