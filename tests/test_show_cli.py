"""`sekha show`: the text lines, the JSON document (a public interface), masking and exit
codes, as an operator runs it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import FIXTURES, CliResult, write

KEY = "sekha-" + "s3cr3t" * 6  # 42 characters, distinctive
Run = Callable[..., CliResult]


def project(tmp_path: Path) -> Path:
    write(tmp_path / "config.toml", 'server_port = 9000\nmcp_api_key = "short"\n')
    write(tmp_path / ".env", f"SEKHA__MCP_API_KEY={KEY}\nSEKHA_LOG_LEVEL=debug\n")
    return tmp_path


def test_text_lists_each_changed_value_with_its_origin(sekha: Run, tmp_path: Path) -> None:
    result = sekha("show", "--changed", "--no-env", cwd=project(tmp_path))
    assert result.exit_code == 0, result.stderr
    masked = f"{KEY[:4]}…{KEY[-4:]}"
    assert result.stdout.splitlines() == [
        "controller  (config.* files, then SEKHA__ variables)",
        "  reads: config.toml, .env",
        "  server_port   9000  <- config.toml:1 (server_port)",
        "                  overrides 8080 from the controller's default (config.rs)",
        f"  mcp_api_key   {masked}  <- .env:1, .env read by dotenvy (SEKHA__MCP_API_KEY)",
        "                  overrides ***** from config.toml:2 (mcp_api_key)",
        "                  overrides dev_…7890 from the controller's default (config.rs)",
        f"  rest_api_key  {masked}  <- .env:1, .env read by dotenvy (SEKHA__MCP_API_KEY)",
        "                  note: falls back to mcp_api_key",
        "  not read:",
        "    SEKHA_LOG_LEVEL (.env:2, .env read by dotenvy (SEKHA_LOG_LEVEL)): one underscore: "
        "never read; the controller reads SEKHA__LOG_LEVEL",
    ]
    assert KEY not in result.stdout + result.stderr


def test_json_document_shape(sekha: Run, tmp_path: Path) -> None:
    result = sekha("show", "--format", "json", "--no-env", "-c", "controller",
                   cwd=project(tmp_path))
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert list(document) == ["components", "findings"]
    [component] = document["components"]
    assert list(component) == ["component", "service", "mode", "starts", "files_read",
                               "settings", "not_read", "findings"]
    port = next(s for s in component["settings"] if s["key"] == "server_port")
    assert port == {
        "key": "server_port",
        "value": 9000,
        "origin": {"kind": "file", "file": "config.toml", "line": 1, "column": 1,
                   "name": "server_port", "via": None,
                   "description": "config.toml:1 (server_port)"},
        "overrides": [{"value": 8080, "origin": {
            "kind": "default", "file": None, "line": None, "column": None, "name": None,
            "via": None, "description": "the controller's default (config.rs)"}}],
        "secret": False,
        "note": None,
    }
    key = next(s for s in component["settings"] if s["key"] == "mcp_api_key")
    assert key["secret"] is True
    assert key["value"] == f"{KEY[:4]}…{KEY[-4:]}"
    assert key["origin"]["kind"] == "env"
    assert key["origin"]["via"] == ".env read by dotenvy"
    assert KEY not in result.stdout


def test_process_environment_is_used_unless_no_env(sekha: Run, tmp_path: Path) -> None:
    shown = sekha("show", "--format", "json", "-c", "controller", cwd=tmp_path,
                  env={"SEKHA__SERVER_PORT": "9444"})
    port = next(s for s in json.loads(shown.stdout)["components"][0]["settings"]
                if s["key"] == "server_port")
    assert (port["value"], port["origin"]["via"]) == (9444, "process environment")
    hidden = sekha("show", "--format", "json", "-c", "controller", "--no-env", cwd=tmp_path,
                   env={"SEKHA__SERVER_PORT": "9444"})
    port = next(s for s in json.loads(hidden.stdout)["components"][0]["settings"]
                if s["key"] == "server_port")
    assert port["value"] == 8080


def test_a_component_that_would_not_start_exits_one(sekha: Run, tmp_path: Path) -> None:
    write(tmp_path / ".env", "SEKHA__SERVER_PORT=eighty\n")
    result = sekha("show", "--no-env", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == (
        "  .env:1:1: error: the controller would stop at start: SEKHA__SERVER_PORT='eighty' "
        "cannot be read as server_port: not a whole number [would-not-start]")


def test_a_missing_path_exits_two(sekha: Run, tmp_path: Path) -> None:
    result = sekha("show", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert result.stderr == f"sekha show: {tmp_path / 'nope'} does not exist\n"
    assert result.stdout == ""


def test_compose_project_end_to_end(sekha_e2e: Run) -> None:
    project_dir = FIXTURES / "deployments" / "prod-compose"
    result = sekha_e2e("show", "--format", "json", cwd=project_dir,
                       env={"MCP_API_KEY": KEY})
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert [c["service"] for c in document["components"]] == [
        "sekha-core in docker-compose.prod.yml", "sekha-bridge in docker-compose.prod.yml",
        "sekha-proxy in docker-compose.prod.yml"]
    assert KEY not in result.stdout


def test_a_value_built_from_a_secret_variable_is_masked(sekha: Run, tmp_path: Path) -> None:
    write(tmp_path / ".env", f"SEKHA_API_KEY={KEY}\nOLLAMA_BASE_URL=${{SEKHA_API_KEY}}http://o\n"
                             "CHAT_MODEL=phi3\n")
    for output_format in ("text", "json"):
        result = sekha("show", "--no-env", "-c", "bridge", "--format", output_format,
                       str(tmp_path / ".env"))
        assert result.exit_code == 0, result.stderr
        assert KEY not in result.stdout
    text = sekha("show", "--no-env", "-c", "bridge", str(tmp_path / ".env")).stdout
    [line] = [x for x in text.splitlines() if x.startswith("  providers[0].base_url ")]
    assert line.split()[1] == f"{KEY[:4]}…{KEY[-4:]}http://o"
