"""What a new backup set holds, pinned to the exact file: the manifest's text, the paths it
records however the project was named, and the stored report."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from conftest import write

from sekha_migrate.backup import BackupError, create_backup, load_backup
from sekha_migrate.backup import create as backup_create
from sekha_migrate.io import WriteError, write_atomically


def test_the_manifest_is_indented_ascii_json_naming_files_as_in_the_project(
    tmp_path: Path,
) -> None:
    made = create_backup([write(tmp_path / "café.toml", "n = 1\n")], root=tmp_path,
                         generated=[tmp_path / "config.yaml"])
    [entry] = made.entries
    assert (made.directory / "manifest.json").read_text(encoding="utf-8") == (
        "{\n"
        '  "format": "sekha-backup",\n'
        '  "version": 2,\n'
        f'  "id": "{made.id}",\n'
        '  "kind": "migration",\n'
        '  "undoes": null,\n'
        f'  "created": "{made.created}",\n'
        '  "files": [\n'
        "    {\n"
        '      "original": "caf\\u00e9.toml",\n'
        '      "stored": "files/caf\\u00e9.toml",\n'
        '      "size": 6,\n'
        '      "mode": "0644",\n'
        f'      "sha256": "{entry.sha256}"\n'
        "    }\n"
        "  ],\n"
        '  "generated": [\n'
        '    "config.yaml"\n'
        "  ],\n"
        '  "written": {}\n'
        "}\n"
    )


def test_a_file_name_that_is_not_utf8_is_backed_up_and_read_back(tmp_path: Path) -> None:
    name = os.fsdecode(b"conf\xff.toml")
    made = create_backup([write(tmp_path / name, "n = 1\n")], root=tmp_path)
    [entry] = load_backup(tmp_path, made.id).entries
    assert entry.original == tmp_path / name


def test_files_named_through_another_spelling_of_the_project_are_recorded_inside_it(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    config = write(project / "home" / "config.toml", "n = 1\n")
    os.symlink(project, tmp_path / "link")
    made = create_backup([config], root=tmp_path / "link", generated=[project / "config.yaml"])
    manifest = load_backup(tmp_path / "link", made.id)
    assert [entry.original for entry in manifest.entries] == [
        tmp_path / "link" / "home" / "config.toml"]
    assert manifest.generated == (tmp_path / "link" / "config.yaml",)


def test_a_file_reached_through_a_linked_directory_keeps_the_links_spelling(
    tmp_path: Path,
) -> None:
    config = write(tmp_path / "real" / "config.toml", "n = 1\n")
    os.symlink("real", tmp_path / "sub")
    made = create_backup([tmp_path / "sub" / "config.toml"], root=tmp_path)
    [entry] = load_backup(tmp_path, made.id).entries
    assert entry.original == tmp_path / "sub" / "config.toml"
    assert config.read_text(encoding="utf-8") == "n = 1\n"


def test_a_report_holding_a_path_or_nan_is_stored_as_text(tmp_path: Path) -> None:
    made = create_backup([], root=tmp_path,
                         report={"file": Path("/srv/config.toml"), "ratio": float("nan")})
    assert (made.directory / "report.json").read_text(encoding="utf-8") == (
        '{\n  "file": "/srv/config.toml",\n  "ratio": ".nan"\n}\n')


# ---- _read_stored_copy, _read_original, _ensure_container


def planted_link_refusal(path: Path) -> str:
    """How sekha refuses a link it finds where it would write inside .sekha-backups/."""
    return (f"{path} is a symbolic link, which sekha never follows inside .sekha-backups/ (a "
            "repository may have planted it); nothing was changed: remove the link and run "
            "again")
# Each refusal pinned to its exact words and each branch to the exact file it leaves. The
# helpers are called directly where the public functions would only show them inside a
# longer sentence; the root user reads any file, so permission failures are simulated.


def _set_with_copy(tmp_path: Path, data: bytes = b"n = 1\n") -> Path:
    directory = tmp_path / "set"
    write(directory / "files" / "config.toml", data)
    return directory


def test_a_stored_copy_is_read_back_byte_for_byte(tmp_path: Path) -> None:
    directory = _set_with_copy(tmp_path, b"a\x00b\xff\n")
    assert backup_create._read_stored_copy(directory, "files/config.toml") == b"a\x00b\xff\n"


def test_a_stored_copy_named_outside_its_set_is_refused(tmp_path: Path) -> None:
    directory = _set_with_copy(tmp_path)
    write(tmp_path / "secret.toml", "key = 1\n")
    with pytest.raises(ValueError) as caught:
        backup_create._read_stored_copy(directory, "files/../../secret.toml")
    assert str(caught.value) == "is not inside the backup set"


def test_a_stored_copy_in_a_linked_directory_leading_out_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "set"
    directory.mkdir()
    write(tmp_path / "elsewhere" / "config.toml", "key = 1\n")
    os.symlink(tmp_path / "elsewhere", directory / "files")
    with pytest.raises(ValueError) as caught:
        backup_create._read_stored_copy(directory, "files/config.toml")
    assert str(caught.value) == "is not inside the backup set"


def test_a_set_reached_through_a_link_still_reads_its_copies(tmp_path: Path) -> None:
    directory = _set_with_copy(tmp_path)
    os.symlink(directory, tmp_path / "alias")
    assert backup_create._read_stored_copy(tmp_path / "alias", "files/config.toml") == (
        b"n = 1\n")


def test_a_stored_copy_that_is_a_link_is_refused_even_to_a_file_in_the_set(
    tmp_path: Path,
) -> None:
    directory = _set_with_copy(tmp_path)
    os.symlink("config.toml", directory / "files" / "other.toml")
    with pytest.raises(ValueError) as caught:
        backup_create._read_stored_copy(directory, "files/other.toml")
    assert str(caught.value) == "is a link, not a regular file"


def test_a_stored_copy_that_is_a_dangling_link_is_refused_as_a_link(tmp_path: Path) -> None:
    directory = _set_with_copy(tmp_path)
    os.symlink("gone.toml", directory / "files" / "other.toml")
    with pytest.raises(ValueError) as caught:
        backup_create._read_stored_copy(directory, "files/other.toml")
    assert str(caught.value) == "is a link, not a regular file"


def test_a_link_planted_after_the_check_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The link appears between the is_symlink check and the open: O_NOFOLLOW refuses it.
    directory = _set_with_copy(tmp_path)
    write(tmp_path / "secret.toml", "key = 1\n")
    os.symlink(tmp_path / "secret.toml", directory / "files" / "other.toml")
    monkeypatch.setattr(Path, "is_symlink", lambda self: False)
    with pytest.raises(OSError) as caught:
        backup_create._read_stored_copy(directory, "files/other.toml")
    assert caught.value.errno == errno.ELOOP


def test_a_stored_copy_that_is_a_fifo_is_refused_without_waiting_for_a_writer(
    tmp_path: Path,
) -> None:
    directory = _set_with_copy(tmp_path)
    os.mkfifo(directory / "files" / "other.toml")
    with pytest.raises(ValueError) as caught:
        backup_create._read_stored_copy(directory, "files/other.toml")
    assert str(caught.value) == "is not a regular file"


def test_a_stored_copy_that_is_missing_is_named_by_the_systems_words(tmp_path: Path) -> None:
    directory = _set_with_copy(tmp_path)
    with pytest.raises(OSError) as caught:
        backup_create._read_stored_copy(directory, "files/gone.toml")
    assert caught.value.errno == errno.ENOENT


def test_a_stored_copy_refused_at_verification_is_named_with_its_original(
    tmp_path: Path,
) -> None:
    config = write(tmp_path / "config.toml", "n = 1\n")
    made = create_backup([config], root=tmp_path)
    copy = made.directory / "files" / "config.toml"
    copy.unlink()
    os.mkfifo(copy)
    with pytest.raises(BackupError) as caught:
        backup_create._verify_copies(made.directory, made.entries)
    assert str(caught.value) == (
        f"the backup in {made.directory} failed verification: "
        f"the copy of {config} is not a regular file")


def test_an_original_is_read_with_its_permission_bits_only(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", "n = 1\n")
    os.chmod(config, 0o4640)  # setuid is not a permission to restore
    assert backup_create._read_original(config) == (b"n = 1\n", 0o640)


def test_an_original_with_every_permission_bit_keeps_them_all(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", b"\x00\xff")
    os.chmod(config, 0o7777)
    assert backup_create._read_original(config) == (b"\x00\xff", 0o777)


def test_a_backup_records_the_originals_mode(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", "n = 1\n")
    os.chmod(config, 0o1751)
    [entry] = create_backup([config], root=tmp_path).entries
    assert entry.mode == 0o751


def test_an_original_that_vanished_is_refused_naming_its_directory(tmp_path: Path) -> None:
    with pytest.raises(BackupError) as caught:
        backup_create._read_original(tmp_path / "gone" / "config.toml")
    assert str(caught.value) == (
        f"cannot read {tmp_path / 'gone' / 'config.toml'} to back it up: "
        f"the directory {tmp_path / 'gone'} does not exist")


def test_an_original_that_is_a_directory_is_refused_in_words(tmp_path: Path) -> None:
    (tmp_path / "config.toml").mkdir()
    with pytest.raises(BackupError) as caught:
        backup_create._read_original(tmp_path / "config.toml")
    assert str(caught.value) == (
        f"cannot read {tmp_path / 'config.toml'} to back it up: it is a directory, not a file")


def test_a_backup_root_that_is_a_file_is_refused(tmp_path: Path) -> None:
    root = write(tmp_path / "project", "x\n")
    with pytest.raises(BackupError) as caught:
        backup_create._ensure_container(root)
    assert str(caught.value) == f"cannot create a backup in {root}: it is not a directory"
    assert root.read_text(encoding="utf-8") == "x\n"


def test_a_backup_root_that_is_missing_is_refused_and_not_made(tmp_path: Path) -> None:
    with pytest.raises(BackupError) as caught:
        backup_create._ensure_container(tmp_path / "gone")
    assert str(caught.value) == (
        f"cannot create a backup in {tmp_path / 'gone'}: it is not a directory")
    assert os.path.lexists(tmp_path / "gone") is False


def test_the_backups_container_is_private_and_made_once(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        container = backup_create._ensure_container(tmp_path)
        assert container == tmp_path / ".sekha-backups"
        assert stat.S_IMODE(container.stat().st_mode) == 0o700
        assert backup_create._ensure_container(tmp_path) == container
    finally:
        os.umask(old)
    assert sorted(os.listdir(container)) == [".gitignore"]


def test_a_backups_container_that_is_a_link_is_refused_and_its_target_untouched(
    tmp_path: Path,
) -> None:
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / ".sekha-backups")
    with pytest.raises(BackupError) as caught:
        backup_create._ensure_container(tmp_path)
    assert str(caught.value) == planted_link_refusal(tmp_path / '.sekha-backups')
    assert os.listdir(tmp_path / "elsewhere") == []


def test_a_backups_container_that_is_a_dangling_link_is_refused_and_not_made(
    tmp_path: Path,
) -> None:
    os.symlink(tmp_path / "elsewhere", tmp_path / ".sekha-backups")
    with pytest.raises(BackupError) as caught:
        backup_create._ensure_container(tmp_path)
    assert str(caught.value) == planted_link_refusal(tmp_path / '.sekha-backups')
    assert os.path.lexists(tmp_path / "elsewhere") is False


def test_a_backups_container_that_is_a_file_is_refused_in_the_systems_words(
    tmp_path: Path,
) -> None:
    container = write(tmp_path / ".sekha-backups", "x\n")
    with pytest.raises(BackupError) as caught:
        backup_create._ensure_container(tmp_path)
    assert str(caught.value) == f"cannot create the backup directory {container}: File exists"
    assert container.read_text(encoding="utf-8") == "x\n"


def test_an_unwritable_project_is_told_which_directory_to_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(self: Path, mode: int = 0o777, parents: bool = False,
               exist_ok: bool = False) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", denied)
    with pytest.raises(BackupError) as caught:
        backup_create._ensure_container(tmp_path)
    assert str(caught.value) == (
        f"cannot create the backup directory {tmp_path / '.sekha-backups'}: permission denied: "
        f"the directory {tmp_path} or the file is read-only for this user; fix the permissions "
        "or write somewhere else")


def test_a_gitignore_that_is_a_link_is_refused_and_its_target_not_made(tmp_path: Path) -> None:
    container = tmp_path / ".sekha-backups"
    container.mkdir()
    os.symlink(tmp_path / "target", container / ".gitignore")
    with pytest.raises(BackupError) as caught:
        backup_create._ensure_container(tmp_path)
    assert str(caught.value) == planted_link_refusal(container / '.gitignore')
    assert os.path.lexists(tmp_path / "target") is False


def test_a_gitignore_link_planted_while_it_is_written_is_replaced_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def plant_then_write(
        path: Path, data: str | bytes, *, mode: int | None = None, follow_symlinks: bool = True
    ) -> None:
        os.symlink(tmp_path / "target", path)
        write_atomically(path, data, mode=mode, follow_symlinks=follow_symlinks)

    monkeypatch.setattr(backup_create, "write_atomically", plant_then_write)
    container = backup_create._ensure_container(tmp_path)
    assert os.path.lexists(tmp_path / "target") is False
    assert (container / ".gitignore").is_symlink() is False
    assert (container / ".gitignore").read_text(encoding="utf-8") == (
        "# Sekha backups may hold API keys.\n*\n")


def test_a_gitignore_that_cannot_be_written_is_said_with_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(
        path: Path, data: str | bytes, *, mode: int | None = None, follow_symlinks: bool = True
    ) -> None:
        raise WriteError(Path(path), "no space left on device; free some space and run again")

    monkeypatch.setattr(backup_create, "write_atomically", full_disk)
    container = tmp_path / ".sekha-backups"
    with pytest.raises(BackupError) as caught:
        backup_create._ensure_container(tmp_path)
    assert str(caught.value) == (
        f"cannot create the backup directory {container}: cannot write "
        f"{container / '.gitignore'}: no space left on device; free some space and run again")
