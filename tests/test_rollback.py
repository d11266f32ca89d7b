"""`sekha rollback`: undo a migration from its backup set, through the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CliResult, write

from sekha_migrate.backup import BackupSet, create_backup, list_backups, load_backup
from sekha_migrate.io import write_atomically

V1_TOML = b"\xef\xbb\xbfollama_url = \"http://localhost:11434\"\r\nserver_port = 8080\r\n"
V1_ENV = b"MCP_API_KEY=sk-abcdefghijklmnopqrstuv\nexport LOG_LEVEL=INFO\n"
V2_YAML = 'version: "2.0"\nllm_providers: []\n'

Run = Callable[..., CliResult]


def _files(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {
        path.name: (path.read_bytes(), path.stat().st_mode & 0o7777)
        for path in sorted(directory.iterdir())
        if path.is_file()
    }


def _migrated(directory: Path) -> BackupSet:
    """A directory as `sekha migrate` leaves it: v1 files backed up, then a v2 file written."""
    write(directory / "config.toml", V1_TOML)
    write(directory / ".env", V1_ENV).chmod(0o600)
    made = create_backup(
        [directory / "config.toml", directory / ".env", directory / "config.yaml"],
        root=directory,
        report={"summary": "migrated"},
        generated=[directory / "config.yaml"],
    )
    write_atomically(directory / "config.yaml", V2_YAML, mode=0o600)
    write_atomically(directory / ".env", "# externalized\n", mode=0o600)
    return made


def test_rollback_without_a_terminal_restores_the_latest_set(sekha: Run, tmp_path: Path) -> None:
    made = _migrated(tmp_path)

    result = sekha("rollback", cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    assert _files(tmp_path) == {".env": (V1_ENV, 0o600), "config.toml": (V1_TOML, 0o644)}
    assert (made.directory / "rolled-back" / "config.yaml").read_text() == V2_YAML
    assert "restored" in result.stdout and "config.toml" in result.stdout
    assert "kept in the set as rolled-back/config.yaml" in result.stdout
    assert "2 files restored, 1 generated file kept in the backup set" in result.stdout
    assert "sk-abcdef" not in result.stdout + result.stderr


def test_rollback_picks_a_set_by_id_and_dir(sekha: Run, tmp_path: Path) -> None:
    project = tmp_path / "project"
    first = _migrated(project)
    write_atomically(project / "config.toml", "second edit\n")
    create_backup([project / "config.toml"], root=project)  # a later set

    result = sekha("rollback", first.id, "--dir", str(project), cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    assert (project / "config.toml").read_bytes() == V1_TOML
    assert load_backup(project, first.id).rolled_back


def test_json_result_lists_restored_and_moved_files(sekha: Run, tmp_path: Path) -> None:
    made = _migrated(tmp_path)

    result = sekha("rollback", "--format", "json", cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["ok"] is True
    assert document["backup"]["id"] == made.id
    assert [item["path"] for item in document["restored"]] == [
        str(tmp_path / "config.toml"),
        str(tmp_path / ".env"),
    ]
    assert document["restored"][1]["mode"] == "0600"
    assert document["moved_aside"] == [
        {
            "from": str(tmp_path / "config.yaml"),
            "to": str(made.directory / "rolled-back" / "config.yaml"),
        }
    ]


def test_list_shows_every_set_and_whether_it_was_rolled_back(sekha: Run, tmp_path: Path) -> None:
    first = _migrated(tmp_path)
    second = create_backup([tmp_path / "config.toml"], root=tmp_path)
    assert sekha("rollback", first.id, "--yes", cwd=tmp_path).exit_code == 0

    listed = sekha("rollback", "--list", cwd=tmp_path)

    assert listed.exit_code == 0, listed.stderr
    lines = listed.stdout.splitlines()
    first_row = next(line for line in lines if first.id in line)
    second_row = next(line for line in lines if second.id in line)
    assert "config.toml" in first_row and first_row.rstrip().endswith("yes")
    assert second_row.rstrip().endswith("no")
    assert "(latest)" in lines[lines.index(second_row) + 1]


def test_list_as_json(sekha: Run, tmp_path: Path) -> None:
    made = _migrated(tmp_path)

    listed = sekha("rollback", "--list", "--format", "json", cwd=tmp_path)

    assert listed.exit_code == 0, listed.stderr
    document = json.loads(listed.stdout)
    assert document["directory"] == str(tmp_path / ".sekha-backups")
    assert document["damaged"] == []
    (only,) = document["backups"]
    assert only["id"] == made.id and only["rolled_back"] is False
    assert [f["original"] for f in only["files"]] == [
        str(tmp_path / "config.toml"),
        str(tmp_path / ".env"),
    ]
    assert only["generated"] == [str(tmp_path / "config.yaml")]


def test_list_with_an_id_shows_its_files(sekha: Run, tmp_path: Path) -> None:
    made = _migrated(tmp_path)
    listed = sekha("rollback", "--list", made.id, cwd=tmp_path)
    assert listed.exit_code == 0, listed.stderr
    assert "0600" in listed.stdout and made.entries[0].sha256[:16] in listed.stdout


def test_list_names_a_damaged_set_instead_of_hiding_it(sekha: Run, tmp_path: Path) -> None:
    good = _migrated(tmp_path)
    bad = create_backup([tmp_path / "config.toml"], root=tmp_path)
    (bad.directory / "manifest.json").write_text("{")
    listed = sekha("rollback", "--list", cwd=tmp_path)
    assert listed.exit_code == 0, listed.stderr
    assert good.id in listed.stdout
    assert f"damaged {bad.id}: the backup set {bad.id} is damaged" in listed.stdout


def test_list_with_no_backups_says_so(sekha: Run, tmp_path: Path) -> None:
    listed = sekha("rollback", "--list", cwd=tmp_path)
    assert listed.exit_code == 0
    assert f"No backups in {tmp_path / '.sekha-backups'}" in listed.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("rollback",), "no backups found in"),
        (("rollback", "20200101T000000.000000Z"), "no backup set 20200101T000000.000000Z"),
        (("rollback", "--dir", "missing"), "--dir missing is not a directory"),
    ],
)
def test_usage_errors_exit_2_with_one_clean_line(
    sekha: Run, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    write(tmp_path / "config.yaml", V2_YAML)
    result = sekha(*args, cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith("sekha rollback: ") and message in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "config.yaml").read_text() == V2_YAML


def test_unreadable_backups_directory_exits_2(sekha: Run, tmp_path: Path) -> None:
    write(tmp_path / ".sekha-backups", "not a directory\n")
    result = sekha("rollback", "--list", cwd=tmp_path)
    assert result.exit_code == 2
    assert "cannot read" in result.stderr and "Traceback" not in result.stderr


def test_corrupted_copy_exits_1_and_touches_nothing(sekha: Run, tmp_path: Path) -> None:
    made = _migrated(tmp_path)
    (made.directory / "files" / "config.toml").write_bytes(b"tampered\n")
    before = _files(tmp_path)

    result = sekha("rollback", "--format", "json", cwd=tmp_path)

    assert result.exit_code == 1
    assert "does not match its recorded sha256" in result.stderr
    assert json.loads(result.stdout)["ok"] is False
    assert _files(tmp_path) == before


def test_damaged_latest_manifest_exits_1_and_points_to_list(sekha: Run, tmp_path: Path) -> None:
    made = _migrated(tmp_path)
    (made.directory / "manifest.json").write_text("{")
    result = sekha("rollback", cwd=tmp_path)
    assert result.exit_code == 1
    assert f"backup set {made.id} is damaged" in result.stderr
    assert "sekha rollback --list" in result.stderr
    assert (tmp_path / "config.yaml").read_text() == V2_YAML


def test_restore_failure_exits_1_with_a_clear_message(
    sekha_inprocess: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sekha_migrate import io as io_module
    from sekha_migrate.backup import restore as backup_module
    from sekha_migrate.io import WriteError

    _migrated(tmp_path)

    real_write = io_module.write_atomically

    def full_disk(path: Path, data: str | bytes, **options: Any) -> None:
        if ".sekha-backups" in Path(path).parts:  # the pre-rollback set still fits
            real_write(path, data, **options)
            return
        raise WriteError(Path(path), "no space left on device; free some space and run again")

    monkeypatch.setattr(backup_module, "write_atomically", full_disk)
    result = sekha_inprocess("rollback", cwd=tmp_path)

    assert result.exit_code == 1
    assert "no space left on device" in result.stderr
    assert "roll back again" in result.stderr
    assert (tmp_path / ".env").read_text() == "# externalized\n"

    json_result = sekha_inprocess("rollback", "--yes", "--format", "json", cwd=tmp_path)
    document = json.loads(json_result.stdout)
    assert json_result.exit_code == 1 and document["ok"] is False
    (finding,) = document["findings"]
    assert finding["code"] == "restore-failed" and finding["severity"] == "error"
    assert finding["message"] == document["error"] and "no space left" in finding["message"]
    assert Path(finding["file"]).parent.name == ".sekha-backups"


# --- asking first, on a terminal only -------------------------------------------------------


def _pretend_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from sekha_migrate.commands import rollback as command

    monkeypatch.setattr(command, "stdin_is_terminal", lambda: True)


def test_terminal_user_who_says_no_changes_nothing(
    sekha_inprocess: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _migrated(tmp_path)
    before = _files(tmp_path)
    _pretend_terminal(monkeypatch)

    result = sekha_inprocess("rollback", input="n\n", cwd=tmp_path)

    assert result.exit_code == 1
    assert "restore      config.toml" in result.stderr
    assert "move aside   config.yaml" in result.stderr
    assert "rollback cancelled; nothing was changed" in result.stderr
    assert _files(tmp_path) == before


def test_terminal_user_who_says_yes_gets_the_restore(
    sekha_inprocess: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _migrated(tmp_path)
    _pretend_terminal(monkeypatch)
    result = sekha_inprocess("rollback", input="y\n", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / ".env").read_bytes() == V1_ENV
    assert not (tmp_path / "config.yaml").exists()


def test_yes_skips_the_question_on_a_terminal(
    sekha_inprocess: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _migrated(tmp_path)
    _pretend_terminal(monkeypatch)
    result = sekha_inprocess("rollback", "-y", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "Restore these files?" not in result.stderr
    assert (tmp_path / ".env").read_bytes() == V1_ENV


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize(("answer", "expected_exit"), [(b"n\n", 1), (b"y\n", 0)])
def test_real_terminal_is_asked_first(tmp_path: Path, answer: bytes, expected_exit: int) -> None:
    _migrated(tmp_path)
    sekha_path = Path(sys.executable).parent / "sekha"
    controller, terminal = os.openpty()
    try:
        proc = subprocess.Popen(
            [str(sekha_path), "rollback"],
            cwd=tmp_path,
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "NO_COLOR": "1"},
        )
        os.close(terminal)
        os.write(controller, answer)
        _, stderr = proc.communicate(timeout=60)
    finally:
        os.close(controller)
    assert proc.returncode == expected_exit
    assert b"Restore these files?" in stderr
    restored = (tmp_path / ".env").read_bytes() == V1_ENV
    assert restored is (expected_exit == 0)
    assert (tmp_path / "config.yaml").exists() is (expected_exit == 1)


def test_migrate_then_rollback_gives_back_every_byte(sekha: Run, tmp_path: Path) -> None:
    write(tmp_path / "config.toml", b'server_port = 8080\r\nollama_url = "http://localhost:11434"\r\n')
    write(tmp_path / ".env", "MCP_API_KEY=sk-mcp-0123456789abcdef0123456789abcdef\n").chmod(0o600)
    before = _files(tmp_path)

    migrated = sekha("migrate", "--yes", cwd=tmp_path)
    assert migrated.exit_code == 0, migrated.stderr
    generated = (tmp_path / "config.yaml").read_bytes()

    rolled = sekha("rollback", cwd=tmp_path)

    assert rolled.exit_code == 0, rolled.stderr
    assert _files(tmp_path) == before
    migration, saved = list_backups(tmp_path)
    assert (migration.directory / "rolled-back" / "config.yaml").read_bytes() == generated
    assert saved.kind == "pre-rollback" and saved.undoes == migration.id
