"""Compose files and .env values: interpolated exactly as docker compose does, each Sekha
service read as the program it runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import CliResult, write

from sekha_migrate.migrate.plan import MigrationRequest, plan_migration
from sekha_migrate.migrate.results import MigrationPlan
from sekha_migrate.sources.compose_doc import InterpolationError, interpolate

Run = Callable[..., CliResult]

SHELL = {"SET": "value", "EMPTY": ""}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${SET}", "value"),
        ("$SET/x", "value/x"),
        ("${UNSET}", ""),
        ("${UNSET:-dflt}", "dflt"),
        ("${EMPTY:-dflt}", "dflt"),  # `:-` treats empty as unset
        ("${EMPTY-dflt}", ""),  # `-` only unset
        ("${UNSET-dflt}", "dflt"),
        ("${SET:-dflt}", "value"),
        ("${SET:+alt}", "alt"),
        ("${EMPTY:+alt}", ""),
        ("${EMPTY+alt}", "alt"),
        ("${UNSET:-${SET}}", "value"),  # a default may hold a reference
        ("$${SET}", "${SET}"),  # $$ is a literal $
        ("cost $5", "cost $5"),  # a $ before no name stays
        ("a$$b", "a$b"),
        ("${SET?msg}", "value"),
        ("${EMPTY?msg}", ""),  # `?` only refuses unset
    ],
)
def test_interpolation_follows_docker_compose(text: str, expected: str) -> None:
    assert interpolate(text, SHELL).value == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${UNSET:?set it first}", "set it first"),
        ("${EMPTY:?no empty}", "no empty"),
        ("${UNSET?gone}", "gone"),
        ("${SET", "never closed"),
        ("${1BAD}", "not a variable name"),
        ("${SET:x}", "invalid interpolation"),
    ],
)
def test_interpolation_refuses_what_compose_refuses(text: str, message: str) -> None:
    with pytest.raises(InterpolationError, match=message):
        interpolate(text, SHELL)


def test_a_whole_value_reference_is_remembered() -> None:
    assert interpolate("${KEY:-}", {}).reference == "KEY"
    assert interpolate("$KEY", {}).reference == "KEY"
    assert interpolate("x${KEY}", {}).reference is None
    assert interpolate("${A}${B}", {}).reference is None


COMPOSE = """\
services:
  postgres:
    image: postgres:15
    environment:
      POSTGRES_PASSWORD: secret
  sekha-core:
    image: ghcr.io/sekha-ai/sekha-controller:latest
    env_file:
      - controller.env
      - path: missing.env
        required: false
    environment:
      - SEKHA__SERVER_PORT=${PORT:-8181}
      - SEKHA__MCP_API_KEY=${MCP_API_KEY}
      - SEKHA__LOG_LEVEL
  llm-bridge:
    image: ghcr.io/sekha-ai/sekha-llm-bridge:latest
    environment:
      SEKHA__PORT: 5002
      OLLAMA_BASE_URL: http://ollama:11434
      CHAT_MODEL: "qwen2.5:7b"
"""


def compose_plan(tmp_path: Path, environ: dict[str, str] | None = None,
                 compose: str = COMPOSE) -> MigrationPlan:
    write(tmp_path / "docker-compose.yml", compose)
    write(tmp_path / "controller.env", "SEKHA__DATABASE_URL=postgres://db/sekha\n"
          "SEKHA__SERVER_PORT=9000\n")
    write(tmp_path / ".env", "MCP_API_KEY=from-the-dotenv-0123456789abcdefghijkl\n")
    return plan_migration(MigrationRequest(directory=tmp_path, environ=environ or {},
                                           home=tmp_path / "home"))


def test_discovery_reads_each_sekha_service_of_a_compose_file(tmp_path: Path) -> None:
    plan = compose_plan(tmp_path, {"SEKHA__LOG_LEVEL": "debug"})
    data = yaml.safe_load(plan.text)
    assert plan.valid, plan.findings
    assert [s.path.name for s in plan.sources] == [".env", "docker-compose.yml"]
    assert data["server_port"] == 8181  # environment: wins over env_file:
    assert data["database_url"] == "postgres://db/sekha"  # from env_file:
    # environ sets SEKHA__LOG_LEVEL too, so this alone does not show that the bare name took
    # the shell's value: test_compose_doc_promises gives the variable to the shell only.
    assert data["log_level"] == "debug"
    # The controller reads the key from the service's SEKHA__MCP_API_KEY: it stays there.
    assert "mcp_api_key" not in data
    assert ("# mcp_api_key: set by SEKHA__MCP_API_KEY in docker-compose.yml:14 (the controller "
            "reads it from its environment)") in plan.text.splitlines()
    assert "from-the-dotenv" not in plan.text
    assert data["llm_providers"][0]["base_url"] == "http://ollama:11434"
    assert data["default_models"]["chat_smart"] == "qwen2.5:7b"
    assert plan.component_settings == {"bridge": {"server_port": 5002}}
    assert not any(r.origin.key == "POSTGRES_PASSWORD" for r in plan.reads)
    # The .env beside the compose file is compose's variables, not a second set of settings.
    dotenv = [r for r in plan.reads if Path(r.origin.file or "").name == ".env"]
    assert dotenv and all(r.setting is None and "interpolates" in (r.note or "")
                          for r in dotenv)
    port = [r for r in plan.reads if r.origin.key == "SEKHA__SERVER_PORT"][-1]
    assert (Path(port.origin.file or "").name, port.origin.line) == ("docker-compose.yml", 13)


def test_a_missing_required_env_file_is_an_error_with_its_line(tmp_path: Path) -> None:
    plan = compose_plan(tmp_path, compose=COMPOSE.replace("required: false", "required: true"))
    [issue] = [i for i in plan.findings if i.code == "env-file"]
    assert issue.line == 10
    assert "missing.env" in issue.message


def test_a_compose_file_without_sekha_services_is_refused(
    sekha_inprocess: Run, tmp_path: Path
) -> None:
    write(tmp_path / "compose.yaml", "services:\n  db:\n    image: postgres\n"
          "    environment: [POSTGRES_DB=x]\n")
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", "compose.yaml", cwd=tmp_path)
    assert result.exit_code == 1
    assert "no Sekha settings in compose.yaml (services db are not Sekha's)" in result.stderr


def test_a_env_given_alone_is_interpolated_too(tmp_path: Path) -> None:
    write(tmp_path / ".env", "HOSTNAME_=gpu\nOLLAMA_URL=http://${HOSTNAME_}:11434\n"
          "SEKHA__MCP_API_KEY=${VAULT_KEY}\nEMBEDDING_MODEL='${literal}'\n"
          "SEKHA__SERVER_PORT=${PORT:?give a port}\n")
    plan = plan_migration(MigrationRequest(directory=tmp_path, home=tmp_path / "home",
                                           environ={"VAULT_KEY": "v" * 40}))
    data = yaml.safe_load(plan.text)
    assert data["llm_providers"][0]["base_url"] == "http://gpu:11434"
    # dotenvy expands ${VAULT_KEY} in the .env the controller reads: the key stays there.
    assert "mcp_api_key" not in data
    assert plan.secrets == ()
    assert data["default_models"]["embedding"] == "${literal}"  # single quotes: literal
    [error] = [i for i in plan.findings if i.code == "interpolation"]
    assert (error.line, "give a port" in error.message) == (5, True)


def test_indexed_provider_names_set_one_field(tmp_path: Path) -> None:
    write(tmp_path / ".env", 'SEKHA__LLM_PROVIDERS=[{"id": "cloud", "type": "openai", '
          '"base_url": "https://api.openai.com/v1", "priority": 1, "models": [{"model_id": '
          '"text-embedding-3-small", "task": "embedding", "context_window": 8191, '
          '"dimension": 1536}, {"model_id": "gpt-4o", "task": "chat_smart", '
          '"context_window": 128000}]}]\n'
          "SEKHA__LLM_PROVIDERS__0__API_KEY=${OPENAI_KEY}\n"
          "SEKHA__LLM_PROVIDERS__0__PRIORITY=3\n"
          "SEKHA__LLM_PROVIDERS__5__API_KEY=x\n")
    plan = plan_migration(MigrationRequest(directory=tmp_path, home=tmp_path / "home",
                                           environ={"OPENAI_KEY": "sk-" + "o" * 40}))
    provider = yaml.safe_load(plan.text)["llm_providers"][0]
    assert provider["api_key"] == "${OPENAI_KEY}"
    assert provider["priority"] == 3
    [missing] = [i for i in plan.findings if i.code == "indexed-target-missing"]
    assert missing.line == 4


def test_a_bare_name_the_shell_does_not_set_is_unset_quietly(tmp_path: Path) -> None:
    plan = compose_plan(tmp_path)
    [read] = [r for r in plan.reads if r.origin.key == "SEKHA__LOG_LEVEL"]
    assert (read.setting, read.note) == ("log_level", "no value: unset")
    assert not [i for i in plan.findings if "SEKHA__LOG_LEVEL" in i.message
                and i.severity.value != "info"]
    assert yaml.safe_load(plan.text)["log_level"] == "info"
