"""One writer at a time in a project's .sekha-backups/, and the clean-up of a killed run."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sekha_migrate.backup.create import _ensure_container
from sekha_migrate.backup.sets import (
    FILES_DIRNAME,
    MANIFEST_NAME,
    ROLLED_BACK_DIRNAME,
    BackupError,
    BackupLockedError,
    _absolute,
    _planted,
    backups_directory,
)
from sekha_migrate.io import describe_os_error

LOCK_NAME = "lock"

# How long a second writer waits for the first before it gives up (tests set 0).
LOCK_WAIT_SECONDS = 5.0
# Temporary files io.write_atomically makes beside a target: `.NAME.<8 hex>.<pid>.tmp`
# (earlier versions: `.NAME.<8 hex>.tmp`, no PID).
_TEMP_FILE = re.compile(r"\..+\.[0-9a-f]{8}(?:\.(\d{1,10}))?\.tmp")
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NON_BLOCK = getattr(os, "O_NONBLOCK", 0)


@contextlib.contextmanager
def exclusive_writer(root: Path) -> Iterator[None]:
    """Hold the lock of `root/.sekha-backups/` while migrating or rolling back there.

    Another holder is waited for up to LOCK_WAIT_SECONDS, then BackupLockedError. The lock is
    the operating system's own on `.sekha-backups/lock` (flock on POSIX, LockFileEx on Windows,
    both through filelock): it is released when the block ends, and the kernel drops it when
    its holder dies, so a killed run never leaves a stale lock. Inside the lock, leftovers of a
    killed run are removed, and SIGTERM stops the run the way Ctrl-C does, so the same
    clean-up runs.
    """
    container = _ensure_container(_absolute(Path(root)))
    fd = _acquire(container / LOCK_NAME)
    try:
        _clean_leftovers(_absolute(Path(root)))
        with _sigterm_as_interrupt():
            yield
    finally:
        _release(fd)


def _acquire(lock: Path) -> int:
    # O_NOFOLLOW: a repository can ship a link at .sekha-backups/lock, and following it would
    # truncate its target; O_NONBLOCK: a FIFO planted there must not hang the run. (os.open
    # makes the descriptor non-inheritable itself, PEP 446: no O_CLOEXEC needed.)
    flags = os.O_RDWR | os.O_CREAT | _NO_FOLLOW | _NON_BLOCK
    try:
        fd = os.open(lock, flags, 0o600)
    except OSError as exc:
        if os.path.islink(lock):  # O_NOFOLLOW's ELOOP, or a system without O_NOFOLLOW
            raise BackupError(_planted(lock)) from exc
        raise _lock_failure("open the lock", lock, exc) from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise BackupError(
            f"{lock} is not a regular file (was it planted?); nothing was changed: remove it "
            "and run again"
        )
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while not _try_lock(fd, lock):
        if time.monotonic() >= deadline:
            holder = _lock_holder(fd)
            os.close(fd)
            raise BackupLockedError(
                f"another sekha migrate or rollback{holder} is writing in {lock.parent.parent}; "
                "nothing was changed: run again when it has finished"
            )
        time.sleep(0.1)
    try:
        os.ftruncate(fd, 0)
        # Windows locks byte 0 alone, and a waiter cannot read a locked byte: the PID starts
        # at byte 1, so the waiter can still name the holder.
        os.write(fd, f"\n{os.getpid()}\n".encode())
    except OSError as exc:  # a full disk or `ulimit -f`: the PID is a courtesy, the lock counts
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            _release(fd)
            raise _lock_failure("write the lock", lock, exc) from exc
    return fd


def _lock_failure(action: str, lock: Path, exc: OSError) -> BackupError:
    return BackupError(f"cannot {action} {lock}: {describe_os_error(exc, lock)}")


def _try_lock(fd: int, lock: Path) -> bool:
    # filelock is imported only by a run that writes (about 10 ms of imports in one).
    from filelock import lock_descriptor

    try:
        return lock_descriptor(fd, blocking=False)
    except OSError as exc:  # no locking on this file system (some network mounts)
        os.close(fd)
        raise _lock_failure("lock", lock, exc) from exc


def _release(fd: int) -> None:
    from filelock import unlock_descriptor

    try:
        # Unlock before closing: on Windows a lock left to the close is dropped "eventually".
        with contextlib.suppress(OSError):
            unlock_descriptor(fd)
    finally:
        os.close(fd)  # the file stays, so there is no race over who created it


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _lock_holder(fd: int) -> str:
    """` (process N)` from the holder's lock file; byte 0 may be locked (Windows), so the
    PID is read from byte 1 when byte 0 cannot be read."""
    for offset in (0, 1):
        with contextlib.suppress(OSError, ValueError):
            os.lseek(fd, offset, os.SEEK_SET)
            return f" (process {int(os.read(fd, 32).decode().strip())})"
    return ""


def _clean_leftovers(root: Path) -> None:
    """Remove what a killed run left: temporary files beside the outputs and in the sets,
    and sets without a manifest (their creation never finished). Only under the lock."""
    container = backups_directory(root)
    for directory in (root, container):
        _remove_temp_files(directory)
    with contextlib.suppress(OSError):
        for child in os.scandir(container):
            if not child.is_dir(follow_symlinks=False) or child.name.startswith("."):
                continue
            directory = Path(child.path)
            if not (directory / MANIFEST_NAME).exists():
                shutil.rmtree(directory, ignore_errors=True)
                continue
            for inner in (directory, directory / FILES_DIRNAME, directory / ROLLED_BACK_DIRNAME):
                _remove_temp_files(inner)


def _remove_temp_files(directory: Path) -> None:
    with contextlib.suppress(OSError):
        for child in os.scandir(directory):
            found = _TEMP_FILE.fullmatch(child.name)
            if found is None or not child.is_file(follow_symlinks=False):
                continue
            writer = found.group(1)
            if writer is not None and int(writer) != os.getpid() and _alive(int(writer)):
                continue  # another live writer's file, about to be renamed into place
            with contextlib.suppress(OSError):
                os.unlink(child.path)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
