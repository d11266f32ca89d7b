"""File-system helpers of the I/O tests: a directory nobody can write to (even root, who
ignores permission bits), and a project's files as they are."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def read_only_directory(directory: Path) -> Iterator[Path]:
    """Make `directory` unwritable for the duration: chmod for a normal user, and for root the
    immutable attribute (chattr +i), since root writes through any permission bits."""
    if os.geteuid() != 0:
        directory.chmod(0o555)
        try:
            yield directory
        finally:
            directory.chmod(0o755)
        return
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("running as root without chattr: no way to make a directory read-only")
    made = subprocess.run([chattr, "+i", str(directory)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"chattr +i is not supported here: {made.stderr.decode().strip()}")
    try:
        yield directory
    finally:
        subprocess.run([chattr, "-i", str(directory)], check=True)


def project_tree(directory: Path) -> dict[str, bytes | str]:
    """Every file and link under `directory` outside the backups: bytes, or a link's target."""
    found: dict[str, bytes | str] = {}
    for path in sorted(directory.rglob("*")):
        if ".sekha-backups" in path.parts:
            continue
        if path.is_symlink():
            found[str(path.relative_to(directory))] = os.readlink(path)
        elif path.is_file():
            found[str(path.relative_to(directory))] = path.read_bytes()
    return found
