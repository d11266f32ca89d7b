"""Turning bytes from disk or stdin into text, or a clear reason why not."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import BinaryIO

from sekha_migrate.findings import Finding, Severity

# Far above any real configuration; a guard against being handed a disk image.
MAX_CONFIG_BYTES = 64 * 1024 * 1024


class SourceError(Exception):
    """A file that cannot be read or parsed. `line`/`column` are 1-based when known."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.line = line
        self.column = column
        self.hint = hint

    def finding(
        self, *, file: str | None = None, severity: Severity = Severity.ERROR
    ) -> Finding:
        """The problem as a finding, for the command that reports it."""
        return Finding(severity, self.code, self.message, file=file, line=self.line,
                       column=self.column, hint=self.hint)


class UnreadablePathError(SourceError):
    """The path itself is the problem (missing, a directory, no permission): a usage error."""


def read_bytes(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise UnreadablePathError(f"{path} is a directory, not a file", code="unreadable")
        with path.open("rb") as handle:
            data = read_at_most(handle, MAX_CONFIG_BYTES)
    except FileNotFoundError:
        raise UnreadablePathError(f"{path} does not exist", code="unreadable") from None
    except PermissionError:
        raise UnreadablePathError(
            f"{path} cannot be read: permission denied", code="unreadable"
        ) from None
    except IsADirectoryError:
        raise UnreadablePathError(f"{path} is a directory, not a file", code="unreadable") from None
    except OSError as exc:
        raise UnreadablePathError(
            f"{path} cannot be read: {exc.strerror}", code="unreadable"
        ) from None
    _refuse_oversized(data)
    return data


def read_at_most(handle: BinaryIO, limit: int) -> bytes:
    """The whole file, or `limit + 1` bytes of a larger one. Not `read(limit + 1)` alone:
    that allocates the limit (64 MiB) for every file, 16 µs a small file."""
    size = os.fstat(handle.fileno()).st_size
    data = handle.read(min(size, limit) + 1)
    if size < len(data) <= limit:  # it grew since, or is no regular file (a pipe)
        data += handle.read(limit + 1 - len(data))
    return data


def _refuse_oversized(data: bytes) -> None:
    """Only MAX_CONFIG_BYTES + 1 bytes are ever read; more than the limit is refused whole."""
    if len(data) > MAX_CONFIG_BYTES:
        raise SourceError(
            f"file is larger than {MAX_CONFIG_BYTES // (1024 * 1024)} MiB; "
            "that is not a configuration file",
            code="too-large",
        )


def read_stdin_bytes() -> bytes:
    if sys.stdin is None:  # started with stdin closed (`sekha validate - <&-`)
        raise UnreadablePathError("standard input is closed", code="unreadable")
    try:
        data = sys.stdin.buffer.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise UnreadablePathError(
            f"standard input cannot be read: {exc.strerror}", code="unreadable"
        ) from None
    _refuse_oversized(data)
    return data


def decode_text(data: bytes) -> str:
    """UTF-8 (a BOM is dropped); binary data and bad bytes are refused with a position."""
    if b"\x00" in data:
        offset = data.index(b"\x00")
        line, column = _position(data, offset)
        raise SourceError(
            "this is binary data, not a YAML or JSON text file",
            code="binary",
            line=line,
            column=column,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise SourceError(
            f"invalid UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded",
            code="encoding",
            line=line,
            column=column,
            hint="save the file as UTF-8",
        ) from None
    if text.startswith("\ufeff"):  # YAML allows one byte-order mark, at the very start
        raise SourceError(
            "the file starts with two byte-order marks (U+FEFF); only one is allowed",
            code="encoding", line=1, column=1, hint="save the file as UTF-8 without a BOM",
        )
    return text


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    line_start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - line_start + 1
