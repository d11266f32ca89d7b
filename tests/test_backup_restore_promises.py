"""Rolling back (sekha_migrate.backup.restore) pinned by the exact file, mode, log or message.

Written against the mutants bench/mutation.py backup_restore found surviving; through the
public functions of sekha_migrate.backup only.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import write
from io_support import read_only_directory

from sekha_migrate.backup import (
    BackupError,
    create_backup,
    list_backups,
    restore_backup,
)


def _saved_id(root: Path) -> str:
    """The pre-rollback set a rollback made (the newest set)."""
    [saved] = [found for found in list_backups(root) if found.kind == "pre-rollback"]
    return saved.id


def _failed(root: Path, cause: str) -> str:
    return (f"{cause}. Restored so far: nothing. The backed-up copies are intact, and what "
            f"was there before is in set {_saved_id(root)}; fix the cause and roll back again.")


def test_an_original_whose_directories_are_gone_is_restored_with_them(tmp_path: Path) -> None:
    config = write(tmp_path / "deploy" / "v1" / "config.toml", "server_port = 1\n")
    made = create_backup([config], root=tmp_path)
    shutil.rmtree(tmp_path / "deploy")

    result = restore_backup(made)

    assert result.restored == (config,)
    assert config.read_text(encoding="utf-8") == "server_port = 1\n"


def test_an_original_under_a_file_in_the_way_is_refused_naming_it(tmp_path: Path) -> None:
    config = write(tmp_path / "deploy" / "v1" / "config.toml", "server_port = 1\n")
    made = create_backup([config], root=tmp_path)
    shutil.rmtree(tmp_path / "deploy")
    write(tmp_path / "deploy", "a file where a directory was\n")

    with pytest.raises(BackupError) as refused:
        restore_backup(made)

    assert str(refused.value) == _failed(
        tmp_path, f"cannot restore {config}: a part of {config.parent} is not a directory")
    assert (tmp_path / "deploy").read_text(encoding="utf-8") == "a file where a directory was\n"


def test_an_original_in_a_directory_that_cannot_be_written_is_refused_naming_it(
    tmp_path: Path,
) -> None:
    config = write(tmp_path / "deploy" / "config.toml", "server_port = 1\n")
    made = create_backup([config], root=tmp_path)
    write(config, "edited\n")

    with read_only_directory(tmp_path / "deploy"), pytest.raises(BackupError) as refused:
        restore_backup(made)

    real = Path(os.path.realpath(config))
    assert str(refused.value) == _failed(
        tmp_path, f"cannot write {config}: permission denied: the directory {real.parent} or "
        "the file is read-only for this user; fix the permissions or write somewhere else")
    assert config.read_text(encoding="utf-8") == "edited\n"


def test_a_generated_file_that_cannot_be_moved_aside_is_refused_naming_it(
    tmp_path: Path,
) -> None:
    made = create_backup([write(tmp_path / "config.toml", "x\n")], root=tmp_path,
                         generated=[tmp_path / "config.yaml"])
    output = write(tmp_path / "config.yaml", "version: '2.0'\n")
    aside = made.directory / "rolled-back"
    aside.mkdir(mode=0o700)

    with read_only_directory(aside), pytest.raises(BackupError) as refused:
        restore_backup(made)

    real = Path(os.path.realpath(output))
    assert str(refused.value) == _failed(
        tmp_path, f"cannot move {output} into the backup set: permission denied: the "
        f"directory {real.parent} or the file is read-only for this user; fix the permissions "
        "or write somewhere else")
    assert output.read_text(encoding="utf-8") == "version: '2.0'\n"


def test_a_linked_original_gets_its_targets_bytes_and_mode_back(tmp_path: Path) -> None:
    real = write(tmp_path / "real.toml", "server_port = 1\n")
    real.chmod(0o640)
    link = tmp_path / "config.toml"
    os.symlink("real.toml", link)
    made = create_backup([link], root=tmp_path)
    write(real, "edited\n")
    real.chmod(0o604)

    restore_backup(made)

    assert os.readlink(link) == "real.toml"
    assert real.read_text(encoding="utf-8") == "server_port = 1\n"
    assert real.stat().st_mode & 0o777 == 0o640


def test_the_rollback_log_records_what_was_restored_and_moved(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", "server_port = 1\n")
    output = tmp_path / "config.yaml"
    made = create_backup([config], root=tmp_path, generated=[output])
    write(output, "version: '2.0'\n")

    result = restore_backup(made)

    text = (made.directory / "rollback.json").read_text(encoding="utf-8")
    [event] = json.loads(text)["rollbacks"]
    expected = {"format": "sekha-rollback-log", "version": 1, "rollbacks": [{
        "at": event["at"],
        "complete": True,
        "saved_as": result.saved_as,
        "restored": [str(config)],
        "moved_aside": [{"from": str(output), "to": str(made.directory / "rolled-back"
                                                       / "config.yaml")}],
    }]}
    assert text == json.dumps(expected, indent=2) + "\n"
    assert (made.directory / "rollback.json").stat().st_mode & 0o777 == 0o600


def test_a_failed_rollback_and_the_one_after_are_both_in_the_log(tmp_path: Path) -> None:
    config = write(tmp_path / "deploy" / "config.toml", "server_port = 1\n")
    made = create_backup([config], root=tmp_path)
    shutil.rmtree(tmp_path / "deploy")
    write(tmp_path / "deploy", "in the way\n")
    with pytest.raises(BackupError):
        restore_backup(made)
    (tmp_path / "deploy").unlink()

    restore_backup(made)

    log = json.loads((made.directory / "rollback.json").read_text(encoding="utf-8"))
    assert [(event["complete"], event["restored"]) for event in log["rollbacks"]] == [
        (False, []), (True, [str(config)])]


def test_the_rollback_is_stamped_in_utc_whatever_the_local_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = create_backup([write(tmp_path / "config.toml", "x\n")], root=tmp_path)
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14 all year
    time.tzset()
    try:
        before = datetime.now(timezone.utc)
        restore_backup(made)
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
    log = json.loads((made.directory / "rollback.json").read_text(encoding="utf-8"))
    stamp = datetime.strptime(log["rollbacks"][0]["at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    # 14 hours apart if the local time were written; the rollback itself takes far less
    assert abs(stamp.replace(tzinfo=timezone.utc) - before) < timedelta(hours=1)


def test_what_cannot_be_saved_first_refuses_the_rollback_and_says_why(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", "server_port = 1\n")
    made = create_backup([config], root=tmp_path)
    config.unlink()
    config.mkdir()  # a directory where the file was: it cannot be backed up

    with pytest.raises(BackupError) as refused:
        restore_backup(made)

    assert str(refused.value) == (
        f"refusing to restore backup {made.id}, nothing was changed: what it would replace "
        f"cannot be saved first (cannot back up {config}: it is not a regular file)")
    assert config.is_dir()


def test_a_log_that_cannot_be_written_does_not_fail_a_done_rollback(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", "server_port = 1\n")
    made = create_backup([config], root=tmp_path)
    write(config, "edited\n")

    with read_only_directory(made.directory):
        result = restore_backup(made)

    assert result.restored == (config,)
    assert config.read_text(encoding="utf-8") == "server_port = 1\n"
    assert not (made.directory / "rollback.json").exists()


def test_a_rollback_stopped_midway_says_what_it_restored_and_moved(tmp_path: Path) -> None:
    first = write(tmp_path / "a.toml", "a = 1\n")
    second = write(tmp_path / "b.toml", "b = 1\n")
    third = write(tmp_path / "deploy" / "v1" / "c.toml", "c = 1\n")
    output, bridge = tmp_path / "config.yaml", tmp_path / "bridge.yaml"
    made = create_backup([first, second, third], root=tmp_path, generated=[output, bridge])
    write(output, "version: '2.0'\n")
    write(bridge, "providers: []\n")
    shutil.rmtree(tmp_path / "deploy")
    write(tmp_path / "deploy", "in the way\n")
    aside = made.directory / "rolled-back" / "config.yaml"
    bridge_aside = made.directory / "rolled-back" / "bridge.yaml"

    with pytest.raises(BackupError) as refused:
        restore_backup(made)

    saved = _saved_id(tmp_path)
    assert str(refused.value) == (
        f"cannot restore {third}: a part of {third.parent} is not a directory. Restored so far: "
        f"{first}, {second}; moved {output} to {aside}; moved {bridge} to {bridge_aside}. The "
        f"backed-up copies are intact, and what was there before is in set {saved}; fix the "
        "cause and roll back again.")
    text = (made.directory / "rollback.json").read_text(encoding="utf-8")
    [event] = json.loads(text)["rollbacks"]
    assert text == json.dumps({"format": "sekha-rollback-log", "version": 1, "rollbacks": [{
        "at": event["at"],
        "complete": False,
        "saved_as": saved,
        "restored": [str(first), str(second)],
        "moved_aside": [{"from": str(output), "to": str(aside)},
                        {"from": str(bridge), "to": str(bridge_aside)}],
    }]}, indent=2) + "\n"


def test_the_result_names_the_set_rolled_back(tmp_path: Path) -> None:
    made = create_backup([write(tmp_path / "config.toml", "x\n")], root=tmp_path)
    result = restore_backup(made)
    assert result.backup_id == made.id
    assert result.saved_as == _saved_id(tmp_path)


def test_a_log_damaged_after_the_set_was_loaded_refuses_the_rollback(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", "x\n")
    made = create_backup([config], root=tmp_path)
    log = write(made.directory / "rollback.json", '{"rollbacks": [1]}')
    write(config, "edited\n")

    with pytest.raises(BackupError) as refused:
        restore_backup(made)

    assert str(refused.value) == (f"the backup set {made.id} is damaged: {log} cannot be read "
                                  "(the list of rollbacks is malformed)")
    assert config.read_text(encoding="utf-8") == "edited\n"


def test_a_rollback_logged_by_an_older_version_counts_as_done(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", "x\n")
    made = create_backup([config], root=tmp_path)
    # older logs wrote neither "complete" nor "saved_as"
    write(made.directory / "rollback.json", '{"rollbacks": [{"at": "2026-01-01T00:00:00Z"}]}')
    write(config, "edited\n")

    with pytest.raises(BackupError) as refused:
        restore_backup(made)

    assert str(refused.value) == (f"the backup set {made.id} was rolled back already at "
                                  "2026-01-01T00:00:00Z, so it is not applied again")
    assert config.read_text(encoding="utf-8") == "edited\n"


def test_a_link_leading_out_to_nothing_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    config = write(project / "config.toml", "x\n")
    made = create_backup([config], root=project)
    gone = tmp_path / "gone.toml"
    config.unlink()
    os.symlink(gone, config)

    with pytest.raises(BackupError) as refused:
        restore_backup(made)

    assert str(refused.value) == (
        f"refusing to restore backup {made.id}, nothing was changed: {config} is a link to "
        f"{gone}, outside {project}, and rollback writes nothing outside it; the copy is "
        f"{made.directory / 'files' / 'config.toml'}")
    assert not os.path.lexists(gone)


def test_every_damaged_copy_is_named_in_one_refusal(tmp_path: Path) -> None:
    first = write(tmp_path / "a.toml", "a = 1\n")
    second = write(tmp_path / "b.toml", "b = 1\n")
    made = create_backup([first, second], root=tmp_path)
    for name in ("a.toml", "b.toml"):
        write(made.directory / "files" / name, "tampered\n")

    with pytest.raises(BackupError) as refused:
        restore_backup(made)

    assert str(refused.value) == (
        f"refusing to restore backup {made.id}, nothing was changed: the copy of {first} does "
        f"not match its recorded sha256; the copy of {second} does not match its recorded "
        "sha256")
