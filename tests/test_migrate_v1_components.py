"""v1 read as v1 ran: an environment without a service name goes to the program its names
say (and the run says so), a name two programs could mean is refused, names the controller
never read are reported, `${VAR}` is checked on the value that was read, and a bridge env
migrates as the bridge's from_env reads it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import yaml
from conftest import CliResult
from migrate_support import FIXTURES, copy_fixture, output_data, read_for

from sekha_migrate import MigrationRequest, plan_migration
from sekha_migrate.findings import Finding, Severity
from sekha_migrate.migrate.results import KeyStatus, MigrationPlan
from sekha_migrate.sources.compose_doc import interpolate

Run = Callable[..., CliResult]

SHELL_MCP_KEY = "shell-mcp-key-0123456789abcdefghijklmnopq"
SHELL_REST_KEY = "shell-rest-key-0123456789abcdefghijklmnop"


def plan_of(directory: Path, environ: dict[str, str] | None = None, **options: object
            ) -> MigrationPlan:
    return plan_migration(MigrationRequest(directory=directory, environ=environ or {},
                                           **options))  # type: ignore[arg-type]


def codes(plan: MigrationPlan, code: str) -> list[Finding]:
    return [finding for finding in plan.findings if finding.code == code]


def chat_models(data: dict[str, object]) -> dict[str, str]:
    [provider] = cast("list[dict[str, Any]]", data["llm_providers"])
    return {m["task"]: m["model_id"] for m in provider["models"] if m["task"] != "embedding"}


# ---- which program an env without a service name is for ----------------------------------


def test_a_bridge_env_never_feeds_the_controller(tmp_path: Path) -> None:
    directory = copy_fixture("env-bridge-only", tmp_path)
    plan = plan_of(directory)
    data = output_data(plan)
    assert plan.valid
    # The controller keeps its own defaults: the bridge's port, host and level are its own.
    assert (data["server_host"], data["server_port"], data["log_level"]) == (
        "127.0.0.1", 8080, "info")
    assert plan.component_settings == {
        "bridge": {"server_host": "0.0.0.0", "server_port": 5001, "log_level": "debug"}}
    assert [(r.origin.key, r.component) for r in plan.reads] == [
        ("SEKHA__HOST", "bridge"), ("SEKHA__PORT", "bridge"), ("SEKHA__LOG_LEVEL", "bridge"),
        ("OLLAMA_BASE_URL", "bridge"), ("EMBEDDING_MODEL", "bridge"), ("CHAT_MODEL", "bridge")]
    [said] = codes(plan, "env-component")
    assert said.severity is Severity.INFO
    assert said.line == 1
    assert said.message == (
        f"{directory / '.env'} is read as the bridge's environment: OLLAMA_BASE_URL, "
        "EMBEDDING_MODEL, CHAT_MODEL and 3 more are the bridge's")


def test_a_bridge_env_as_compose_env_sets_no_controller_port(tmp_path: Path) -> None:
    directory = copy_fixture("env-bridge-only", tmp_path)
    plan = plan_of(directory, target="env")
    assert plan.valid
    names = dict(line.split("=", 1) for line in plan.text.splitlines()
                 if line and not line.startswith("#"))
    assert names["SEKHA__SERVER_PORT"] == "8080"
    assert names["SEKHA__SERVER_HOST"] == "127.0.0.1"
    assert names["SEKHA__LOG_LEVEL"] == "info"


def test_a_proxy_env_keeps_its_bridge_url(tmp_path: Path) -> None:
    directory = copy_fixture("env-proxy-only", tmp_path)
    plan = plan_of(directory)
    assert plan.valid
    assert output_data(plan)["llm_bridge_url"] == "http://localhost:5001"
    assert plan.component_settings["proxy"]["llm_bridge_url"] == "http://bridge:5001"
    assert {r.component for r in plan.reads} == {"proxy"}
    [said] = codes(plan, "env-component")
    assert said.message.endswith("is read as the proxy's environment: PROXY_PORT, "
                                 "LLM_BRIDGE_URL, CONTROLLER_URL and 1 more are the proxy's")


def test_a_mixed_env_is_split_by_name(tmp_path: Path) -> None:
    directory = copy_fixture("env-mixed", tmp_path)
    plan = plan_of(directory)
    data = output_data(plan)
    assert plan.valid
    assert (data["server_port"], data["log_level"]) == (9000, "warn")
    assert plan.component_settings == {"bridge": {"server_port": 5002}}
    assert chat_models(data) == {"chat_small": "phi3:mini", "chat_smart": "phi3:mini"}
    assert {r.origin.key: r.component for r in plan.reads} == {
        "SEKHA__SERVER_PORT": "controller", "SEKHA__MCP_API_KEY": "controller",
        "SEKHA__LOG_LEVEL": "controller", "OLLAMA_BASE_URL": "bridge", "CHAT_MODEL": "bridge",
        "PORT": "bridge"}
    [said] = codes(plan, "env-component")
    assert said.message == (
        f"{directory / '.env'} holds names of the controller's (SEKHA__MCP_API_KEY, "
        "SEKHA__SERVER_PORT, SEKHA__LOG_LEVEL) and the bridge's (OLLAMA_BASE_URL, CHAT_MODEL, "
        "PORT): each name is read as the program that reads it")


def test_a_name_two_programs_could_mean_is_refused(tmp_path: Path, sekha: Run) -> None:
    directory = copy_fixture("env-ambiguous", tmp_path)
    plan = plan_of(directory)
    assert not plan.valid
    [refused] = codes(plan, "env-ambiguous-name")
    assert (refused.severity, refused.line, refused.column) == (Severity.ERROR, 5, 1)
    assert refused.message == (
        "SEKHA__PORT: no Sekha program reads this name as written, and it could be the "
        f"controller's or the bridge's server_port; {directory / '.env'} holds names of "
        "several programs, so it is not guessed")
    assert refused.hint == (
        "spell it as its program reads it (SEKHA__SERVER_PORT for the controller, PORT for "
        "the bridge), or keep each program's names in its own file (or compose service)")
    result = sekha("migrate", "--dry-run", "--no-env", cwd=directory)
    assert result.exit_code == 1
    assert "[env-ambiguous-name]" in result.stderr + result.stdout
    assert not (directory / "config.yaml").exists()


def test_an_ambiguous_name_alone_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SEKHA__PORT=5001\n")
    plan = plan_of(tmp_path)
    [refused] = codes(plan, "env-ambiguous-name")
    assert refused.message.endswith(
        f"nothing else in {tmp_path / '.env'} says which program it is for, so it is not "
        "guessed")
    assert not codes(plan, "env-component")


# ---- names the controller never read ------------------------------------------------------


def test_names_the_controller_never_read_are_reported(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "SEKHA__MCP_API_KEY=controller-key-0123456789abcdefghijklmno\n"
        "SEKHA__HOST=0.0.0.0\nSERVER_PORT=9001\nDATABASE_URL=sqlite:///data/other.db\n")
    plan = plan_of(tmp_path)
    never = {f.message.partition(":")[0]: f.severity for f in codes(plan, "v1-never-read")}
    assert never == {"SEKHA__HOST": Severity.WARNING, "SERVER_PORT": Severity.WARNING,
                     "DATABASE_URL": Severity.WARNING}
    # Carried, as the operator clearly meant them, and said to change behaviour.
    data = output_data(plan)
    assert (data["server_host"], data["server_port"]) == ("0.0.0.0", 9001)
    assert read_for(plan, "SEKHA__MCP_API_KEY").status is KeyStatus.MAPPED
    assert not [f for f in plan.findings if f.message.startswith("SEKHA__MCP_API_KEY")]


def test_compose_v2_controller_names_without_prefix_are_never_read(tmp_path: Path) -> None:
    directory = tmp_path / "v2"
    directory.mkdir()
    source = FIXTURES / "v1-upstream/docker-docker-compose.v2/docker-compose.v2.yml"
    (directory / "docker-compose.v2.yml").write_bytes(source.read_bytes())
    plan = plan_of(directory)
    never = {f.message.partition(":")[0]: (f.severity, f.line) for f in
             codes(plan, "v1-never-read")}
    assert never == {"DATABASE_URL": (Severity.WARNING, 169),
                     "BRIDGE_URL": (Severity.WARNING, 172),
                     "CHROMA_URL": (Severity.WARNING, 173)}
    assert output_data(plan)["llm_bridge_url"] == "http://bridge:5001"


# ---- interpolation is checked on the values read -------------------------------------------


def test_self_references_migrate_when_their_variables_are_set(tmp_path: Path, sekha: Run) -> None:
    directory = copy_fixture("env-self-reference", tmp_path)
    shell = {"MCP_API_KEY": SHELL_MCP_KEY, "REST_API_KEY": SHELL_REST_KEY}
    plan = plan_of(directory, shell)
    assert plan.valid
    assert not codes(plan, "unset-variable")
    assert [f.code for f in plan.findings if f.severity is Severity.ERROR] == []
    # --no-env stops SEKHA_* settings only: interpolation still sees the shell.
    result = sekha("migrate", "--dry-run", "--no-env", cwd=directory, env=shell)
    assert result.exit_code == 0, result.stderr
    assert "unset-variable" not in result.stderr


def test_the_interpolated_value_is_what_is_checked(tmp_path: Path) -> None:
    directory = copy_fixture("env-self-reference", tmp_path)
    plan = plan_of(directory, {"MCP_API_KEY": "short", "REST_API_KEY": SHELL_REST_KEY})
    [error] = [f for f in plan.findings if f.severity is Severity.ERROR]
    # The key came from an environment, so it goes to SEKHA__MCP_API_KEY, and is judged there.
    assert (error.code, error.line) == ("mcp-key-rejected", 3)
    assert error.message == (
        "SEKHA__MCP_API_KEY in the environment is 5 characters long: the controller's MCP "
        "auth rejects every token shorter than 32")


def test_self_references_name_their_variables_when_unset(tmp_path: Path) -> None:
    directory = copy_fixture("env-self-reference", tmp_path)
    plan = plan_of(directory)
    unset = codes(plan, "unset-variable")
    assert [(f.severity, f.line, f.message) for f in unset] == [
        (Severity.WARNING, 3, "SEKHA__MCP_API_KEY refers to MCP_API_KEY, which is set nowhere "
         "(not in the shell, nor earlier in its file): the output keeps ${MCP_API_KEY}, "
         "unchecked until it is set"),
        (Severity.WARNING, 4, "REST_API_KEY refers to REST_API_KEY, which is set nowhere "
         "(not in the shell, nor earlier in its file): the output keeps ${REST_API_KEY}, "
         "unchecked until it is set"),
    ]
    assert not [f for f in plan.findings if "17 characters" in f.message]


def test_a_url_built_from_defaults_migrates(tmp_path: Path) -> None:
    directory = copy_fixture("env-postgres-defaults", tmp_path)
    plan = plan_of(directory)
    assert plan.valid
    assert [f.code for f in plan.findings if f.severity is Severity.ERROR] == []
    assert read_for(plan, "SEKHA__DATABASE_URL").value == "postgres://sekha:sekha@db:5432/sekha"
    with_password = plan_of(directory, {"POSTGRES_PASSWORD": "s3cret-pw"})
    assert with_password.valid
    assert read_for(with_password, "SEKHA__DATABASE_URL").value == (
        "postgres://sekha:s3cret-pw@db:5432/sekha")


def test_a_url_missing_a_variable_names_it(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "SEKHA__DATABASE_URL=postgres://sekha:${POSTGRES_PASSWORD}@db:5432/sekha\n")
    plan = plan_of(tmp_path)
    [unset] = codes(plan, "unset-variable")
    assert (unset.severity, unset.line) == (Severity.WARNING, 1)
    assert unset.message == (
        "SEKHA__DATABASE_URL refers to POSTGRES_PASSWORD, which is set nowhere (not in the "
        "shell, nor earlier in its file): its value was read without it")
    assert unset.hint == "set POSTGRES_PASSWORD where the migration runs, as for the service, " \
        "and run again"


def test_interpolation_names_what_was_unset() -> None:
    assert interpolate("${A:-}", {}).unset == ("A",)
    assert interpolate("${A}-$B", {}).unset == ("A", "B")
    assert interpolate("${A:-x}", {}).unset == ()
    assert interpolate("${A:+x}", {}).unset == ()
    assert interpolate("${A-}", {"A": ""}).unset == ()
    assert interpolate("${A:-${B:-}}", {}).unset == ("B", "A")


# ---- a bridge env migrated as from_env reads it -------------------------------------------


def test_chat_model_serves_both_chat_roles(tmp_path: Path) -> None:
    directory = copy_fixture("env-bridge-only", tmp_path)
    data = output_data(plan_of(directory))
    assert chat_models(data) == {"chat_small": "phi3:mini", "chat_smart": "phi3:mini"}
    assert (data["default_models"]["chat_fast"], data["default_models"]["chat_smart"]) == (
        "phi3:mini", "phi3:mini")
    assert "llama3.1:8b" not in yaml.safe_dump(data)


def test_a_summarization_model_given_keeps_the_fast_role(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("CHAT_MODEL=phi3:mini\nSUMMARIZATION_MODEL=qwen2.5:3b\n")
    data = output_data(plan_of(tmp_path))
    assert chat_models(data) == {"chat_small": "qwen2.5:3b", "chat_smart": "phi3:mini"}
    assert data["default_models"]["chat_fast"] == "qwen2.5:3b"


# ---- --target bridge speaks only of what the input held ------------------------------------


def test_target_bridge_warns_about_no_absent_value(tmp_path: Path, sekha: Run) -> None:
    directory = copy_fixture("env-bridge-only", tmp_path)
    plan = plan_of(directory, target="bridge")
    assert plan.valid
    assert codes(plan, "not-carried") == []
    bridge = yaml.safe_load(plan.text)
    assert (bridge["server_host"], bridge["server_port"], bridge["log_level"]) == (
        "0.0.0.0", 5001, "debug")
    result = sekha("migrate", "--dry-run", "--no-env", "--target", "bridge", cwd=directory)
    assert result.exit_code == 0, result.stderr
    assert "not-carried" not in result.stderr
    assert "warning" not in result.stderr


def test_target_bridge_names_the_controller_values_it_leaves(tmp_path: Path) -> None:
    directory = copy_fixture("env-mixed", tmp_path)
    plan = plan_of(directory, target="bridge")
    left = {f.path: (f.severity, f.line, f.message) for f in codes(plan, "not-carried")}
    assert left == {
        "$.server_port": (Severity.WARNING, 2, "server_port: the controller reads it; the "
                          "bridge file does not carry it (the bridge's own server_port is "
                          "another setting, its default 5001). Keep it in the controller's "
                          "configuration"),
        "$.log_level": (Severity.WARNING, 4, "log_level: the controller reads it; the bridge "
                        "file does not carry it (the bridge's own log_level is another "
                        "setting, its default 'info'). Keep it in the controller's "
                        "configuration"),
    }
    assert yaml.safe_load(plan.text)["server_port"] == 5002


def test_a_value_built_from_a_secret_is_never_shown(tmp_path: Path, sekha: Run) -> None:
    secret = "sk-fuzz-7Q2mV9xL4bN8cR1tW6yZ3kP5"
    (tmp_path / ".env").write_text(
        f"SEKHA_API_KEY={secret}\nSEKHA__LOG_LEVEL=${{SEKHA_API_KEY}}warn\n")
    plan = plan_of(tmp_path)
    [invalid] = codes(plan, "invalid-value")
    assert invalid.message == ("SEKHA__LOG_LEVEL: not a valid log_level (the value, built "
                               "from SEKHA_API_KEY, is not shown)")
    assert read_for(plan, "SEKHA__LOG_LEVEL").secret
    result = sekha("migrate", "--dry-run", "--no-env", cwd=tmp_path)
    assert result.exit_code == 1
    assert secret[4:-4] not in result.stdout + result.stderr
