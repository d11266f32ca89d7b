"""validate judges what the consumer of a file will do with it: the `${VAR}` it takes as
text, the MCP key it runs with, the config.yaml it never reads. Real files in tmp dirs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, CliResult, write

from sekha_migrate.findings import Finding, Severity
from sekha_migrate.validate.engine import validate_file

Run = Callable[..., CliResult]

MINIMAL = (FIXTURES / "v2" / "valid" / "minimal-ollama-only.yaml").read_text()
NEW_CODES = {"literal-placeholder", "public-default-key", "mcp-key-rejected", "shadowed-config"}
KEY = "k3y-0123456789abcdef0123456789abcdef"
# The one shipped example with a new finding: sekha-docker's config.yaml.example gives the
# controller "${SEKHA_API_KEY}" as its key (the controller expands nothing in its file).
UPSTREAM_PLACEHOLDERS = {("literal-placeholder", "$.mcp_api_key"),
                         ("literal-placeholder", "$.rest_api_key")}
SHIPPED = sorted([*(FIXTURES / "reference").glob("*.example"),
                  FIXTURES / "reference" / "bridge-config.all-providers.yaml",
                  *(FIXTURES / "v2" / "valid").iterdir()])


def _codes(findings: tuple[Finding, ...]) -> list[tuple[str, str, str | None]]:
    return [(f.severity.value, f.code, f.path) for f in findings]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_examples_get_none_of_the_consumer_findings(path: Path) -> None:
    found = {(f.code, f.path) for f in validate_file(path, env={}).findings
             if f.code in NEW_CODES}
    expected = UPSTREAM_PLACEHOLDERS if path.name == "docker-config.yaml.example" else set()
    assert found == expected


def test_an_empty_mcp_key_in_an_env_file_is_read_as_an_empty_key(tmp_path: Path) -> None:
    path = write(tmp_path / "sekha.env", "SEKHA__LLM_PROVIDERS='[]'\nSEKHA__MCP_API_KEY=\n")
    result = validate_file(path, env={})
    [finding] = [f for f in result.findings if f.code == "mcp-key-rejected"]
    assert (finding.severity, finding.line, finding.column) == (Severity.ERROR, 2, 1)
    assert finding.message == (
        'SEKHA__MCP_API_KEY is empty: the controller reads "" as its key (an empty value is a '
        "value, not unset), and its MCP auth rejects every token")


def test_an_env_file_without_the_key_is_not_the_whole_story(tmp_path: Path) -> None:
    path = write(tmp_path / "sekha.env", f"SEKHA__LLM_PROVIDERS='[]'\nSEKHA__MCP_API_KEY={KEY}\n")
    assert [f.code for f in validate_file(path, env={}).findings
            if f.code in NEW_CODES | {"literal-secret"}] == []


def test_an_env_file_expands_a_placeholder_so_it_is_no_literal_placeholder(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "sekha.env",
                 "SEKHA__LLM_PROVIDERS='[]'\nSEKHA__MCP_API_KEY=${VAULT_KEY}\n")
    assert "literal-placeholder" not in {f.code for f in validate_file(path, env={}).findings}


@pytest.mark.parametrize("winner", ["config", "config.toml", "config.json"])
def test_a_config_yaml_beside_an_earlier_config_is_never_read(tmp_path: Path,
                                                              winner: str) -> None:
    write(tmp_path / winner, 'server_port = 8080\n' if winner != "config.json" else "{}")
    path = write(tmp_path / "config.yaml", MINIMAL)
    [finding] = [f for f in validate_file(path, env={}).findings if f.code == "shadowed-config"]
    assert finding.severity is Severity.WARNING
    assert finding.message.startswith(f"the controller never reads config.yaml: {winner} sits "
                                      "beside it")


def test_a_config_yaml_alone_or_beside_a_later_file_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "config.yaml", MINIMAL)
    write(tmp_path / "config.yml", MINIMAL)  # later in the order: config.yaml wins
    write(tmp_path / "config.toml.bak", "")
    assert "shadowed-config" not in {f.code for f in validate_file(path, env={}).findings}


def test_a_bridge_file_is_not_the_controllers_so_it_is_never_shadowed(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", "server_port = 8080\n")
    path = write(tmp_path / "config.yaml",
                 (FIXTURES / "reference" / "bridge-config.yaml.example").read_text())
    assert "shadowed-config" not in {f.code for f in validate_file(path, env={}).findings}


def test_a_migrated_file_says_where_its_key_is_set_so_the_fallback_is_not_warned(
    tmp_path: Path,
) -> None:
    note = ("# mcp_api_key: set by SEKHA__MCP_API_KEY in sekha-secrets.env (the controller "
            "reads it from its environment)\n")
    path = write(tmp_path / "config.yaml", MINIMAL + "server_port: 8080\n" + note)
    assert validate_file(path, env={}).findings == ()
    bare = write(tmp_path / "other" / "config.yaml", MINIMAL + "server_port: 8080\n")
    assert _codes(validate_file(bare, env={}).findings) == [
        ("warning", "public-default-key", "$.mcp_api_key")]


def test_a_controller_key_hint_never_recommends_a_placeholder(tmp_path: Path) -> None:
    path = write(tmp_path / "config.yaml", MINIMAL + f"mcp_api_key: {KEY}\n"
                 "database_url: postgres://sekha:hunter2@db/sekha\n")
    findings = [f for f in validate_file(path, env={}).findings if f.code == "literal-secret"]
    assert [(f.path, f.hint) for f in findings] == [
        ("$.mcp_api_key", "set SEKHA__MCP_API_KEY in the controller's environment (compose "
         "environment:, or the .env in its working directory) and remove the key from this "
         "file"),
        ("$.database_url", "set SEKHA__DATABASE_URL in the controller's environment (compose "
         "environment:, or the .env in its working directory) and remove the key from this "
         "file"),
    ]
    shown = " ".join(f"{f.message} {f.hint}" for f in findings)
    assert KEY not in shown and "hunter2" not in shown


def test_validate_never_prints_the_key_it_judges(sekha_inprocess: Run, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", MINIMAL + "server_port: 8080\n")
    write(tmp_path / "short.env", "SEKHA__MCP_API_KEY=short-secret-key\n")
    result = sekha_inprocess("validate", "--env-file", "short.env", "config.yaml", cwd=tmp_path)
    assert result.exit_code == 1
    assert "mcp-key-rejected" in result.stdout
    assert "short-secret-key" not in result.stdout + result.stderr
