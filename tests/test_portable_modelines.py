"""Editor modelines travel with the repository (issue 17, item 6): init and migrate name the
repository's copy of the schema relatively from the config's directory, or a URL given with
--schema-url, and never the schema inside this tool's installation."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from conftest import CliResult, write
from migrate_support import copy_fixture

from sekha_migrate.schema import schema_file, schema_text

Sekha = Callable[..., CliResult]
DOCKER_SCHEMA = "sekha-config-v2.schema.json"


def _repository(path: Path) -> Path:
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True, timeout=60)
    return path


def _first_line(path: Path) -> str:
    return path.read_text(encoding="utf-8").splitlines()[0]


def test_schema_output_writes_the_schema_into_the_repository(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    repo = _repository(tmp_path / "repo")
    result = sekha_inprocess("schema", "--output", f"schema/{DOCKER_SCHEMA}", cwd=repo)
    assert result.exit_code == 0
    assert (repo / "schema" / DOCKER_SCHEMA).read_text(encoding="utf-8") == schema_text()
    assert json.loads((repo / "schema" / DOCKER_SCHEMA).read_text())["type"] == "object"
    assert result.stdout == ""


def test_init_names_the_repositorys_schema_relatively_from_the_configs_directory(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    repo = _repository(tmp_path / "repo")
    sekha_inprocess("schema", "--output", f"schema/{DOCKER_SCHEMA}", cwd=repo)
    (repo / "deploy" / "prod").mkdir(parents=True)
    sekha_inprocess("init", "--template", "minimal", "-o", "deploy/prod/config.yaml", cwd=repo)
    sekha_inprocess("init", "--template", "minimal", "-o", "config.yaml", cwd=repo)
    assert _first_line(repo / "deploy" / "prod" / "config.yaml") == (
        f"# yaml-language-server: $schema=../../schema/{DOCKER_SCHEMA}")
    assert _first_line(repo / "config.yaml") == (
        f"# yaml-language-server: $schema=./schema/{DOCKER_SCHEMA}")


def test_the_modeline_works_from_a_clone_elsewhere(sekha_inprocess: Sekha, tmp_path: Path) -> None:
    """What one machine commits resolves on another: the reference leads to the same file
    from the clone's own directory."""
    repo = _repository(tmp_path / "repo")
    sekha_inprocess("schema", "--output", f"schema/{DOCKER_SCHEMA}", cwd=repo)
    (repo / "deploy").mkdir()
    sekha_inprocess("init", "--template", "minimal", "-o", "deploy/config.yaml", cwd=repo)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, timeout=60)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t",
                    "commit", "-qm", "x"], check=True, timeout=60)
    clone = tmp_path / "elsewhere" / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True, timeout=60)
    line = _first_line(clone / "deploy" / "config.yaml")
    reference = line.split("$schema=", 1)[1]
    assert (clone / "deploy" / reference).resolve() == (clone / "schema" / DOCKER_SCHEMA)
    assert str(tmp_path / "repo") not in line


def test_no_copy_and_no_url_means_no_modeline_never_the_installed_schema(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    repo = _repository(tmp_path / "repo")
    result = sekha_inprocess("init", "--template", "minimal", cwd=repo)
    text = (repo / "config.yaml").read_text(encoding="utf-8")
    assert "yaml-language-server" not in text
    assert schema_file().as_uri() not in text
    assert str(schema_file().parent) not in text
    assert result.stderr.splitlines()[-1] == (
        "No editor modeline: this repository has no copy of the schema. Write one with sekha "
        f"schema --output schema/{DOCKER_SCHEMA} (and commit it), then run this again; or pass "
        "--schema-url.")


def test_a_schema_outside_the_repository_is_not_named(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    write(tmp_path / "schema" / DOCKER_SCHEMA, schema_text())  # above the repository's root
    repo = _repository(tmp_path / "repo")
    sekha_inprocess("init", "--template", "minimal", cwd=repo)
    assert "yaml-language-server" not in (repo / "config.yaml").read_text(encoding="utf-8")


def test_migrate_names_the_repositorys_schema_and_a_url_wins(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    directory = copy_fixture("examples/v1-basic", tmp_path)
    subprocess.run(["git", "init", "-q", str(directory)], check=True, timeout=60)
    sekha_inprocess("schema", "-o", f"schema/{DOCKER_SCHEMA}", cwd=directory)
    default = sekha_inprocess("migrate", "--dry-run", "--dir", str(directory))
    assert default.stdout.splitlines()[0] == (
        f"# yaml-language-server: $schema=./schema/{DOCKER_SCHEMA}")
    url = "https://example.invalid/sekha.json"
    given = sekha_inprocess("migrate", "--dry-run", "--schema-url", url, "--dir", str(directory))
    assert given.stdout.splitlines()[0] == f"# yaml-language-server: $schema={url}"
    assert sekha_inprocess("migrate", "--yes", "--dir", str(directory)).exit_code == 0
    assert sekha_inprocess("migrate", "--check", "--dir", str(directory)).exit_code == 0
