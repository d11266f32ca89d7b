"""One writer at a time: a second sekha process is refused while the first holds the lock,
and goes ahead as soon as the first lets go, whether it finished or died."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import filelock
import pytest
from conftest import write
from io_support import read_only_directory

from sekha_migrate.backup import BackupError, BackupLockedError, exclusive_writer
from sekha_migrate.backup import lock as backup_lock

# A second process that takes the lock, says so, and lets go only when told; it stays alive
# after letting go, which is when the old Windows fallback kept refusing everyone else.
HOLDER = """
import sys
from pathlib import Path
from sekha_migrate.backup import exclusive_writer

with exclusive_writer(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.readline()
print("released", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "held\n"
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)


def _tell(process: subprocess.Popen[str]) -> str:
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write("\n")
    process.stdin.flush()
    return process.stdout.readline()


def test_a_second_process_is_refused_with_the_holders_pid(
    tmp_path: Path, holder: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 0.3)
    with pytest.raises(BackupLockedError) as refused, exclusive_writer(tmp_path):
        pass
    assert str(refused.value) == (
        f"another sekha migrate or rollback (process {holder.pid}) is writing in {tmp_path}; "
        "nothing was changed: run again when it has finished"
    )


def test_the_lock_is_free_once_the_holder_leaves_the_block_though_it_still_runs(
    tmp_path: Path, holder: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 0)
    assert _tell(holder) == "released\n"
    assert holder.poll() is None
    with exclusive_writer(tmp_path):
        lock_text = (tmp_path / ".sekha-backups" / "lock").read_text()
    assert lock_text == f"\n{os.getpid()}\n"


def test_a_holder_that_is_killed_leaves_no_stale_lock(
    tmp_path: Path, holder: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 0)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    with exclusive_writer(tmp_path):
        pass
    assert (tmp_path / ".sekha-backups" / "lock").read_text() == f"\n{os.getpid()}\n"


def test_a_waiting_writer_goes_ahead_when_the_holder_lets_go_in_time(
    tmp_path: Path, holder: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 30.0)
    assert holder.stdin is not None
    holder.stdin.write("\n")  # lets go while this process is already waiting
    holder.stdin.flush()
    with exclusive_writer(tmp_path):
        assert holder.poll() is None


def test_a_holder_pid_written_by_an_earlier_version_is_still_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Earlier versions wrote the PID from byte 0; a waiter reads it from there first."""
    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 0)
    with exclusive_writer(tmp_path):
        (tmp_path / ".sekha-backups" / "lock").write_text("4242\n")
        refused = r"^another sekha migrate or rollback \(process 4242\) is writing in "
        with pytest.raises(BackupLockedError, match=refused), exclusive_writer(tmp_path):
            pass


# ---- refusals: each says what went wrong and what to do ------------------------------------------


def _container_with_gitignore(root: Path) -> Path:
    """`.sekha-backups/` as a first run leaves it, without the lock file."""
    with exclusive_writer(root):
        pass
    container = root / ".sekha-backups"
    (container / "lock").unlink()
    return container


def test_a_fifo_at_the_lock_is_refused_with_what_to_do(tmp_path: Path) -> None:
    lock = tmp_path / ".sekha-backups" / "lock"
    lock.parent.mkdir()
    os.mkfifo(lock)
    with pytest.raises(BackupError) as refused, exclusive_writer(tmp_path):
        pass
    assert str(refused.value) == (
        f"{lock} is not a regular file (was it planted?); nothing was changed: remove it "
        "and run again"
    )


def test_a_lock_that_cannot_be_created_names_the_read_only_directory(tmp_path: Path) -> None:
    container = _container_with_gitignore(tmp_path)
    with read_only_directory(container), pytest.raises(BackupError) as refused, \
            exclusive_writer(tmp_path):
        pass
    assert str(refused.value) == (
        f"cannot open the lock {container / 'lock'}: permission denied: the directory "
        f"{container} or the file is read-only for this user; fix the permissions or write "
        "somewhere else"
    )


def test_a_file_system_without_locks_is_named_and_no_descriptor_is_left_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_locks(fd: int, *, blocking: bool = True) -> bool:
        raise OSError(errno.ENOLCK, "No locks available")

    _container_with_gitignore(tmp_path)
    monkeypatch.setattr(filelock, "lock_descriptor", no_locks)
    open_before = _open_descriptors()
    with pytest.raises(BackupError) as refused, exclusive_writer(tmp_path):
        pass
    assert str(refused.value) == (
        f"cannot lock {tmp_path / '.sekha-backups' / 'lock'}: No locks available")
    assert _open_descriptors() == open_before


def test_a_lock_that_cannot_be_written_is_named_and_let_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 0)
    monkeypatch.setattr(os, "write", _failing_pid_write(errno.EIO, "Input/output error"))
    with pytest.raises(BackupError) as refused, exclusive_writer(tmp_path):
        pass
    assert str(refused.value) == (
        f"cannot write the lock {tmp_path / '.sekha-backups' / 'lock'}: Input/output error")
    monkeypatch.undo()
    with exclusive_writer(tmp_path):  # let go: the next writer is not refused
        pass


def _failing_pid_write(code: int, text: str) -> Callable[[int, bytes], int]:
    """os.write, failing only for this process's PID as the lock holds it."""
    real_write = os.write

    def write(fd: int, data: bytes) -> int:
        if data == f"\n{os.getpid()}\n".encode():
            raise OSError(code, text)
        return real_write(fd, data)

    return write


def _open_descriptors() -> list[str]:
    return sorted(os.listdir("/proc/self/fd"))


# ---- how long a second writer waits -----------------------------------------------------------


class FakeClock:
    """time.monotonic and time.sleep for the lock's wait: sleeping moves the clock on, and may
    let the holder go."""

    def __init__(self, on_sleep: Callable[[], None] = lambda: None) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self.on_sleep = on_sleep

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        self.on_sleep()


def test_with_no_wait_a_held_lock_is_refused_at_the_first_try(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(backup_lock, "time", clock)
    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 0)
    with (
        exclusive_writer(tmp_path),
        pytest.raises(BackupLockedError),
        exclusive_writer(tmp_path),
    ):
        pass
    assert clock.slept == []


def test_a_waiting_writer_tries_again_every_tenth_of_a_second_until_the_wait_is_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(backup_lock, "time", clock)
    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 0.35)
    with (
        exclusive_writer(tmp_path),
        pytest.raises(BackupLockedError),
        exclusive_writer(tmp_path),
    ):
        pass
    assert clock.slept == [0.1, 0.1, 0.1, 0.1]


def test_a_waiting_writer_takes_the_lock_once_the_holder_lets_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with contextlib.ExitStack() as holder:
        holder.enter_context(exclusive_writer(tmp_path))
        clock = FakeClock(on_sleep=holder.close)  # the holder finishes while this one waits
        monkeypatch.setattr(backup_lock, "time", clock)
        monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 30.0)
        with exclusive_writer(tmp_path):
            lock_text = (tmp_path / ".sekha-backups" / "lock").read_text(encoding="utf-8")
    assert clock.slept == [0.1]
    assert lock_text == f"\n{os.getpid()}\n"


# ---- naming the holder ---------------------------------------------------------------------------


def test_a_holder_whose_pid_could_not_be_written_is_not_named_by_an_older_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk leaves the holder's lock file empty (the lock itself still counts): the
    PID an earlier holder left there must not be reported as the holder."""
    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 0)
    lock = tmp_path / ".sekha-backups" / "lock"
    write(lock, "4242\n")
    with monkeypatch.context() as full_disk:
        full_disk.setattr(os, "write", _failing_pid_write(errno.ENOSPC, "No space left"))
        held = exclusive_writer(tmp_path)
        held.__enter__()
    try:
        assert lock.read_text(encoding="utf-8") == ""
        with pytest.raises(BackupLockedError) as refused, exclusive_writer(tmp_path):
            pass
    finally:
        held.__exit__(None, None, None)
    assert str(refused.value) == (
        f"another sekha migrate or rollback is writing in {tmp_path}; nothing was changed: "
        "run again when it has finished")


def test_the_holder_is_named_when_byte_0_cannot_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Windows the holder's lock covers byte 0, so a waiter reads the PID from byte 1 on."""
    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 0)
    real_read = os.read

    def read(fd: int, length: int) -> bytes:
        if os.lseek(fd, 0, os.SEEK_CUR) == 0:
            raise PermissionError(errno.EACCES, "locked region")
        return real_read(fd, length)

    with exclusive_writer(tmp_path):
        monkeypatch.setattr(os, "read", read)
        with pytest.raises(BackupLockedError) as refused, exclusive_writer(tmp_path):
            pass
    assert str(refused.value) == (
        f"another sekha migrate or rollback (process {os.getpid()}) is writing in {tmp_path}; "
        "nothing was changed: run again when it has finished")


def test_an_unlock_that_fails_still_lets_go_when_the_lock_is_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_unlock(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 0)
    monkeypatch.setattr(filelock, "unlock_descriptor", failing_unlock)
    with exclusive_writer(tmp_path):
        pass
    monkeypatch.undo()
    with exclusive_writer(tmp_path):
        pass


# ---- the clean-up of what a killed run left ---------------------------------------------------


def _temp_of(directory: Path, pid: int) -> Path:
    return write(directory / f".config.yaml.0123abcd.{pid}.tmp", "half written\n")


def test_a_live_writers_temporary_file_is_kept_and_the_writer_never_signalled(
    tmp_path: Path,
) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.readline(); print('alive', flush=True)"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        temp = _temp_of(tmp_path, writer.pid)
        with exclusive_writer(tmp_path):
            pass
        assert temp.read_text(encoding="utf-8") == "half written\n"
        assert _tell(writer) == "alive\n"
    finally:
        writer.kill()
        writer.wait(timeout=10)


def test_a_dead_writers_temporary_file_is_removed(tmp_path: Path) -> None:
    writer = subprocess.Popen([sys.executable, "-c", "pass"])
    writer.wait(timeout=30)
    temp = _temp_of(tmp_path, writer.pid)
    with exclusive_writer(tmp_path):
        pass
    assert not temp.exists()


def test_a_temporary_file_of_another_users_live_process_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kill(pid, 0) says EPERM for a live process of another user (PID 1 for anyone but root)."""
    writer = subprocess.Popen([sys.executable, "-c", "pass"])
    writer.wait(timeout=30)
    real_kill = os.kill

    def kill(pid: int, signum: int) -> None:
        if pid == writer.pid:
            raise PermissionError(errno.EPERM, "Operation not permitted")
        real_kill(pid, signum)

    monkeypatch.setattr(os, "kill", kill)
    temp = _temp_of(tmp_path, writer.pid)
    with exclusive_writer(tmp_path):
        pass
    assert temp.read_text(encoding="utf-8") == "half written\n"


def test_a_link_named_like_a_temporary_file_is_left_alone(tmp_path: Path) -> None:
    target = write(tmp_path / "notes.txt", "mine\n")
    link = tmp_path / ".config.yaml.0123abcd.tmp"
    os.symlink(target.name, link)
    with exclusive_writer(tmp_path):
        pass
    assert os.readlink(link) == "notes.txt"
    assert target.read_text(encoding="utf-8") == "mine\n"


def test_a_leftover_that_cannot_be_removed_does_not_stop_the_run_or_the_clean_up(
    tmp_path: Path,
) -> None:
    container = _container_with_gitignore(tmp_path)
    stuck = write(tmp_path / ".config.yaml.0123abcd.tmp", "\n")
    removable = write(container / ".x.0123abcd.tmp", "\n")
    with read_only_directory(tmp_path), exclusive_writer(tmp_path):
        entered = True
    assert entered
    assert stuck.exists()
    assert not removable.exists()


def test_every_unfinished_set_is_removed(tmp_path: Path) -> None:
    container = tmp_path / ".sekha-backups"
    unfinished = [container / f"2026010{n}T000000.000000Z" for n in (1, 2, 3)]
    for directory in unfinished:
        write(directory / "files" / "config.toml", "half\n")
    with exclusive_writer(tmp_path):
        pass
    assert [directory.exists() for directory in unfinished] == [False, False, False]


def test_an_unfinished_set_that_cannot_be_removed_whole_does_not_stop_the_others(
    tmp_path: Path,
) -> None:
    container = tmp_path / ".sekha-backups"
    unfinished = [container / f"2026010{n}T000000.000000Z" for n in (1, 2)]
    copies = [write(directory / "files" / "config.toml", "half\n") for directory in unfinished]
    with contextlib.ExitStack() as stack:
        for directory in unfinished:  # files/ itself cannot go, what is inside it can
            stack.enter_context(read_only_directory(directory))
        with exclusive_writer(tmp_path):
            pass
    assert [copy.exists() for copy in copies] == [False, False]
    assert [(directory / "files").is_dir() for directory in unfinished] == [True, True]


def test_a_linked_set_in_the_backups_is_never_followed_by_the_clean_up(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    outside = [
        write(elsewhere / "manifest.json", "{}\n"),
        write(elsewhere / ".x.0123abcd.tmp", "not sekha's\n"),
        write(elsewhere / "files" / ".y.0123abcd.tmp", "not sekha's\n"),
    ]
    bare = write(tmp_path / "bare" / "data.txt", "no manifest here\n")
    project = tmp_path / "project"
    (project / ".sekha-backups").mkdir(parents=True)
    os.symlink(elsewhere, project / ".sekha-backups" / "20260101T000000.000000Z")
    os.symlink(bare.parent, project / ".sekha-backups" / "20260102T000000.000000Z")
    with exclusive_writer(project):
        pass
    assert [path.exists() for path in outside] == [True, True, True]
    assert bare.read_text(encoding="utf-8") == "no manifest here\n"


def test_a_backups_directory_that_cannot_be_listed_does_not_stop_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a user who may not read .sekha-backups/ sees (root reads it anyway)."""
    container = _container_with_gitignore(tmp_path)
    stale = write(tmp_path / ".config.yaml.0123abcd.tmp", "\n")
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path) == container:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with exclusive_writer(tmp_path):
        entered = True
    assert entered
    assert not stale.exists()
