"""Atomic file writes: a file is either its old self or its new self, never half of each.

This module and `backup` are the only places that write files.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from pathlib import Path

# Errors that only mean "this file system cannot fsync a directory", not that data is at risk.
_DIR_FSYNC_UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOTSUP, errno.EACCES, errno.EPERM})


class WriteError(Exception):
    """A file could not be written; the message says which and what to do about it."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}")
        self.path = path
        self.reason = reason


# Names that mean a standard stream: written through, never replaced by a rename (with
# `-O /dev/stdout >> ci.log` a rename would replace the log with the report).
_STREAM_NAMES = {
    "-": 1, "/dev/stdout": 1, "/dev/fd/1": 1, "/proc/self/fd/1": 1,
    "/dev/stderr": 2, "/dev/fd/2": 2, "/proc/self/fd/2": 2,
}


def standard_stream(path: str | os.PathLike[str]) -> int | None:
    """1 or 2 when `path` names standard output or error (`-`, /dev/stdout ...), else None."""
    text = os.fspath(path)
    return _STREAM_NAMES.get(text if text == "-" else os.path.normpath(text))


def special_file_kind(path: str | os.PathLike[str]) -> str | None:
    """What `path` is when it exists and is not a regular file (links followed): "a FIFO",
    "a device", ...; None for a regular file or nothing at all."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    return _kind(found.st_mode)


def _kind(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def write_output(
    path: str | os.PathLike[str], data: str | bytes, *, mode: int | None = None
) -> None:
    """An output the user named: written through to standard output or error when `path`
    names one, else replaced atomically (a special file is refused, see write_atomically)."""
    stream = standard_stream(path)
    if stream is None:
        write_atomically(Path(path), data, mode=mode)
        return
    payload = _encoded(data)
    target = sys.stdout if stream == 1 else sys.stderr
    try:
        target.flush()
        target.buffer.write(payload)
        target.flush()
    except (OSError, ValueError, AttributeError) as exc:
        name = "standard output" if stream == 1 else "standard error"
        raise WriteError(Path(path), f"{name} cannot be written ({exc})") from exc


def write_atomically(
    path: Path, data: str | bytes, *, mode: int | None = None, follow_symlinks: bool = True
) -> None:
    """Replace `path` with `data` (str is written as UTF-8) so that no reader sees a partial file.

    `mode` sets the permission bits (0o600 for files holding secrets); without it an existing
    file keeps its mode and a new one gets 0o666 minus the umask, as any new file would.
    A symlink is written through: its target is replaced, the link stays; with
    `follow_symlinks=False` the link itself is replaced by the file.
    """
    target = Path(os.path.realpath(path) if follow_symlinks else os.path.abspath(path))
    kind = special_file_kind(target) if follow_symlinks else _kind_of_name(target)
    if kind is not None:
        # A rename would turn a device, FIFO or socket into a regular file (as root, even
        # /dev/null); a directory would be refused by the rename in less clear words.
        raise WriteError(Path(path), f"it is {kind}, not a regular file; choose a file path"
                         if kind != "not a regular file" else "it is not a regular file")
    payload = _encoded(data)
    final_mode = mode if mode is not None else _mode_for(target)
    temp = None
    try:
        fd, temp = _create_temp_beside(target)
        try:
            _write_all(fd, payload)
            os.fsync(fd)
            _set_mode(fd, final_mode)
        finally:
            os.close(fd)
        os.replace(temp, target)
        temp = None
        _fsync_directory(target.parent)
    except OSError as exc:
        raise WriteError(Path(path), describe_os_error(exc, target)) from exc
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _kind_of_name(path: Path) -> str | None:
    try:
        found = os.lstat(path)
    except OSError:
        return None
    return None if stat.S_ISLNK(found.st_mode) else _kind(found.st_mode)


def _encoded(data: str | bytes) -> bytes:
    # surrogateescape: a file name that is not UTF-8 is written back as the bytes it was.
    return data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data


def describe_os_error(exc: OSError, target: Path) -> str:
    """Say what went wrong in words a user can act on, not in errno names."""
    code = exc.errno
    if code == errno.EROFS:
        return "the file system is read-only"
    if code in (errno.EACCES, errno.EPERM):
        return (
            f"permission denied: the directory {target.parent} or the file is read-only "
            "for this user; fix the permissions or write somewhere else"
        )
    if code == errno.ENOSPC:
        return "no space left on device; free some space and run again"
    if code == errno.EFBIG:
        return "the file is larger than this process may write (ulimit -f?)"
    if code == errno.EDQUOT:
        return "disk quota exceeded; free some space and run again"
    if code == errno.ENOENT:
        return f"the directory {target.parent} does not exist"
    if code == errno.ENOTDIR:
        return f"a part of {target.parent} is not a directory"
    if code == errno.EISDIR:
        return "it is a directory, not a file"
    if code == errno.ENAMETOOLONG:
        return "the file name is too long"
    return exc.strerror or str(exc)


def _set_mode(fd: int, mode: int) -> None:
    # Windows has no os.fchmod (nor Unix permission bits to set): skip it there; the file
    # keeps the access rules of its directory.
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        # A new file (or one we cannot stat, whose write will fail with a clearer message).
        return 0o666 & ~_current_umask()


def _current_umask() -> int:
    # The only portable way to read the umask is to set it and put it back.
    current = os.umask(0o022)
    os.umask(current)
    return current


def temp_name(name: str) -> str:
    """`.NAME.<8 hex>.<pid>.tmp`: the PID lets a clean-up tell a killed run's leftover from
    the file another live writer (validate -O, init -o, a concurrent run) is about to rename."""
    return f".{name}.{os.urandom(4).hex()}.{os.getpid()}.tmp"


def _create_temp_beside(target: Path) -> tuple[int, str]:
    """Create an empty temporary file in the target's directory, readable by its owner only.

    Same directory so os.replace is a rename on one file system; 0600 until the final mode
    is applied so a secret is never readable by others, not even for a moment.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        temp = str(target.parent / temp_name(target.name))
        try:
            return os.open(temp, flags, 0o600), temp
        except FileExistsError:
            continue


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable; without this a crash can bring the old file back."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError as exc:
        if exc.errno in _DIR_FSYNC_UNSUPPORTED:
            return
        raise
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _DIR_FSYNC_UNSUPPORTED:
            raise
    finally:
        os.close(fd)
