"""CI guards that agree with a correct state: a re-run writes the output the way it was written.

After `migrate --externalize-secrets` (or `--target bridge`), `migrate --check` used to exit 1
and say to run a migrate that the overwrite guard then refused.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, CliResult

from sekha_migrate.report.migrate import _masked_diff

Sekha = Callable[..., CliResult]
EXAMPLE = ROOT / "fixtures" / "examples" / "v1-basic"


@pytest.fixture
def deployment(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "d")
    return tmp_path / "d"


@pytest.mark.parametrize("flags", [
    ("--externalize-secrets",),
    ("--externalize-secrets", "--secrets-file", "deploy-secrets.env"),
    ("--target", "bridge"),
    ("--target", "env"),
])
def test_check_passes_on_the_file_a_migration_just_wrote(
    sekha: Sekha, deployment: Path, flags: tuple[str, ...]
) -> None:
    assert sekha("migrate", *flags, "--yes", cwd=deployment).exit_code == 0
    output = "sekha.env" if "env" in flags else "config.yaml"
    written = (deployment / output).read_bytes()
    check = sekha("migrate", "--check", cwd=deployment)
    assert (check.exit_code, check.stdout, check.stderr) == (0, f"{output} is up to date\n", "")
    diff = sekha("migrate", "--diff", cwd=deployment)
    assert diff.exit_code == 0
    assert [line for line in diff.stdout.splitlines() if line.startswith(("--- ", "+++ "))] == []
    rerun = sekha("migrate", "--yes", cwd=deployment)
    assert rerun.exit_code == 0
    assert f"{output} already holds this configuration: nothing written." in rerun.stdout
    assert (deployment / output).read_bytes() == written


def test_check_of_an_externalized_file_sees_a_real_change(sekha: Sekha, deployment: Path) -> None:
    assert sekha("migrate", "--externalize-secrets", "--yes", cwd=deployment).exit_code == 0
    toml = deployment / "config.toml"
    toml.write_text(toml.read_text().replace('log_level = "info"', 'log_level = "debug"'))
    check = sekha("migrate", "--check", cwd=deployment)
    assert (check.exit_code, check.stderr) == (
        1, "config.yaml would change: run sekha-migrate migrate\n")
    diff = sekha("migrate", "--diff", cwd=deployment)
    changed = [line for line in diff.stdout.splitlines() if line.startswith(("-", "+"))
               and not line.startswith(("---", "+++", "--------------"))]
    assert changed == ["-log_level: info", "+log_level: debug"]
    # and the run --check asks for is not refused
    assert sekha("migrate", "--yes", cwd=deployment).exit_code == 0
    assert sekha("migrate", "--check", cwd=deployment).exit_code == 0


def test_a_file_sekha_did_not_write_is_not_taken_as_a_model(
    sekha: Sekha, deployment: Path
) -> None:
    assert sekha("migrate", "--externalize-secrets", "--yes", cwd=deployment).exit_code == 0
    text = (deployment / "config.yaml").read_text()
    (deployment / "config.yaml").write_text(text.replace("# Written by sekha migrate from",
                                                         "# Hand-written from"))
    assert sekha("migrate", "--check", cwd=deployment).exit_code == 1


def test_a_placeholder_shows_as_written_in_diffs() -> None:
    lines = ['-  - {id: openai, api_key: "${SEKHA_API_KEY}", priority: 2}\n',
             "+  - {id: openai, api_key: sk-abcdefghijkl, priority: 2}\n",
             '-    api_key: "${OPENAI_API_KEY}"\n',
             "+    api_key: '${OPENAI_API_KEY}'\n",
             "+    api_key: sk-live-123\n"]
    assert list(_masked_diff(lines, frozenset())) == [
        '-  - {id: openai, api_key: "${SEKHA_API_KEY}", priority: 2}\n',
        "+  - {id: openai, api_key: (secret changed), priority: 2}\n",
        '-    api_key: "${OPENAI_API_KEY}"\n',
        "+    api_key: '${OPENAI_API_KEY}'\n",
        "+    api_key: (secret changed)\n",
    ]
