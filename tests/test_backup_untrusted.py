"""A backup set is untrusted input: a tampered manifest or set changes nothing and says why."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CliResult, write
from io_support import project_tree

from sekha_migrate.backup import BackupSet, create_backup, restore_backup
from sekha_migrate.io import write_atomically

Run = Callable[..., CliResult]




@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "project"
    write(directory / "config.toml", "server_port = 8080\n")
    write(directory / ".env", "MCP_API_KEY=sk-abcdefghijklmnopqrstuv\n")
    return directory


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    return write(tmp_path / "elsewhere" / "victim.txt", "not yours\n")


def _migrated(project: Path) -> BackupSet:
    made = create_backup(
        [project / "config.toml", project / ".env"], root=project,
        generated=[project / "config.yaml"],
    )
    write_atomically(project / "config.yaml", 'version: "2.0"\n')
    return made


def _tamper(made: BackupSet, change: Callable[[dict[str, Any]], None]) -> None:
    path = made.directory / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def _rollback_refused(sekha_inprocess: Run, project: Path, expected: str) -> None:
    before = project_tree(project)
    result = sekha_inprocess("rollback", "--yes", cwd=project)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert project_tree(project) == before


def test_manifest_cannot_restore_a_file_outside_the_project(
    sekha_inprocess: Run, project: Path, outside: Path
) -> None:
    made = _migrated(project)

    def aim_outside(manifest: dict[str, Any]) -> None:
        manifest["files"][0]["original"] = str(outside)

    _tamper(made, aim_outside)
    _rollback_refused(sekha_inprocess, project, "is outside the project directory")
    assert outside.read_text() == "not yours\n"


def test_manifest_cannot_climb_out_with_dot_dot(sekha_inprocess: Run, project: Path,
                                                outside: Path) -> None:
    made = _migrated(project)

    def climb(manifest: dict[str, Any]) -> None:
        manifest["files"][0]["original"] = str(project / ".." / "elsewhere" / "victim.txt")

    _tamper(made, climb)
    _rollback_refused(sekha_inprocess, project, "is outside the project directory")


def test_manifest_cannot_reach_out_through_a_linked_directory(
    sekha_inprocess: Run, project: Path, outside: Path
) -> None:
    made = _migrated(project)
    (project / "shortcut").symlink_to(outside.parent)

    def through_link(manifest: dict[str, Any]) -> None:
        manifest["generated"] = [str(project / "shortcut" / "victim.txt")]

    _tamper(made, through_link)
    _rollback_refused(sekha_inprocess, project, "is outside the project directory")
    assert outside.read_text() == "not yours\n"


def test_manifest_mode_is_cut_to_permission_bits(project: Path) -> None:
    made = _migrated(project)

    def setuid(manifest: dict[str, Any]) -> None:
        manifest["files"][0]["mode"] = "6777"

    _tamper(made, setuid)
    from sekha_migrate.backup import load_backup

    restore_backup(load_backup(project, made.id))
    mode = stat.S_IMODE((project / "config.toml").stat().st_mode)
    assert mode == 0o777
    assert not mode & (stat.S_ISUID | stat.S_ISGID)


def test_stored_copy_that_is_a_link_is_refused(
    sekha_inprocess: Run, project: Path, outside: Path
) -> None:
    made = _migrated(project)
    copy = made.directory / made.entries[0].stored
    copy.unlink()
    copy.symlink_to(outside)

    def match_victim(manifest: dict[str, Any]) -> None:
        data = outside.read_bytes()
        manifest["files"][0].update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))

    _tamper(made, match_victim)
    _rollback_refused(sekha_inprocess, project, "is a link, not a regular file")


@pytest.mark.parametrize(
    ("manifest_text", "expected"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (None, "NUL"),
        ('{"format": "sekha-backup", "version": 1, "files": {"a": 1}}', "expected a list"),
        ('"just text"', "not a Sekha backup manifest"),
    ],
)
def test_malformed_manifest_is_a_finding_not_a_traceback(
    sekha_inprocess: Run, project: Path, manifest_text: str | None, expected: str
) -> None:
    made = _migrated(project)
    if manifest_text is None:
        def nul(manifest: dict[str, Any]) -> None:
            manifest["files"][0]["original"] = str(project / "config.toml") + "\x00x"

        _tamper(made, nul)
    else:
        (made.directory / "manifest.json").write_text(manifest_text)
    _rollback_refused(sekha_inprocess, project, expected)


# --- links: the link moves, never its target outside the project ---------------------------


def test_rollback_moves_a_generated_link_itself_never_its_target_outside(
    project: Path, outside: Path
) -> None:
    made = create_backup([project / ".env"], root=project, generated=[project / "config.yaml"])
    (project / "config.yaml").symlink_to(outside)

    result = restore_backup(made)

    assert outside.read_text() == "not yours\n"
    assert not os.path.lexists(project / "config.yaml")
    (moved,) = result.moved_to
    assert moved.is_symlink()
    assert os.readlink(moved) == str(outside)


def test_backup_keeps_a_link_as_a_link_and_rollback_puts_it_back(
    project: Path, tmp_path: Path
) -> None:
    target = write(project / "shared" / "base.env", "A=1\n")
    (project / "linked.env").symlink_to("shared/base.env")
    made = create_backup([project / "linked.env"], root=project)
    (project / "linked.env").unlink()
    write(project / "linked.env", "replaced by a plain file\n")

    restore_backup(made)

    assert os.readlink(project / "linked.env") == "shared/base.env"
    assert target.read_text() == "A=1\n"


def test_rollback_refuses_to_write_through_a_link_leading_out(
    sekha_inprocess: Run, project: Path, outside: Path
) -> None:
    made = _migrated(project)
    (project / ".env").unlink()
    (project / ".env").symlink_to(outside)
    assert made.entries
    _rollback_refused(sekha_inprocess, project, "rollback writes nothing outside it")
    assert outside.read_text() == "not yours\n"
