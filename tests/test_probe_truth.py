"""probe tells what it just saw (issue 17, item 5): the routing table does not call a provider
that failed `preferred`, findings point at the provider's line, a refused key names the
variable it came from, `-t` is --target in every command, and CONFIG defaults to config.yaml.
Real servers on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CliResult, write
from provider_servers import OLLAMA, OPENAI, ServerPool, closed_port

Sekha = Callable[..., CliResult]
RIGHT_KEY = "sk-right-1b2c3d4e5f6a7b8c9d0e"
WRONG_KEY = "sk-wrong-9f8e7d6c5b4a3f2e1d0c"

# Line numbers matter here: each provider's entry starts where the comment says.
CONFIG = """\
version: "2.0"
llm_providers:
  - id: cloud                    # line 3
    type: openai
    base_url: {openai}
    api_key: ${{OPENAI_API_KEY}}
    priority: 1
    models:
      - {{model_id: gpt-4o, task: chat_smart, context_window: 8192}}
  - id: gone                     # line 10
    type: ollama
    base_url: {dead}
    priority: 1
    models:
      - {{model_id: llama3.1:8b, task: chat_small, context_window: 8192}}
  - id: local                    # line 16
    type: ollama
    base_url: {ollama}
    priority: 2
    models:
      - {{model_id: nomic-embed-text, task: embedding, dimension: 768, context_window: 8192}}
      - {{model_id: llama3.1:8b, task: chat_small, context_window: 8192}}
      - {{model_id: qwen2.5:7b, task: chat_smart, context_window: 8192}}
      - {{model_id: not-pulled, task: chat_smart, context_window: 8192}}   # line 24
default_models:
  embedding: nomic-embed-text
  chat_fast: llama3.1:8b
  chat_smart: gpt-4o
"""


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Path]:
    with ServerPool() as servers, closed_port() as dead:
        ollama = servers.start(OLLAMA, ["nomic-embed-text", "llama3.1:8b", "qwen2.5:7b"])
        openai = servers.start(OPENAI, ["gpt-4o"], api_key=RIGHT_KEY)
        write(tmp_path / "config.yaml",
              CONFIG.format(openai=openai.url, dead=dead, ollama=ollama.url))
        write(tmp_path / ".env", f"OPENAI_API_KEY={WRONG_KEY}\n")
        yield tmp_path


def _probe_json(sekha: Sekha, cwd: Path, *args: str) -> dict[str, Any]:
    result = sekha("probe", "-e", ".env", "-f", "json", *args, cwd=cwd)
    assert result.exit_code == 1, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_a_provider_that_failed_the_probe_is_not_called_preferred(
    sekha: Sekha, deployment: Path
) -> None:
    document = _probe_json(sekha, deployment)
    rows = {row["key"]: row for row in document["routing"]}
    assert [(key, row["status"], row["provider_id"], row["provider_status"],
             row["then_served_by"]) for key, row in rows.items()] == [
        ("embedding", "preferred", "local", "ok", None),
        ("chat_fast", "failing", "gone", "unreachable",
         {"provider_id": "local", "model_id": "llama3.1:8b"}),
        ("chat_smart", "failing", "cloud", "auth_failed",
         {"provider_id": "local", "model_id": "qwen2.5:7b"}),
    ]
    assert rows["chat_smart"]["reason"] == (
        "cloud refused the API key in this probe (auth_failed): the bridge still sends "
        "chat_smart requests there while its breaker is closed, and they fail; after 3 "
        "failures the breaker opens and qwen2.5:7b on local serves them")


def test_the_routing_table_says_failing_and_who_serves_after(
    sekha: Sekha, deployment: Path
) -> None:
    result = sekha("probe", "-e", ".env", cwd=deployment, env={"COLUMNS": "400"})
    rows = [line.split() for line in result.stdout.splitlines()]
    chat_fast = next(row for row in rows if row[:1] == ["chat_fast"])
    assert chat_fast[:6] == ["chat_fast", "llama3.1:8b", "gone", "/", "llama3.1:8b", "failing"]
    assert " ".join(chat_fast[6:]) == (
        "gone did not answer in this probe (unreachable): the bridge still sends chat_fast "
        "requests there while its breaker is closed, and they fail; after 3 failures the "
        "breaker opens and llama3.1:8b on local serves them")


def test_probe_findings_carry_the_line_and_column_of_what_they_are_about(
    sekha: Sekha, deployment: Path
) -> None:
    document = _probe_json(sekha, deployment)
    assert [(f["code"], f["path"], f["line"], f["column"]) for f in document["findings"]
            if f["severity"] == "error"] == [
        ("provider-auth-failed", "$.llm_providers[0]", 3, 5),
        ("provider-unreachable", "$.llm_providers[1]", 10, 5),
        ("model-not-offered", "$.llm_providers[2].models[3]", 24, 9),
    ]
    text = sekha("probe", "-e", ".env", cwd=deployment).stdout
    assert [line.split(": error: ")[0] for line in text.splitlines()
            if ": error: " in line] == ["config.yaml:3:5", "config.yaml:10:5", "config.yaml:24:9"]


def test_a_refused_key_names_its_variable_and_what_to_check_never_the_key(
    sekha: Sekha, deployment: Path
) -> None:
    document = _probe_json(sekha, deployment)
    refused = next(f for f in document["findings"] if f["code"] == "provider-auth-failed")
    assert refused["message"].endswith(
        "not authorised: invalid api key (the key from ${OPENAI_API_KEY})")
    assert refused["hint"].startswith("check that OPENAI_API_KEY holds a current openai key ")
    assert document["providers"][0]["api_key_from"] == "${OPENAI_API_KEY}"
    text = sekha("probe", "-e", ".env", cwd=deployment)
    for output in (json.dumps(document), text.stdout + text.stderr):
        assert WRONG_KEY not in output
        assert WRONG_KEY[-8:] not in output


def test_a_key_written_in_the_file_is_named_as_such(sekha: Sekha, tmp_path: Path) -> None:
    with ServerPool() as servers:
        openai = servers.start(OPENAI, ["gpt-4o"], api_key=RIGHT_KEY)
        write(tmp_path / "config.yaml", (
            "version: '2.0'\nllm_providers:\n  - id: cloud\n    type: openai\n"
            f"    base_url: {openai.url}\n    api_key: {WRONG_KEY}\n    priority: 1\n"
            "    models: []\ndefault_models: {}\n"))
        result = sekha("probe", "-f", "json", cwd=tmp_path)
    refused = next(f for f in json.loads(result.stdout)["findings"]
                   if f["code"] == "provider-auth-failed")
    assert refused["message"].endswith("(the key from the file)")
    assert refused["hint"].startswith("check the key written at api_key is current")
    assert WRONG_KEY not in result.stdout


def test_config_defaults_to_config_yaml_as_validate_does(sekha: Sekha, tmp_path: Path) -> None:
    missing = sekha("probe", cwd=tmp_path)
    assert missing.exit_code == 2
    assert missing.stderr.startswith("sekha probe: config.yaml")
    with ServerPool() as servers:
        ollama = servers.start(OLLAMA, ["llama3.1:8b", "nomic-embed-text"])
        write(tmp_path / "config.yaml", (
            "version: '2.0'\nllm_providers:\n  - id: local\n    type: ollama\n"
            f"    base_url: {ollama.url}\n    priority: 1\n    models:\n"
            "      - {model_id: llama3.1:8b, task: chat_small, context_window: 8192}\n"
            "      - {model_id: nomic-embed-text, task: embedding, dimension: 768, "
            "context_window: 8192}\n"
            "default_models: {embedding: nomic-embed-text, chat_fast: llama3.1:8b, "
            "chat_smart: llama3.1:8b}\n"))
        result = sekha("probe", "-f", "json", cwd=tmp_path)
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["source"] == "config.yaml"


def test_a_compose_file_or_a_components_env_is_not_probed_as_an_empty_registry(
    sekha: Sekha, tmp_path: Path
) -> None:
    write(tmp_path / "stack.yml", "services:\n  controller:\n    image: sekha/controller\n")
    write(tmp_path / "controller.env", "SEKHA__SERVER_PORT=8080\n")
    compose = sekha("probe", "stack.yml", cwd=tmp_path)
    assert compose.exit_code == 2
    assert compose.stderr == (
        "sekha probe: stack.yml is a compose file under a name compose does not look for: "
        "probe takes a compose project as docker-compose.yml, compose.yaml (or their "
        ".yaml/.override variants) or as the directory holding one; check the deployment "
        "itself with: sekha validate stack.yml\n")
    env = sekha("probe", "controller.env", cwd=tmp_path)
    assert env.exit_code == 2
    assert env.stderr == (
        "sekha probe: controller.env holds no provider registry (SEKHA__LLM_PROVIDERS): probe "
        "the config file that does, passing this one as --env-file controller.env; a v1 .env "
        "is converted first with: sekha migrate\n")


def test_dash_t_means_target_in_every_command() -> None:
    from typer.main import get_command

    from sekha_migrate.cli import app

    commands = get_command(app).commands  # type: ignore[attr-defined]
    owners = {}
    for name, command in commands.items():
        for param in command.params:
            if "-t" in param.opts:
                owners[name] = param.opts
    assert owners == {name: ["--target", "-t"] for name in ("validate", "migrate", "init",
                                                              "schema")}


def test_probe_timeout_keeps_its_long_name_and_dash_t_is_refused(
    sekha: Sekha, tmp_path: Path
) -> None:
    write(tmp_path / "config.yaml", "version: '2.0'\n")
    assert sekha("probe", "--timeout", "0", cwd=tmp_path).exit_code == 2
    refused = sekha("probe", "-t", "5", cwd=tmp_path)
    assert refused.exit_code == 2
    assert "No such option: -t" in refused.stderr
