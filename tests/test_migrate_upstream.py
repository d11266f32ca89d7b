"""Sekha's own published v1 files (fixtures/v1-upstream, see its PROVENANCE.md) migrate
the way Sekha read them: each to exit 0, or exit 1 with a finding a user can act on."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CliResult
from migrate_support import FIXTURES

from sekha_migrate.migrate.plan import MigrationRequest, plan_migration
from sekha_migrate.migrate.results import KeyStatus, MigrationPlan

Run = Callable[..., CliResult]

UPSTREAM = FIXTURES / "v1-upstream"
FILES = sorted(path for path in UPSTREAM.glob("*/*") if path.is_file())
# The one file that is really incomplete without the shell it was written for.
NEEDS_A_VARIABLE = {"docker-compose.local.yml": "MCP_API_KEY"}


def plan_of(fixture: str, tmp_path: Path, environ: dict[str, str] | None = None
            ) -> MigrationPlan:
    directory = tmp_path / fixture.split("/")[0]
    shutil.copytree(UPSTREAM / fixture.split("/")[0], directory)
    return plan_migration(MigrationRequest(
        sources=(directory / fixture.split("/")[1],), directory=directory,
        environ=environ or {}, home=tmp_path / "home",
    ))


def output(plan: MigrationPlan) -> Any:
    return yaml.safe_load(plan.text)


def test_the_provenance_names_every_upstream_file() -> None:
    provenance = (UPSTREAM / "PROVENANCE.md").read_text()
    assert len(FILES) >= 20
    for path in FILES:
        assert f"| {path.parent.name}/{path.name} | sekha-ai/" in provenance, path


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_upstream_file_migrates(sekha_inprocess: Run, path: Path, tmp_path: Path) -> None:
    directory = tmp_path / path.parent.name
    shutil.copytree(path.parent, directory)
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", str(directory / path.name),
                             cwd=directory)
    needed = NEEDS_A_VARIABLE.get(path.name)
    if needed is None:
        assert result.exit_code == 0, result.stderr
        assert yaml.safe_load(result.stdout)["version"] == "2.0"
    else:
        assert result.exit_code == 1
        assert f"required variable {needed} is missing a value" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_name_sekha_uses_is_called_not_a_sekha_setting(tmp_path: Path) -> None:
    sekha_names = {
        "ollama.url", "ollama.model", "ollama.embedding_model", "logging.level",
        "BRIDGE_URL", "LLM_PROVIDERS", "DEFAULT_MODELS", "SEKHA__LLM_PROVIDERS",
        "SEKHA__DEFAULT_MODELS", "OLLAMA_TIMEOUT", "OLLAMA_BASE_URL", "SEKHA_OLLAMA_BASE_URL",
        "SEKHA_DEFAULT_EMBED_MODEL", "SEKHA_DEFAULT_SUMMARIZE_MODEL", "HOST", "PORT",
        "SEKHA__CIRCUIT_BREAKER__RESET_TIMEOUT", "SEKHA__ROUTING__AUTO_FALLBACK",
    }
    seen = set()
    for path in FILES:
        if path.name in NEEDS_A_VARIABLE:
            continue
        plan = plan_of(f"{path.parent.name}/{path.name}", tmp_path / path.parent.name)
        for read in plan.reads:
            if read.origin.key in sekha_names:
                seen.add(read.origin.key)
                assert read.note != "not a Sekha setting", read
                assert read.setting is not None or read.status is not KeyStatus.UNMAPPABLE \
                    or read.note, read
    assert seen == sekha_names


def test_compose_v2_carries_the_bridges_providers_and_log_level(tmp_path: Path) -> None:
    plan = plan_of("docker-docker-compose.v2/docker-compose.v2.yml", tmp_path)
    data = output(plan)
    assert plan.valid, plan.findings
    [provider] = data["llm_providers"]
    assert (provider["id"], provider["base_url"]) == ("ollama_local", "http://ollama:11434")
    assert [m["task"] for m in provider["models"]] == ["embedding", "chat_small", "chat_smart"]
    assert plan.provenance["$.llm_providers"].line == 99
    bridge = plan.component_settings["bridge"]
    assert bridge["log_level"] == "info"  # ${LOG_LEVEL:-info}
    assert plan.component_provenance["bridge"]["log_level"].line == 96
    # The bridge's own port stays the bridge's; the controller keeps its default.
    assert bridge["server_port"] == 5001 and data["server_port"] == 8080
    assert data["routing"]["circuit_breaker"]["failure_threshold"] == 5  # ${CB_...:-5}
    assert data["routing"]["max_cost_per_request"] == 0.1
    assert data["llm_bridge_url"] == "http://bridge:5001"  # the controller's BRIDGE_URL
    assert bridge["cb_half_open_timeout"] == 30


def test_compose_v2_takes_values_from_the_env_beside_it(tmp_path: Path) -> None:
    directory = tmp_path / "docker-docker-compose.v2"
    shutil.copytree(UPSTREAM / directory.name, directory)
    shutil.copy(UPSTREAM / "docker-env-v2/.env.v2.example", directory / ".env")
    (directory / ".env").write_text((directory / ".env").read_text().replace(
        "LOG_LEVEL=info", "LOG_LEVEL=debug").replace("CB_FAILURE_THRESHOLD=5",
                                                     "CB_FAILURE_THRESHOLD=7"))
    plan = plan_migration(MigrationRequest(sources=(directory / "docker-compose.v2.yml",),
                                           directory=directory, home=tmp_path))
    assert plan.component_settings["bridge"]["log_level"] == "debug"
    assert output(plan)["routing"]["circuit_breaker"]["failure_threshold"] == 7
    # The shell wins over the .env, as with docker compose.
    plan = plan_migration(MigrationRequest(
        sources=(directory / "docker-compose.v2.yml",), directory=directory, home=tmp_path,
        environ={"LOG_LEVEL": "error"}))
    assert plan.component_settings["bridge"]["log_level"] == "error"


def test_the_bridge_env_port_is_the_bridges_not_the_controllers(tmp_path: Path) -> None:
    for fixture in ("bridge-env-868d13d/.env.example", "bridge-env-da6b9b2/.env.example",
                    "bridge-env-f392fdd/.env.example"):
        plan = plan_of(fixture, tmp_path / fixture.split("/")[0])
        data = output(plan)
        assert plan.component_settings["bridge"]["server_port"] == 5001, fixture
        assert data["server_port"] == 8080 and data["server_host"] == "127.0.0.1", fixture
        ports = [r for r in plan.reads if r.origin.key in ("SEKHA_PORT", "PORT")]
        assert ports and all(r.component == "bridge" for r in ports)
        assert all(r.targets == ("bridge.server_port",) for r in ports
                   if r.status is KeyStatus.MAPPED)


def test_bridge_env_models_and_ollama_timeout(tmp_path: Path) -> None:
    plan = plan_of("bridge-env-da6b9b2/.env.example", tmp_path)
    provider = output(plan)["llm_providers"][0]
    assert provider["timeout"] == 120  # OLLAMA_TIMEOUT is this provider's timeout
    assert provider["base_url"] == "http://localhost:11434"
    plan = plan_of("bridge-env-868d13d/.env.example", tmp_path / "old")
    tasks = {m["task"]: m["model_id"] for m in output(plan)["llm_providers"][0]["models"]}
    assert tasks["embedding"] == "nomic-embed-text"  # SEKHA_DEFAULT_EMBED_MODEL
    assert tasks["chat_small"] == "ollama/llama3.1"  # SEKHA_DEFAULT_SUMMARIZE_MODEL


def test_empty_vision_model_means_none(tmp_path: Path) -> None:
    plan = plan_of("bridge-env-f392fdd/.env.example", tmp_path)
    assert plan.valid, plan.findings
    data = output(plan)
    assert data["default_models"]["chat_vision"] is None
    assert "vision" not in {m["task"] for m in data["llm_providers"][0]["models"]}
    assert data["default_models"]["chat_smart"] == "llama3.1:8b"  # CHAT_MODEL


def test_controller_bridge_timeout_is_not_a_provider_timeout(tmp_path: Path) -> None:
    plan = plan_of("controller-config-3bfee75/config.toml", tmp_path)
    assert output(plan)["llm_providers"][0]["timeout"] == 120
    assert plan.component_settings["controller"]["llm_bridge_timeout"] == 30
    [read] = [r for r in plan.reads if r.origin.key == "llm_bridge.timeout_secs"]
    assert read.status is KeyStatus.UNMAPPABLE and read.component == "controller"
    assert "not a provider timeout" in (read.note or "")


def test_config_prod_tables_are_carried(tmp_path: Path) -> None:
    plan = plan_of("docker-config-prod-cd4b028/config.prod.toml", tmp_path)
    data = output(plan)
    provider = data["llm_providers"][0]
    assert provider["base_url"] == "http://host.docker.internal:11434"  # [ollama] url
    assert data["default_models"]["chat_fast"] == "llama3.1:8b"  # [ollama] model
    plan = plan_of("docker-k8s-configmap/config.toml", tmp_path / "k8s")
    assert output(plan)["llm_providers"][0]["base_url"] == "http://ollama:11434"
    level = [r for r in plan.reads if r.origin.key == "logging.level"]
    assert level[0].targets == ("$.log_level",)


def test_compose_secrets_stay_references(tmp_path: Path) -> None:
    plan = plan_of("docker-docker-compose.prod/docker-compose.prod.yml", tmp_path,
                   environ={"MCP_API_KEY": "a-real-key-from-the-shell-0123456789abcdef"})
    data = output(plan)
    assert "mcp_api_key" not in data  # SEKHA__MCP_API_KEY in the service sets it
    assert ("# mcp_api_key: set by SEKHA__MCP_API_KEY in docker-compose.prod.yml:19 (the "
            "controller reads it from its environment)") in plan.text.splitlines()
    assert "a-real-key-from-the-shell" not in plan.text
    assert plan.valid, plan.findings
    # The proxy's settings are the proxy's.
    assert plan.component_settings["proxy"]["proxy_port"] == "8081"
    assert plan.component_settings["bridge"]["server_port"] == 5001


def test_compose_required_variable_from_the_shell_completes_it(tmp_path: Path) -> None:
    plan = plan_of("docker-docker-compose.local/docker-compose.local.yml", tmp_path,
                   environ={"MCP_API_KEY": "k" * 40})
    assert plan.valid, plan.findings
    assert "mcp_api_key" not in output(plan)
    assert plan.secrets == ()


def test_the_summary_names_the_bridge_as_the_ports_home(
    sekha_inprocess: Run, tmp_path: Path
) -> None:
    directory = tmp_path / "bridge"
    shutil.copytree(UPSTREAM / "bridge-env-868d13d", directory)
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", ".env.example", cwd=directory)
    assert result.exit_code == 0, result.stderr
    [line] = [line for line in result.stderr.splitlines() if "SEKHA_PORT" in line]
    assert line.split()[-1] == "bridge.server_port"
    assert "server_port: 8080" in result.stdout
