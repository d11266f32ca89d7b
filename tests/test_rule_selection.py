"""`validate --select / --ignore` and the project's config file: which codes a run reports."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CliResult, write

from sekha_migrate.validate.selection import RuleSelection, SelectionLayer

Sekha = Callable[..., CliResult]
CODE = re.compile(r"\[([a-z][a-z0-9-]*)\]")

# Findings of five codes: literal-secret (warning), unresolved-variable (info),
# schema-required (error: no embedding default), unknown-default-model (info, twice),
# unknown-key (warning).
CONFIG = """\
version: "2.0"
llm_providers:
  - id: openai
    type: openai
    base_url: https://api.openai.com/v1
    api_key: sk-abcdefghijklmnopqrstuvwxyz123456
    priority: 1
    models:
      - {model_id: "${CHAT_MODEL}", task: chat_small, context_window: 8192}
default_models:
  chat_fast: gpt-4o-mini
  chat_smart: gpt-4o-mini
telemetry_backend: honeycomb
"""


def codes(result: CliResult) -> list[str]:
    """The codes of the text report's finding lines, in order."""
    return [CODE.findall(line)[0] for line in result.stdout.splitlines()
            if line.startswith("  c.yaml:")]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path / "c.yaml", CONFIG)
    return tmp_path


def test_without_selection_every_code_is_reported(sekha: Sekha, project: Path) -> None:
    result = sekha("validate", "c.yaml", cwd=project)
    assert (result.exit_code, codes(result)) == (
        1, ["literal-secret", "unresolved-variable", "schema-required", "unknown-default-model",
            "unknown-default-model", "unknown-key"])


def test_ignore_leaves_the_code_out_of_output_and_exit_code(sekha: Sekha, project: Path) -> None:
    result = sekha("validate", "c.yaml", "--ignore", "unknown-default-model,schema-required",
                   "--ignore", "unknown-key", cwd=project)
    assert codes(result) == ["literal-secret", "unresolved-variable"]
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "✓ 1 file valid (0 errors, 1 warning, 1 note)"
    json_summary = sekha("validate", "c.yaml", "--ignore", "unknown-,schema-,literal-",
                         "--format", "json", cwd=project)
    assert json.loads(json_summary.stdout)["summary"] == {
        "files": 1, "valid_files": 1, "invalid_files": 0, "valid": True, "errors": 0,
        "warnings": 0, "infos": 1, "skipped_files": 0}


def test_select_reports_only_the_codes_named(sekha: Sekha, project: Path) -> None:
    result = sekha("validate", "c.yaml", "--select", "unknown-key", "--strict", cwd=project)
    assert (result.exit_code, codes(result)) == (1, ["unknown-key"])


def test_a_prefix_names_every_code_it_starts(sekha: Sekha, project: Path) -> None:
    assert codes(sekha("validate", "c.yaml", "--select", "unknown-", cwd=project)) == [
        "unknown-default-model", "unknown-default-model", "unknown-key"]
    assert codes(sekha("validate", "c.yaml", "--ignore", "unknown-,schema-", cwd=project)) == [
        "literal-secret", "unresolved-variable"]


def test_the_longest_matching_pattern_decides(sekha: Sekha, project: Path) -> None:
    result = sekha("validate", "c.yaml", "--select", "unknown-", "--ignore", "unknown-key",
                   cwd=project)
    assert codes(result) == ["unknown-default-model", "unknown-default-model"]
    result = sekha("validate", "c.yaml", "--ignore", "unknown-", "--select", "unknown-key",
                   cwd=project)
    assert codes(result) == ["unknown-key"]


@pytest.mark.parametrize(("flag", "pattern", "message"), [
    ("--ignore", "unknwn-key", "sekha validate: --ignore: 'unknwn-key' is no finding code or "
     "prefix of one (did you mean 'unknown-key'?); `sekha explain CODE` describes a code"),
    ("--select", "schema-typo", "sekha validate: --select: 'schema-typo' is no finding code or "
     "prefix of one (did you mean 'schema-type'?); `sekha explain CODE` describes a code"),
    ("--select", "zzz", "sekha validate: --select: 'zzz' is no finding code or prefix of one; "
     "`sekha explain CODE` describes a code"),
])
def test_a_pattern_that_names_no_code_is_a_usage_error(
    sekha: Sekha, project: Path, flag: str, pattern: str, message: str
) -> None:
    result = sekha("validate", "c.yaml", flag, pattern, cwd=project)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message + "\n")


def test_pyproject_settings_apply_from_a_subdirectory(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.sekha-migrate]\n'
          'ignore = ["unknown-", "schema-"]\n')
    write(tmp_path / "deploy" / "c.yaml", CONFIG)
    result = sekha("validate", "c.yaml", cwd=tmp_path / "deploy")
    assert (result.exit_code, codes(result)) == (0, ["literal-secret", "unresolved-variable"])


def test_dedicated_file_wins_over_pyproject_in_its_directory(
    sekha: Sekha, project: Path
) -> None:
    write(project / "pyproject.toml", '[tool.sekha-migrate]\nselect = ["literal-secret"]\n')
    write(project / ".sekha-migrate.toml", 'select = ["unknown-key"]\n')
    assert codes(sekha("validate", "c.yaml", cwd=project)) == ["unknown-key"]


def test_nearest_directory_wins_and_a_pyproject_without_the_table_is_passed_over(
    sekha: Sekha, tmp_path: Path
) -> None:
    write(tmp_path / ".sekha-migrate.toml", 'select = ["unknown-key"]\n')
    write(tmp_path / "a" / "pyproject.toml", '[tool.ruff]\nline-length = 99\n')
    write(tmp_path / "a" / "b" / "c.yaml", CONFIG)
    assert codes(sekha("validate", "c.yaml", cwd=tmp_path / "a" / "b")) == ["unknown-key"]
    write(tmp_path / "a" / "pyproject.toml", '[tool.sekha-migrate]\nselect = ["literal"]\n')
    assert codes(sekha("validate", "c.yaml", cwd=tmp_path / "a" / "b")) == ["literal-secret"]


def test_command_line_wins_over_the_file(sekha: Sekha, project: Path) -> None:
    write(project / ".sekha-migrate.toml", 'select = ["unknown-key"]\nignore = ["literal-"]\n')
    # --select starts over: the file's select and ignore no longer apply
    assert codes(sekha("validate", "c.yaml", "--select", "literal-secret", cwd=project)) == [
        "literal-secret"]
    # --ignore alone takes away from what the file kept
    assert codes(sekha("validate", "c.yaml", "--ignore", "unknown-key", cwd=project)) == []


@pytest.mark.parametrize(("text", "message"), [
    ("select = [", "is not valid TOML: "),
    ("ignor = []\n", ": unknown setting 'ignor' (did you mean 'ignore'?); the settings are "
     "select and ignore"),
    ('ignore = "unknown-key"\n', ': ignore must be a list of finding codes, e.g. '
     '["unresolved-variable", "schema-"]'),
    ('select = ["unknwn-key"]\n', ": select: 'unknwn-key' is no finding code or prefix of one "
     "(did you mean 'unknown-key'?)"),
])
def test_a_wrong_config_file_is_a_usage_error(
    sekha: Sekha, project: Path, text: str, message: str
) -> None:
    write(project / ".sekha-migrate.toml", text)
    result = sekha("validate", "c.yaml", cwd=project)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"sekha validate: {project / '.sekha-migrate.toml'}")
    assert message in result.stderr


def test_selection_resolves_layers_as_ruff_does() -> None:
    file_layer = SelectionLayer(select=("unknown-",), ignore=("unknown-key",))
    assert [RuleSelection((file_layer,)).reports(c) for c in
            ("unknown-key", "unknown-default-model", "syntax")] == [False, True, False]
    only_ignore = SelectionLayer(ignore=("syntax",))
    both = RuleSelection((file_layer, only_ignore))
    assert [both.reports(c) for c in ("unknown-default-model", "syntax")] == [True, False]
    tie = RuleSelection((SelectionLayer(select=("syntax",), ignore=("syntax",)),))
    assert tie.reports("syntax") is False


@pytest.mark.parametrize("pyproject", [
    '[tool.sekha-migrate]\nselect = ["unknown-key"]\n',
    '[tool."sekha-migrate"]\nselect = ["unknown-key"]\n',
    'tool.sekha-migrate.select = ["unknown-key"]\n',
    '[tool]\nsekha-migrate = {select = ["unknown-key"]}\n',
])
def test_every_toml_spelling_of_the_table_is_read(
    sekha: Sekha, project: Path, pyproject: str
) -> None:
    write(project / "pyproject.toml", pyproject + '\n[project.scripts]\nsekha-migrate = "x:y"\n')
    assert codes(sekha("validate", "c.yaml", cwd=project)) == ["unknown-key"]
