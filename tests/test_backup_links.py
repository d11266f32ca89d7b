"""Links planted in .sekha-backups/ (a repository can ship them with `git add -f`) are refused
with a message and never followed."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CliResult, write

Run = Callable[..., CliResult]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "project"
    write(directory / "config.toml", "server_port = 8080\n")
    return directory


def test_a_link_at_the_lock_is_refused_and_its_target_kept(
    sekha_inprocess: Run, project: Path, tmp_path: Path
) -> None:
    victim = write(tmp_path / "victim.txt", "precious\n")
    (project / ".sekha-backups").mkdir(mode=0o700)
    os.symlink(victim, project / ".sekha-backups" / "lock")

    result = sekha_inprocess("migrate", "--yes", cwd=project)

    assert result.exit_code == 1, result.stdout + result.stderr
    assert "lock is a symbolic link" in result.stderr
    assert "Traceback" not in result.stderr
    assert victim.read_text() == "precious\n"
    assert not (project / "config.yaml").exists()


def test_a_fifo_at_the_lock_is_refused_without_hanging(sekha_inprocess: Run, project: Path) -> None:
    (project / ".sekha-backups").mkdir(mode=0o700)
    os.mkfifo(project / ".sekha-backups" / "lock")

    result = sekha_inprocess("migrate", "--yes", cwd=project)

    assert result.exit_code == 1, result.stdout + result.stderr
    assert "lock is not a regular file" in result.stderr
