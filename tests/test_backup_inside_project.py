"""Which paths sekha may back up and restore: inside the project, outside its backups.

`inside_project` guards every write and restore (a manifest is untrusted input), so each
of its refusals is pinned by a path that only that refusal stops.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sekha_migrate.backup import inside_project


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    (project / ".sekha-backups" / "20261204T000000Z").mkdir(parents=True)
    (tmp_path / "project-other").mkdir()
    return project


@pytest.mark.parametrize(
    ("relative", "inside"),
    [
        ("config.yaml", True),
        ("sub/config.yaml", True),
        ("sub/new-dir/config.yaml", True),  # a directory not made yet, still inside
        (".sekha-backups-old/config.yaml", True),  # a name that only starts like it
        (".sekha-backups", False),
        (".sekha-backups/manifest.json", False),
        (".sekha-backups/20261204T000000Z/config.yaml", False),
        ("sub/../config.yaml", False),  # '..' is refused by name, before resolving
        ("../project-other/config.yaml", False),
    ],
)
def test_a_path_by_its_place_in_the_project(root: Path, relative: str, inside: bool) -> None:
    assert inside_project(root / relative, root) is inside


def test_a_sibling_whose_name_starts_with_the_projects_is_outside(root: Path) -> None:
    assert inside_project(root.parent / "project-other" / "config.yaml", root) is False


def test_the_project_directory_itself_is_no_file_inside_it(root: Path) -> None:
    assert inside_project(root, root) is False


def test_a_relative_path_is_refused_even_when_it_would_resolve_inside(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(root)
    assert inside_project(Path("config.yaml"), root) is False


def test_a_path_with_a_nul_byte_is_refused(root: Path) -> None:
    assert inside_project(Path(f"{root}/config\x00.yaml"), root) is False


def test_a_linked_directory_leading_out_is_outside(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, root / "linked")
    assert inside_project(root / "linked" / "config.yaml", root) is False


def test_a_linked_directory_leading_into_the_backups_is_outside(root: Path) -> None:
    os.symlink(root / ".sekha-backups", root / "innocent")
    assert inside_project(root / "innocent" / "manifest.json", root) is False


def test_a_project_reached_through_a_link_keeps_its_files_inside(
    root: Path, tmp_path: Path
) -> None:
    alias = tmp_path / "alias"
    os.symlink(root, alias)
    assert inside_project(root / "sub" / "config.yaml", alias) is True
    assert inside_project(alias / "sub" / "config.yaml", root) is True
