"""Kill points: migrate and rollback are killed (os._exit, no clean-up runs, as SIGKILL) at
every write-related system call on a small project. After each kill no original is lost, no
file is half-written, and one re-run then one rollback (after a killed migrate) or one
rollback (after a killed rollback) restores the state before."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from migrate_support import copy_fixture, plan_dir

from sekha_migrate.backup import BackupLookupError
from sekha_migrate.migrate.apply import apply_plan
from sekha_migrate.undo import rollback

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or sys.platform == "darwin", reason="needs fork (Linux)"
)

_WRITE_CALLS = ("open", "write", "replace", "rename", "fsync", "mkdir", "rmdir", "unlink",
                "symlink", "ftruncate", "fchmod", "chmod")
_TEMP = re.compile(r"\..+\.[0-9a-f]{8}(\.\d+)?\.tmp")
_MAX_KILL_POINTS = 150  # every call of this project's runs is far below; a bound all the same


def _tree(directory: Path, *, temps: bool = False) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and ".sekha-backups" not in path.parts
        and (temps or not _TEMP.fullmatch(path.name))
    }


def _killed_at(point: int, action: Callable[[], object]) -> int:
    """Run `action` in a child killed at write-related call number `point` (0: never);
    the number of such calls it made when it was not killed, else -1."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe and exits
        os.close(read_end)
        real_write, calls = os.write, [0]

        def counted(real: Callable[..., object]) -> Callable[..., object]:
            def call(*args: object, **kwargs: object) -> object:
                calls[0] += 1
                if calls[0] == point:
                    os._exit(137)
                return real(*args, **kwargs)
            return call

        for name in _WRITE_CALLS:
            setattr(os, name, counted(getattr(os, name)))
        try:
            action()
            status = 0
        except BaseException:
            status = 1
        real_write(write_end, str(calls[0]).encode())
        os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        reported = pipe.read()
    _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) == 137:
        return -1
    assert os.waitstatus_to_exitcode(status) == 0
    return int(reported)


def _migrate(project: Path) -> Callable[[], object]:
    def run() -> object:
        return apply_plan(plan_dir(project, environ={}, externalize_secrets=True))
    return run


def _assert_whole(project: Path, before: dict[str, bytes], other: dict[str, bytes]) -> None:
    """No original lost and no file half-written: every original is there, and every file
    holds what it held before the run or what the whole run would have left."""
    found = _tree(project)
    assert set(before) <= set(found), f"lost: {set(before) - set(found)}"
    for name, data in found.items():
        assert data in (before.get(name), other.get(name)), f"{name} is half-written"


def _points(total: int) -> list[int]:
    every = list(range(1, total + 1))
    step = max(1, len(every) // _MAX_KILL_POINTS)
    return every[::step]


# flat-toml writes config.yaml beside config.toml; v1-yaml migrates config.yaml in place.
FIXTURES = ["flat-toml", "v1-yaml"]


@pytest.mark.parametrize("fixture", FIXTURES)
def test_migrate_killed_at_every_write_loses_nothing(tmp_path: Path, fixture: str) -> None:
    reference = copy_fixture(fixture, tmp_path / "reference")
    before = _tree(reference)
    total = _killed_at(0, _migrate(reference))
    after = _tree(reference)
    print(f"migrate of {fixture}: {total} write-related calls, each a kill point")
    assert total > 10 and after != before
    for point in _points(total):
        project = copy_fixture(fixture, tmp_path / f"kill-{point}")
        assert _killed_at(point, _migrate(project)) == -1
        _assert_whole(project, before, after)
        assert apply_plan(plan_dir(project, environ={}, externalize_secrets=True)).ok
        rollback(project)
        assert _tree(project, temps=True) == before, f"killed at call {point}"


@pytest.mark.parametrize("fixture", FIXTURES)
def test_rollback_killed_at_every_write_loses_nothing(tmp_path: Path, fixture: str) -> None:
    reference = copy_fixture(fixture, tmp_path / "reference")
    before = _tree(reference)
    _migrate(reference)()
    migrated = _tree(reference)
    total = _killed_at(0, partial(rollback, reference))
    print(f"rollback of {fixture}: {total} write-related calls, each a kill point")
    assert total > 10 and _tree(reference) == before
    for point in _points(total):
        project = copy_fixture(fixture, tmp_path / f"kill-{point}")
        _migrate(project)()
        assert _killed_at(point, partial(rollback, project)) == -1
        _assert_whole(project, before, migrated)
        with contextlib.suppress(BackupLookupError):  # the killed one had finished it
            rollback(project)
        assert _tree(project, temps=True) == before, f"killed at call {point}"
