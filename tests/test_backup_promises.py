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

from sekha_migrate.backup import (
    BackupError,
    create_backup,
    list_backups,
    load_backup,
    restore_backup,
)


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
