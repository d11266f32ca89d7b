"""v1's own loading rules, its refusals, and inputs that must give a finding rather than a
traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import CliResult, write

from sekha_migrate.migrate.plan import MigrationRequest, plan_migration
from sekha_migrate.migrate.results import MigrationPlan

Run = Callable[..., CliResult]

MINIMAL = 'embedding_model = "nomic-embed-text"\n'


def plan_files(tmp_path: Path, **options: object) -> MigrationPlan:
    options.setdefault("home", tmp_path / "home")
    return plan_migration(MigrationRequest(directory=tmp_path, **options))  # type: ignore[arg-type]


def codes(plan: MigrationPlan) -> dict[str, list[int | None]]:
    found: dict[str, list[int | None]] = {}
    for issue in plan.findings:
        found.setdefault(issue.code, []).append(issue.line)
    return found


def test_without_a_host_the_output_binds_loopback_as_v1_did(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", MINIMAL)
    assert yaml.safe_load(plan_files(tmp_path).text)["server_host"] == "127.0.0.1"
    write(tmp_path / "config.toml", MINIMAL + 'server_host = "0.0.0.0"\n')
    assert yaml.safe_load(plan_files(tmp_path).text)["server_host"] == "0.0.0.0"


def test_names_v1_never_read_are_carried_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", MINIMAL + "[server]\nport = 9090\n")
    write(tmp_path / ".env", "SEKHA_MAX_CONNECTIONS=20\nSEKHA__RATE_LIMIT_PER_MINUTE=50\n")
    plan = plan_files(tmp_path)
    data = yaml.safe_load(plan.text)
    assert (data["server_port"], data["max_connections"]) == (9090, 20)
    never = [i for i in plan.findings if i.code == "v1-never-read"]
    assert [(Path(i.file or "").name, i.line) for i in never] == [("config.toml", 3),
                                                                  (".env", 1)]
    assert all("ran with the default" in i.message and i.severity.value == "warning"
               for i in never)


def test_home_config_in_any_format_is_named_when_not_included(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", MINIMAL)
    write(tmp_path / "home/.sekha/config.yaml", "server_port: 8099\n")
    plan = plan_files(tmp_path)
    [issue] = [i for i in plan.findings if i.code == "home-config-not-included"]
    assert issue.file == str(tmp_path / "home/.sekha/config.yaml")
    included = plan_files(tmp_path, include_home=True)
    assert yaml.safe_load(included.text)["server_port"] == 8099


def test_without_home_v1s_fallback_to_the_working_directory_is_used(
    sekha_inprocess: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "config.toml", MINIMAL)
    write(tmp_path / ".sekha/config.toml", "server_port = 8097\n")
    monkeypatch.delenv("HOME", raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "home-config-not-included" in result.stderr  # v1 read ./.sekha/config.*
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", "--include-home",
                             cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "server_port: 8097" in result.stdout


def test_a_flat_key_of_an_older_release_is_carried(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", MINIMAL + "rest_rate_limit_per_minute = 77\n")
    assert yaml.safe_load(plan_files(tmp_path).text)["rate_limit_per_minute"] == 77


def test_writing_config_yaml_beside_a_v1_config_toml_is_warned_about(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", MINIMAL)
    assert "beside-v1-config" in codes(plan_files(tmp_path))
    other = plan_files(tmp_path, output=tmp_path / "v2" / "config.yaml")
    assert "beside-v1-config" not in codes(other)


def test_an_unknown_sekha_double_underscore_name_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path / ".env", "SEKHA__EMBEDING_MODEL=typo\nEMBEDDING_MODEL=all-minilm\n"
          "UNRELATED=1\n")
    plan = plan_files(tmp_path)
    severities = {i.message.split(" ")[0]: i.severity.value for i in plan.findings
                  if i.code == "unmappable-key"}
    assert severities == {"SEKHA__EMBEDING_MODEL": "warning", "UNRELATED": "info"}


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("config.toml", ""),
        ("config.yaml", "null\n"),
        ("config.yaml", "# only a comment\n"),
        # sekha-cli's own config.yaml: the same name, another program
        ("config.yaml", "api_url: http://localhost:8080\napi_key: sk-cli-key\n"),
        (".env", "POSTGRES_PASSWORD=x\nOPENAI_API_KEY=\n"),
    ],
)
def test_a_source_without_sekha_settings_is_refused(
    sekha_inprocess: Run, tmp_path: Path, name: str, text: str
) -> None:
    write(tmp_path / name, text)
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", name, cwd=tmp_path)
    assert result.exit_code == 1
    assert f"no Sekha settings in {name}" in result.stderr
    assert not (tmp_path / "config.yaml").exists() or name == "config.yaml"


def test_an_invalid_v2_file_exits_1_with_its_findings(sekha_inprocess: Run, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", "version: '2.0'\nllm_providers: []\n"
          "default_models:\n  embedding: x\n  chat_fast: y\n  chat_smart: z\n")
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", cwd=tmp_path)
    assert result.exit_code == 1
    assert "config.yaml:2" in result.stderr
    assert "nothing to do" not in result.stderr


def test_a_dialect_typo_is_reported_on_its_own_line(sekha_inprocess: Run, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", "providers:\n  - id: local\n    provider_type: ollama\n"
          "    base_url: http://ollama:11434\n    models:\n      - model_id: m\n"
          "        task: embeding\n        dimension: 768\n")
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", cwd=tmp_path)
    assert result.exit_code == 1
    assert "config.yaml:7:" in result.stderr  # the task typo, where it was written


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("config.toml", MINIMAL + "log_level = 07:32:00\n", 2),
        ("config.toml", MINIMAL + "summarization_model = 1979-05-27\n", 2),
        ("config.toml", MINIMAL + "when = 1979-05-27T07:32:00Z\nserver_port = x\n", None),
        ("config.toml", MINIMAL + "server_port = " + "9" * 5000 + "\n", 2),
        ("config.toml", MINIMAL + "additional_api_keys = " + "[" * 2000 + "]" * 2000 + "\n",
         2),
        (".env", "EMBEDDING_MODEL=m\nSEKHA__LLM_PROVIDERS=" + "[" * 100_000 + "\n", 2),
        (".env", "EMBEDDING_MODEL=m\nSEKHA__LLM_PROVIDERS=[" + "7" * 5000 + "]\n", 2),
        (".env", "EMBEDDING_MODEL=m\nSEKHA__DEFAULT_MODELS={" + '"a": 1, ' * 200_000
         + '"b": 2}\n', None),
        (".env", "SEKHA__SERVER_PORT=" + "1" * 5000 + "\n", 1),
    ],
)
def test_hostile_values_give_a_located_finding(
    sekha_inprocess: Run, tmp_path: Path, name: str, text: str, line: int | None
) -> None:
    write(tmp_path / name, text)
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", name, "--report", "r.json",
                             cwd=tmp_path)
    assert result.exit_code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    if line is not None:
        assert result.exit_code == 1
        assert f"{name}:{line}" in result.stderr
    assert len(result.stderr) < 20_000  # a giant value is not echoed whole
