"""How a new set and its copies are named, and what is refused while one is made, pinned to
the exact name and sentence: the set directory's name when one of that name exists, a copy's
name when two originals share a name, which files are skipped or refused, and what is said
when the set cannot be written.

Written against the mutants a mutation run (bench/mutation.py backup_create) found surviving
in _reserve_set_directory, _existing_files, _free_path and _write_in_set.
"""

from __future__ import annotations

import errno
import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import write

from sekha_migrate.backup import BackupError, create_backup, load_backup
from sekha_migrate.backup import create as backup_create
from sekha_migrate.io import WriteError

_NOW = datetime(2026, 12, 5, 7, 1, 2, 345678, tzinfo=timezone.utc)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def _stored_names(tmp_path: Path, files: list[Path]) -> list[str]:
    made = create_backup(files, root=tmp_path)
    return [entry.stored for entry in made.entries]


# _reserve_set_directory


def test_a_set_directory_is_named_by_its_moment_to_the_microsecond(tmp_path: Path) -> None:
    backup_id, directory, moment = backup_create._reserve_set_directory(tmp_path, _NOW)
    assert backup_id == "20261205T070102.345678Z"
    assert directory == tmp_path / "20261205T070102.345678Z"
    assert moment == _NOW
    assert sorted(os.listdir(tmp_path)) == ["20261205T070102.345678Z"]


def test_a_set_directory_is_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        _, directory, _ = backup_create._reserve_set_directory(tmp_path, _NOW)
    finally:
        os.umask(old)
    assert _mode(directory) == 0o700


def test_a_set_directory_is_private_from_the_moment_it_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modes: list[int] = []
    chmod = os.chmod

    def record_then_chmod(path: Path, mode: int) -> None:
        modes.append(_mode(path))
        chmod(path, mode)

    monkeypatch.setattr(os, "chmod", record_then_chmod)
    old = os.umask(0)
    try:
        backup_create._reserve_set_directory(tmp_path, _NOW)
    finally:
        os.umask(old)
    assert modes == [0o700]


def test_a_taken_name_moves_the_set_one_microsecond_on(tmp_path: Path) -> None:
    (tmp_path / "20261205T070102.345678Z").mkdir()
    backup_id, directory, moment = backup_create._reserve_set_directory(tmp_path, _NOW)
    assert backup_id == "20261205T070102.345679Z"
    assert directory == tmp_path / "20261205T070102.345679Z"
    assert moment == _NOW + timedelta(microseconds=1)


def test_two_taken_names_move_the_set_two_microseconds_on(tmp_path: Path) -> None:
    write(tmp_path / "20261205T070102.345678Z" / "keep", "a\n")
    (tmp_path / "20261205T070102.345679Z").mkdir()
    backup_id, _, moment = backup_create._reserve_set_directory(tmp_path, _NOW)
    assert backup_id == "20261205T070102.345680Z"
    assert moment == _NOW + timedelta(microseconds=2)
    assert (tmp_path / "20261205T070102.345678Z" / "keep").read_text(encoding="utf-8") == "a\n"


def test_the_id_of_a_set_that_had_to_move_is_the_one_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class FrozenClock(datetime):
        @classmethod
        def now(cls, tz: object = None) -> FrozenClock:
            return cls.fromtimestamp(_NOW.timestamp(), timezone.utc)

    monkeypatch.setattr(backup_create, "datetime", FrozenClock)
    first = create_backup([], root=tmp_path)
    second = create_backup([], root=tmp_path)
    assert first.id == "20261205T070102.345678Z"
    assert second.id == "20261205T070102.345679Z"
    assert load_backup(tmp_path, second.id).created == "2026-12-05T07:01:02.345679Z"


def test_a_set_that_cannot_be_made_is_named_with_why(tmp_path: Path) -> None:
    container = tmp_path / "missing"
    with pytest.raises(BackupError) as raised:
        backup_create._reserve_set_directory(container, _NOW)
    assert str(raised.value) == (
        f"cannot create the backup set {container / '20261205T070102.345678Z'}: "
        f"the directory {container} does not exist"
    )
    assert isinstance(raised.value.__cause__, FileNotFoundError)


def test_a_set_whose_mode_cannot_be_set_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: object, mode: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "chmod", refuse)
    with pytest.raises(PermissionError):
        backup_create._reserve_set_directory(tmp_path, _NOW)
    assert os.listdir(tmp_path) == []


def test_a_set_interrupted_while_its_mode_is_set_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(path: object, mode: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "chmod", interrupt)
    with pytest.raises(KeyboardInterrupt):
        backup_create._reserve_set_directory(tmp_path, _NOW)
    assert os.listdir(tmp_path) == []


def test_a_set_that_cannot_be_removed_after_a_failure_says_the_first_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: object, mode: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    def cannot_remove(path: object) -> None:
        raise OSError(16, "Device or resource busy")

    monkeypatch.setattr(os, "chmod", refuse)
    monkeypatch.setattr(os, "rmdir", cannot_remove)
    with pytest.raises(PermissionError) as raised:
        backup_create._reserve_set_directory(tmp_path, _NOW)
    assert raised.value.strerror == "Operation not permitted"


# _existing_files


def test_a_missing_file_is_skipped(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", "n = 1\n")
    made = create_backup([tmp_path / "absent.toml", config], root=tmp_path)
    assert [entry.original for entry in made.entries] == [config]


def test_a_file_under_a_file_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", "n = 1\n")
    made = create_backup([tmp_path / "config.toml" / "inner.toml"], root=tmp_path)
    assert made.entries == ()


def test_a_dangling_link_is_skipped(tmp_path: Path) -> None:
    os.symlink("absent.toml", tmp_path / "config.toml")
    made = create_backup([tmp_path / "config.toml"], root=tmp_path)
    assert made.entries == ()


def test_a_link_loop_is_refused_with_the_systems_words(tmp_path: Path) -> None:
    os.symlink("config.toml", tmp_path / "config.toml")
    with pytest.raises(BackupError) as raised:
        create_backup([tmp_path / "config.toml"], root=tmp_path)
    assert str(raised.value) == (
        f"cannot back up {tmp_path / 'config.toml'}: Too many levels of symbolic links")


def test_a_link_that_cannot_be_read_is_refused_with_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: object) -> str:
        raise PermissionError(errno.EACCES, "Permission denied")

    write(tmp_path / "config.toml", "n = 1\n")
    os.symlink("config.toml", tmp_path / "current.toml")
    monkeypatch.setattr(os, "readlink", refuse)
    with pytest.raises(BackupError) as raised:
        create_backup([tmp_path / "current.toml"], root=tmp_path)
    assert str(raised.value) == (
        f"cannot back up {tmp_path / 'current.toml'}: permission denied: the directory "
        f"{tmp_path} or the file is read-only for this user; fix the permissions or write "
        "somewhere else")
    assert isinstance(raised.value.__cause__, PermissionError)


def test_a_directory_is_refused_as_not_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    with pytest.raises(BackupError) as raised:
        create_backup([tmp_path / "conf.d"], root=tmp_path)
    assert str(raised.value) == f"cannot back up {tmp_path / 'conf.d'}: it is not a regular file"


def test_a_refused_file_leaves_no_set_behind(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    with pytest.raises(BackupError):
        create_backup([tmp_path / "conf.d"], root=tmp_path)
    assert not (tmp_path / ".sekha-backups").exists()


def test_a_relative_path_is_recorded_as_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "config.toml", "n = 1\n")
    monkeypatch.chdir(tmp_path)
    made = create_backup([Path("config.toml")], root=tmp_path)
    assert [entry.original for entry in made.entries] == [tmp_path / "config.toml"]


def test_a_file_given_twice_is_copied_once(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", "n = 1\n")
    assert _stored_names(tmp_path, [config, config]) == ["files/config.toml"]


def test_a_file_reached_through_a_linked_directory_too_is_kept_once_as_first_named(
    tmp_path: Path,
) -> None:
    write(tmp_path / "real" / "config.toml", "n = 1\n")
    os.symlink("real", tmp_path / "sub")
    made = create_backup([tmp_path / "sub" / "config.toml", tmp_path / "real" / "config.toml"],
                         root=tmp_path)
    assert [entry.original for entry in made.entries] == [tmp_path / "sub" / "config.toml"]


def test_a_link_and_its_target_are_two_entries(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", "n = 1\n")
    os.symlink("config.toml", tmp_path / "current.toml")
    made = create_backup([config, tmp_path / "current.toml"], root=tmp_path)
    assert [(entry.original, entry.link) for entry in made.entries] == [
        (config, None), (tmp_path / "current.toml", "config.toml")]
    assert [entry.stored for entry in made.entries] == ["files/config.toml",
                                                        "files/current.toml"]


def test_a_link_given_twice_is_one_entry(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", "n = 1\n")
    link = tmp_path / "current.toml"
    os.symlink("config.toml", link)
    made = create_backup([link, link], root=tmp_path)
    assert [(entry.original, entry.link) for entry in made.entries] == [(link, "config.toml")]


def test_two_links_to_one_file_are_two_entries(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", "n = 1\n")
    os.symlink("config.toml", tmp_path / "a.toml")
    os.symlink("config.toml", tmp_path / "b.toml")
    made = create_backup([tmp_path / "a.toml", tmp_path / "b.toml"], root=tmp_path)
    assert [entry.link for entry in made.entries] == ["config.toml", "config.toml"]


# _free_path (through the copies' names)


def test_originals_sharing_a_name_are_numbered_from_two(tmp_path: Path) -> None:
    files = [write(tmp_path / folder / "config.toml", f"n = {n}\n")
             for n, folder in enumerate(["a", "b", "c"], start=1)]
    made = create_backup(files, root=tmp_path)
    assert [entry.stored for entry in made.entries] == [
        "files/config.toml", "files/config-2.toml", "files/config-3.toml"]
    assert [(made.directory / entry.stored).read_text(encoding="utf-8")
            for entry in made.entries] == ["n = 1\n", "n = 2\n", "n = 3\n"]


def test_a_name_without_a_suffix_is_numbered_at_its_end(tmp_path: Path) -> None:
    files = [write(tmp_path / folder / "Sekhafile", "n = 1\n") for folder in ["a", "b"]]
    assert _stored_names(tmp_path, files) == ["files/Sekhafile", "files/Sekhafile-2"]


def test_a_name_with_two_dots_is_numbered_before_the_last(tmp_path: Path) -> None:
    files = [write(tmp_path / folder / "config.local.toml", "n = 1\n") for folder in ["a", "b"]]
    assert _stored_names(tmp_path, files) == [
        "files/config.local.toml", "files/config.local-2.toml"]


def test_a_hidden_name_is_numbered_at_its_end(tmp_path: Path) -> None:
    files = [write(tmp_path / folder / ".env", "KEY=1\n") for folder in ["a", "b"]]
    assert _stored_names(tmp_path, files) == ["files/.env", "files/.env-2"]


def test_a_hidden_name_with_a_suffix_is_numbered_at_its_end(tmp_path: Path) -> None:
    files = [write(tmp_path / folder / ".env.local", "KEY=1\n") for folder in ["a", "b"]]
    assert _stored_names(tmp_path, files) == ["files/.env.local", "files/.env.local-2"]


def test_a_name_ending_in_a_dot_keeps_its_dot_before_the_number(tmp_path: Path) -> None:
    files = [write(tmp_path / folder / "config.", "n = 1\n") for folder in ["a", "b"]]
    assert _stored_names(tmp_path, files) == ["files/config.", "files/config-2."]


def test_a_free_name_is_the_name_itself(tmp_path: Path) -> None:
    assert backup_create._free_path(tmp_path, "config.toml") == tmp_path / "config.toml"


def test_a_dangling_link_takes_its_name(tmp_path: Path) -> None:
    os.symlink("absent", tmp_path / "config.toml")
    assert backup_create._free_path(tmp_path, "config.toml") == tmp_path / "config-2.toml"


def test_a_numbered_name_already_taken_is_passed_over(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", "")
    write(tmp_path / "config-2.toml", "")
    os.symlink("absent", tmp_path / "config-3.toml")
    assert backup_create._free_path(tmp_path, "config.toml") == tmp_path / "config-4.toml"


# _write_in_set


def test_the_report_manifest_and_files_folder_are_private(tmp_path: Path) -> None:
    made = create_backup([write(tmp_path / "config.toml", "n = 1\n")], root=tmp_path,
                         report={"ok": True})
    assert _mode(made.directory / "report.json") == 0o600
    assert _mode(made.directory / "manifest.json") == 0o600
    assert _mode(made.directory / "files") == 0o700


def test_a_copy_keeps_the_mode_of_its_original(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", "n = 1\n")
    config.chmod(0o640)
    made = create_backup([config], root=tmp_path)
    assert _mode(made.directory / "files" / "config.toml") == 0o640


def test_a_write_refused_by_the_writer_is_named_as_the_backup(tmp_path: Path) -> None:
    (tmp_path / "files" / "config.toml").mkdir(parents=True)
    with pytest.raises(BackupError) as raised:
        backup_create._write_in_set(tmp_path / "files" / "config.toml", "n = 1\n")
    assert str(raised.value) == (
        f"cannot write the backup: cannot write {tmp_path / 'files' / 'config.toml'}: "
        "it is a directory, not a regular file; choose a file path")
    assert isinstance(raised.value.__cause__, WriteError)


def test_a_folder_that_cannot_be_made_is_named_with_why(tmp_path: Path) -> None:
    files = tmp_path / "set" / "files"
    with pytest.raises(BackupError) as raised:
        backup_create._write_in_set(files / "config.toml", "n = 1\n")
    assert str(raised.value) == (
        f"cannot write the backup to {files}: the directory {files} does not exist")
    assert isinstance(raised.value.__cause__, FileNotFoundError)


def test_a_file_in_place_of_the_folder_is_named_with_the_systems_words(tmp_path: Path) -> None:
    files = write(tmp_path / "files", "")
    with pytest.raises(BackupError) as raised:
        backup_create._write_in_set(files / "config.toml", "n = 1\n")
    assert str(raised.value) == f"cannot write the backup to {files}: File exists"
    assert isinstance(raised.value.__cause__, FileExistsError)


def test_a_second_file_is_written_into_an_existing_folder(tmp_path: Path) -> None:
    backup_create._write_in_set(tmp_path / "files" / "a.toml", "a = 1\n")
    backup_create._write_in_set(tmp_path / "files" / "b.toml", b"b = 2\n", mode=0o644)
    assert sorted(os.listdir(tmp_path / "files")) == ["a.toml", "b.toml"]
    assert (tmp_path / "files" / "b.toml").read_bytes() == b"b = 2\n"
    assert _mode(tmp_path / "files" / "a.toml") == 0o600
    assert _mode(tmp_path / "files" / "b.toml") == 0o644
