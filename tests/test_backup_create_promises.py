"""What a new backup set holds, pinned to the exact file: the manifest's text, the paths it
records however the project was named, and the stored report."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import write

from sekha_migrate.backup import create_backup, load_backup


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
