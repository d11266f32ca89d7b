"""Links planted in .sekha-backups/ (a repository can ship them with `git add -f`) are refused
with a message and never followed."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CliResult, write
from io_support import project_tree

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




def test_a_dangling_gitignore_link_is_refused_and_its_target_never_created(
    sekha_inprocess: Run, project: Path, tmp_path: Path
) -> None:
    target = tmp_path / "created-by-sekha"
    (project / ".sekha-backups").mkdir(mode=0o700)
    os.symlink(target, project / ".sekha-backups" / ".gitignore")

    result = sekha_inprocess("migrate", "--yes", cwd=project)

    assert result.exit_code == 1
    assert ".gitignore is a symbolic link, which sekha never follows" in result.stderr
    assert not os.path.lexists(target)
    assert not (project / "config.yaml").exists()


def test_a_linked_backups_directory_is_refused(
    sekha_inprocess: Run, project: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, project / ".sekha-backups")

    result = sekha_inprocess("migrate", "--yes", cwd=project)

    assert result.exit_code == 1
    assert ".sekha-backups is a symbolic link" in result.stderr
    assert list(elsewhere.iterdir()) == []


def _migrated(sekha_inprocess: Run, project: Path) -> Path:
    write(project / ".env", "MCP_API_KEY=sk-abcdefghijklmnopqrstuvwxyz0123456789ABCDEF\n")
    done = sekha_inprocess("migrate", "--yes", cwd=project)
    assert done.exit_code == 0, done.stderr
    return next((project / ".sekha-backups").glob("2*"))


def test_a_rollback_log_link_is_refused_and_nothing_written_outside(
    sekha_inprocess: Run, project: Path, tmp_path: Path
) -> None:
    made = _migrated(sekha_inprocess, project)
    victim = write(tmp_path / "victim.json", "keep me\n")
    os.symlink(victim, made / "rollback.json")
    before = project_tree(project)

    result = sekha_inprocess("rollback", "--yes", cwd=project)

    assert result.exit_code == 1
    assert "rollback.json" in result.stderr
    assert "symbolic link" in result.stderr
    assert "Traceback" not in result.stderr
    assert victim.read_text() == "keep me\n"
    assert project_tree(project) == before


def test_a_rolled_back_link_is_refused_and_config_yaml_stays_in_the_project(
    sekha_inprocess: Run, project: Path, tmp_path: Path
) -> None:
    made = _migrated(sekha_inprocess, project)
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, made / "rolled-back")
    before = project_tree(project)

    result = sekha_inprocess("rollback", "--yes", cwd=project)

    assert result.exit_code == 1
    assert "rolled-back is a symbolic link, which sekha never follows" in result.stderr
    assert list(outside.iterdir()) == []
    assert project_tree(project) == before


def test_a_full_disk_when_writing_the_pid_into_the_lock_still_locks(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from sekha_migrate.backup import exclusive_writer

    def full_disk(fd: int, length: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "ftruncate", full_disk)
    with exclusive_writer(project):
        entered = True
    assert entered
