"""Each promise of the backup sets pinned to the exact file or value it gives, through the
public functions of sekha_migrate.backup only (so the tests hold however the module is split).

Written against the mutants a mutation run (bench/mutation.py backup) found surviving.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import write

from sekha_migrate import backup
from sekha_migrate.backup import (
    BackupError,
    BackupLockedError,
    BackupLookupError,
    create_backup,
    find_damaged_backups,
    list_backups,
    load_backup,
    restore_backup,
    stray_outputs,
    written_by_toolkit,
)
from sekha_migrate.backup import lock as backup_lock


def test_the_backups_directory_keeps_itself_out_of_git(tmp_path: Path) -> None:
    create_backup([write(tmp_path / "config.toml", "server_port = 1\n")], root=tmp_path)
    ignore = tmp_path / ".sekha-backups" / ".gitignore"
    assert ignore.read_text(encoding="utf-8") == "# Sekha backups may hold API keys.\n*\n"


def test_an_existing_gitignore_of_the_backups_is_left_as_it_is(tmp_path: Path) -> None:
    ignore = write(tmp_path / ".sekha-backups" / ".gitignore", "# mine\n*\n")
    create_backup([write(tmp_path / "config.toml", "x\n")], root=tmp_path)
    assert ignore.read_text(encoding="utf-8") == "# mine\n*\n"


def test_a_link_is_recorded_and_read_back_as_a_link(tmp_path: Path) -> None:
    write(tmp_path / "real.toml", "server_port = 1\n")
    os.symlink("real.toml", tmp_path / "config.toml")
    made = create_backup([tmp_path / "config.toml"], root=tmp_path)
    [entry] = load_backup(tmp_path, made.id).entries
    assert entry.link == "real.toml"
    assert entry.original == tmp_path / "config.toml"
    manifest = json.loads((made.directory / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"][0]["link"] == "real.toml"


def test_a_plain_file_is_read_back_without_a_link(tmp_path: Path) -> None:
    made = create_backup([write(tmp_path / "config.toml", "x\n")], root=tmp_path)
    [entry] = load_backup(tmp_path, made.id).entries
    assert entry.link is None


def test_the_pre_rollback_set_records_as_generated_exactly_what_was_absent(
    tmp_path: Path,
) -> None:
    original = write(tmp_path / "config.toml", "server_port = 1\n")
    output = tmp_path / "config.yaml"
    made = create_backup([original], root=tmp_path, generated=[output])
    original.unlink()  # gone before the rollback: the rollback will create it
    write(output, "version: '2.0'\n")  # there: the rollback will move it aside

    result = restore_backup(made)

    assert result.saved_as is not None
    saved = load_backup(tmp_path, result.saved_as)
    assert saved.kind == "pre-rollback"
    assert saved.undoes == made.id
    assert saved.generated == (original,)
    assert [entry.original for entry in saved.entries] == [output]
    assert original.read_text(encoding="utf-8") == "server_port = 1\n"


def test_a_rollback_replaces_a_link_in_the_way_and_leaves_its_target_alone(
    tmp_path: Path,
) -> None:
    original = write(tmp_path / "config.toml", "server_port = 1\n")
    made = create_backup([original], root=tmp_path)
    other = write(tmp_path / "other.toml", "someone else's\n")
    original.unlink()
    os.symlink("other.toml", original)  # a link appeared where the plain file was

    restore_backup(made)

    assert not original.is_symlink()
    assert original.read_text(encoding="utf-8") == "server_port = 1\n"
    assert other.read_text(encoding="utf-8") == "someone else's\n"


@pytest.mark.parametrize("position", [0, 1, 2])
def test_a_link_leading_out_of_the_project_is_refused_at_any_entry(
    tmp_path: Path, position: int
) -> None:
    project = tmp_path / "project"
    files = [write(project / f"f{n}.toml", f"n = {n}\n") for n in range(3)]
    made = create_backup(files, root=project)
    outside = write(tmp_path / "outside.txt", "not the project's\n")
    for path in files:
        write(path, "changed\n")
    files[position].unlink()
    os.symlink(outside, files[position])

    with pytest.raises(BackupError) as refused:
        restore_backup(made)

    assert str(refused.value).startswith(
        f"refusing to restore backup {made.id}, nothing was changed: {files[position]} is a "
        f"link to {outside}, outside {project}")
    assert outside.read_text(encoding="utf-8") == "not the project's\n"
    assert os.readlink(files[position]) == str(outside)
    others = [p.read_text(encoding="utf-8") for n, p in enumerate(files) if n != position]
    assert others == ["changed\n"] * 2
    assert [b.kind for b in list_backups(project)] == ["migration"]


def test_a_link_leading_out_to_the_same_bytes_is_restored_as_the_link(tmp_path: Path) -> None:
    project = tmp_path / "project"
    outside = write(tmp_path / "shared.toml", "n = 1\n")
    link = project / "config.toml"
    project.mkdir()
    os.symlink(outside, link)
    made = create_backup([link], root=project)
    link.unlink()
    write(link, "v2 took its place\n")

    restore_backup(made)

    assert os.readlink(link) == str(outside)
    assert outside.read_text(encoding="utf-8") == "n = 1\n"


# ---- what a migration wrote, and what a killed one left ---------------------------------------


def test_a_file_holding_exactly_what_a_migration_wrote_is_known_as_the_toolkits(
    tmp_path: Path,
) -> None:
    output = tmp_path / "config.yaml"
    other = tmp_path / "other.yaml"
    create_backup([], root=tmp_path, generated=[output], written={output: "version: '2.0'\n"})
    write(output, "version: '2.0'\n")
    write(other, "version: '2.0'\n")
    assert written_by_toolkit(tmp_path, output) is True
    assert written_by_toolkit(tmp_path, other) is False  # same bytes, another path
    write(output, "version: '2.0'\n# edited by hand\n")
    assert written_by_toolkit(tmp_path, output) is False
    assert written_by_toolkit(tmp_path / "elsewhere", output) is False  # no backups there


def test_strays_are_the_files_a_killed_migration_wrote_before_its_last(tmp_path: Path) -> None:
    first, second = tmp_path / "config.yaml", tmp_path / "bridge.yaml"
    create_backup([], root=tmp_path, generated=[first], written={first: "old\n"})
    newest = create_backup([], root=tmp_path, generated=[first, second],
                           written={first: "one\n", second: "two\n"})
    assert stray_outputs(tmp_path) == frozenset()  # nothing written yet
    write(first, "one\n")  # killed before bridge.yaml
    assert stray_outputs(tmp_path) == frozenset({first})
    write(second, "two\n")  # complete: no strays
    assert stray_outputs(tmp_path) == frozenset()
    second.unlink()
    restore_backup(newest)  # rolled back: no longer the newest migration
    write(first, "old\n")
    assert stray_outputs(tmp_path) == frozenset()


# ---- restoring ---------------------------------------------------------------------------------


def test_a_v2_file_in_the_originals_place_is_kept_aside_with_its_mode(tmp_path: Path) -> None:
    config = write(tmp_path / "config.yaml", "v1 style\n")
    made = create_backup([config], root=tmp_path, generated=[config])
    write(config, "version: '2.0'\n")
    config.chmod(0o640)

    result = restore_backup(made)

    [aside] = result.moved_to
    assert aside.read_text(encoding="utf-8") == "version: '2.0'\n"
    assert aside.stat().st_mode & 0o777 == 0o640
    assert aside.parent.stat().st_mode & 0o777 == 0o700
    assert config.read_text(encoding="utf-8") == "v1 style\n"


def test_a_generated_file_already_back_to_the_original_is_not_moved(tmp_path: Path) -> None:
    config = write(tmp_path / "config.yaml", "v1 style\n")
    made = create_backup([config], root=tmp_path, generated=[config])
    result = restore_backup(made)  # config.yaml still holds the original
    assert result.moved_aside == ()
    assert config.read_text(encoding="utf-8") == "v1 style\n"


def test_a_link_pointed_elsewhere_is_put_back_to_its_recorded_target(tmp_path: Path) -> None:
    write(tmp_path / "real.toml", "n = 1\n")
    write(tmp_path / "other.toml", "n = 2\n")
    link = tmp_path / "config.toml"
    os.symlink("real.toml", link)
    made = create_backup([link], root=tmp_path)
    link.unlink()
    os.symlink("other.toml", link)

    restore_backup(made)

    assert os.readlink(link) == "real.toml"
    assert (tmp_path / "other.toml").read_text(encoding="utf-8") == "n = 2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".sekha-backups", "config.toml", "other.toml", "real.toml"]


# ---- damaged sets --------------------------------------------------------------------------------


def test_a_damaged_set_is_named_with_why(tmp_path: Path) -> None:
    made = create_backup([write(tmp_path / "a.toml", "x\n")], root=tmp_path)
    manifest = made.directory / "manifest.json"
    manifest.write_text("[]", encoding="utf-8")
    [damaged] = find_damaged_backups(tmp_path)
    assert damaged.id == made.id
    assert damaged.reason == (f"the backup set {made.id} is damaged: {manifest} cannot be "
                              "read (not a Sekha backup manifest)")


def test_a_manifest_nested_too_deeply_is_said_to_be(tmp_path: Path) -> None:
    made = create_backup([write(tmp_path / "a.toml", "x\n")], root=tmp_path)
    manifest = made.directory / "manifest.json"
    manifest.write_text('{"format": "sekha-backup", "version": 2, "files": '
                        + "[" * 100000 + "]" * 100000 + "}", encoding="utf-8")
    [damaged] = find_damaged_backups(tmp_path)
    assert damaged.reason == (f"the backup set {made.id} is damaged: {manifest} cannot be "
                              "read (it is nested too deeply)")


def test_a_manifest_that_is_a_directory_is_named_by_the_systems_words(tmp_path: Path) -> None:
    made = create_backup([write(tmp_path / "a.toml", "x\n")], root=tmp_path)
    manifest = made.directory / "manifest.json"
    manifest.unlink()
    manifest.mkdir()
    [damaged] = find_damaged_backups(tmp_path)
    assert damaged.reason == (f"the backup set {made.id} is damaged: {manifest} cannot be "
                              "read (Is a directory)")


def test_when_everything_was_rolled_back_nothing_is_offered(tmp_path: Path) -> None:
    made = create_backup([write(tmp_path / "a.toml", "x\n")], root=tmp_path)
    restore_backup(made)
    with pytest.raises(BackupError) as nothing:
        load_backup(tmp_path)
    assert str(nothing.value) == (
        f"every migration backed up in {tmp_path / '.sekha-backups'} was rolled back "
        "already; nothing left to roll back (sekha rollback --list shows the sets)")


# ---- one writer at a time, and what a killed run left ---------------------------------------


def test_a_second_writer_is_told_which_process_holds_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 0.0)
    with (
        backup.exclusive_writer(tmp_path),
        pytest.raises(BackupLockedError) as refused,
        backup.exclusive_writer(tmp_path),
    ):
        pass
    assert str(refused.value) == (
        f"another sekha migrate or rollback (process {os.getpid()}) is writing in "
        f"{tmp_path}; nothing was changed: run again when it has finished")


def test_the_lock_cleans_exactly_what_a_killed_run_left(tmp_path: Path) -> None:
    made = create_backup([write(tmp_path / "config.toml", "x\n")], root=tmp_path)
    container = tmp_path / ".sekha-backups"
    unfinished = container / "20260101T000000.000000Z"
    write(unfinished / "files" / "config.toml", "half\n")
    hidden = container / ".kept"
    hidden.mkdir()
    stale = [
        write(tmp_path / ".config.yaml.0123abcd.tmp", "old format, no PID\n"),
        write(tmp_path / f".config.yaml.0123abcd.{os.getpid()}.tmp", "this process's\n"),
        write(container / ".x.0123abcd.tmp", "\n"),
        write(made.directory / ".manifest.json.0123abcd.tmp", "\n"),
        write(made.directory / "files" / ".config.toml.0123abcd.tmp", "\n"),
        write(made.directory / "rolled-back" / ".config.yaml.0123abcd.tmp", "\n"),
    ]
    kept = [
        write(tmp_path / ".config.yaml.0123abcd.1.tmp", "a live writer's (PID 1)\n"),
        write(tmp_path / "config.yaml.0123abcd.tmp", "no leading dot: not ours\n"),
        write(tmp_path / ".config.yaml.0123ABCD.tmp", "not hex: not ours\n"),
    ]
    (tmp_path / ".dir.0123abcd.tmp").mkdir()

    with backup.exclusive_writer(tmp_path):
        pass

    assert [path.exists() for path in stale] == [False] * len(stale)
    assert [path.exists() for path in kept] == [True] * len(kept)
    assert (tmp_path / ".dir.0123abcd.tmp").is_dir()
    assert not unfinished.exists()
    assert hidden.is_dir()
    assert (made.directory / "manifest.json").is_file()


def test_the_report_is_stored_as_indented_ascii_json(tmp_path: Path) -> None:
    made = create_backup([], root=tmp_path, report={"note": "é", "n": [1]})
    assert (made.directory / "report.json").read_text(encoding="utf-8") == (
        '{\n  "note": "\\u00e9",\n  "n": [\n    1\n  ]\n}\n')



def test_the_lock_file_is_private_and_names_its_holder(tmp_path: Path) -> None:
    lock = tmp_path / ".sekha-backups" / "lock"
    write(lock, "a much longer text left by an earlier holder\n")
    with backup.exclusive_writer(tmp_path):
        # byte 0 is the byte Windows locks, so the holder's PID is written after it
        assert lock.read_text(encoding="utf-8") == f"\n{os.getpid()}\n"
    (tmp_path / "fresh").mkdir()
    with backup.exclusive_writer(tmp_path / "fresh"):
        pass
    assert (tmp_path / "fresh" / ".sekha-backups" / "lock").stat().st_mode & 0o777 == 0o600


def test_a_directory_at_the_lock_is_refused(tmp_path: Path) -> None:
    lock = tmp_path / ".sekha-backups" / "lock"
    lock.mkdir(parents=True)
    with pytest.raises(BackupError) as refused, backup.exclusive_writer(tmp_path):
        pass
    assert str(refused.value).startswith(f"cannot open the lock {lock}: ")


@pytest.mark.parametrize("backup_id", ["", "a/b", ".hidden", "..", "x/.."])
def test_a_backup_id_is_one_plain_name(tmp_path: Path, backup_id: str) -> None:
    create_backup([write(tmp_path / "a.toml", "x\n")], root=tmp_path)
    with pytest.raises(BackupLookupError) as refused:
        load_backup(tmp_path, backup_id)
    assert str(refused.value) == f"{backup_id!r} is not a backup ID"


def test_what_a_migration_writes_may_be_given_as_bytes(tmp_path: Path) -> None:
    output = tmp_path / "config.yaml"
    create_backup([], root=tmp_path, generated=[output], written={output: b"version: 2\n"})
    output.write_bytes(b"version: 2\n")
    assert written_by_toolkit(tmp_path, output) is True


def test_a_link_out_with_unchanged_bytes_does_not_end_the_check_of_the_others(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    same = write(tmp_path / "same.toml", "n = 0\n")
    changed = write(tmp_path / "changed.toml", "n = 1\n")
    first, second = project / "a.toml", project / "b.toml"
    project.mkdir()
    os.symlink(same, first)
    os.symlink(changed, second)
    made = create_backup([first, second], root=project)
    write(changed, "someone else's now\n")

    with pytest.raises(BackupError) as refused:
        restore_backup(made)

    assert str(refused.value).startswith(
        f"refusing to restore backup {made.id}, nothing was changed: {second} is a link to "
        f"{changed}, outside {project}")
    assert changed.read_text(encoding="utf-8") == "someone else's now\n"
