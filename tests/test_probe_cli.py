"""`sekha probe` through the installed entry point, against real servers on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CliResult, write
from probe_support import config, model, provider, write_config
from provider_servers import OLLAMA, OPENAI, ServerPool, closed_port

Run = Callable[..., CliResult]

KEY = "sk-test-1b2c3d4e5f6a7b8c9d0e"


def usable(provider_id: str, provider_type: str, url: str, **extra: Any) -> dict[str, Any]:
    """A config that validates: one provider with an embedding and a chat model as defaults."""
    return config(
        provider(
            provider_id,
            provider_type,
            url,
            [model("embedder", "embedding", 768), model("chatter", "chat_small")],
            **extra,
        ),
        default_models={"embedding": "embedder", "chat_fast": "chatter", "chat_smart": "chatter"},
    )


def hybrid(ollama_url: str, openai_url: str) -> dict[str, Any]:
    return config(
        provider(
            "ollama_local",
            "ollama",
            ollama_url,
            [model("nomic-embed-text", "embedding", 768), model("llama3.1:8b", "chat_small")],
        ),
        provider(
            "openai_cloud",
            "openai",
            openai_url,
            [model("gpt-4o", "chat_smart")],
            api_key="${OPENAI_API_KEY}",
            priority=2,
        ),
        default_models={
            "embedding": "nomic-embed-text",
            "chat_fast": "llama3.1:8b",
            "chat_smart": "gpt-4o",
        },
    )


@pytest.fixture
def healthy(servers: ServerPool, tmp_path: Path) -> Path:
    ollama = servers.start(
        OLLAMA, ["nomic-embed-text:latest", "llama3.1:8b"], dimensions={"nomic-embed-text": 768}
    )
    openai = servers.start(OPENAI, ["gpt-4o"], api_key=KEY)
    write(tmp_path / ".env", f"OPENAI_API_KEY={KEY}\n")
    return write_config(tmp_path / "config.yaml", hybrid(ollama.url, openai.url))


def test_everything_answering_exits_0_with_both_tables(
    sekha: Run, healthy: Path, tmp_path: Path
) -> None:
    result = sekha("probe", "config.yaml", "--env-file", ".env", "--embed", cwd=tmp_path)
    assert result.exit_code == 0, result.stdout + result.stderr
    out = result.stdout
    assert "ollama_local" in out and "openai_cloud" in out
    assert "nomic-embed-text: 768 ✓" in out
    assert "Routing of default_models" in out
    assert "2 providers answered" in out
    assert KEY not in out + result.stderr


def test_json_document_has_the_documented_shape(
    sekha_e2e: Run, healthy: Path, tmp_path: Path
) -> None:
    result = sekha_e2e(
        "probe", "config.yaml", "-e", ".env", "--embed", "--format", "json", cwd=tmp_path
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["ok"] is True
    assert {"ok", "providers", "routing"} <= set(document)
    first = document["providers"][0]
    assert {"id", "type", "status", "latency_ms", "error", "breaker", "models"} <= set(first)
    assert first["breaker"]["state"] == "closed"
    assert set(first["models"][0]) >= {
        "model_id",
        "task",
        "present",
        "dimension_expected",
        "dimension_measured",
    }
    assert first["models"][0]["dimension_measured"] == 768
    assert [row["key"] for row in document["routing"]] == ["embedding", "chat_fast", "chat_smart"]
    assert KEY not in result.stdout


def test_a_missing_key_variable_skips_the_provider_and_exits_1(
    sekha: Run, healthy: Path, tmp_path: Path
) -> None:
    result = sekha("probe", "config.yaml", "--format", "json", cwd=tmp_path, env={})
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    skipped = document["providers"][1]
    assert skipped["status"] == "skipped"
    assert "OPENAI_API_KEY" in skipped["error"]


def test_missing_model_and_dead_provider_exit_1_and_say_why(
    sekha: Run, servers: ServerPool, tmp_path: Path
) -> None:
    ollama = servers.start(OLLAMA, ["embedder:latest"])
    with closed_port() as dead:
        document = usable("ollama_local", "ollama", ollama.url)
        document["llm_providers"].append(provider("gone", "litellm", dead, priority=2))
        write_config(tmp_path / "config.yaml", document)
        result = sekha("probe", "config.yaml", cwd=tmp_path)
    assert result.exit_code == 1
    assert "'chatter' (chat_small) is not offered" in result.stdout
    assert "unreachable" in result.stdout
    assert "probe failed: 2 problems" in result.stdout


def test_a_dimension_mismatch_exits_1(sekha: Run, servers: ServerPool, tmp_path: Path) -> None:
    ollama = servers.start(OLLAMA, ["embedder", "chatter"], dimensions={"embedder": 1024})
    write_config(tmp_path / "config.yaml", usable("local", "ollama", ollama.url))
    assert sekha("probe", "config.yaml", cwd=tmp_path).exit_code == 0
    result = sekha("probe", "config.yaml", "--embed", cwd=tmp_path)
    assert result.exit_code == 1
    assert "embedder: 1024 ≠ 768" in result.stdout


def test_a_key_echoed_by_a_failing_provider_is_masked_in_text_and_json(
    sekha: Run, servers: ServerPool, tmp_path: Path
) -> None:
    server = servers.start(OPENAI, status=500, echo_credentials=True)
    document = usable("cloud", "openai", server.url, api_key="${OPENAI_API_KEY}")
    write_config(tmp_path / "config.yaml", document)
    for fmt in ("text", "json"):
        result = sekha(
            "probe", "config.yaml", "-f", fmt, cwd=tmp_path, env={"OPENAI_API_KEY": KEY}
        )
        assert result.exit_code == 1
        assert "HTTP 500" in result.stdout
        assert KEY not in result.stdout + result.stderr


def test_an_invalid_config_exits_1_with_the_validate_findings(sekha: Run, tmp_path: Path) -> None:
    write(
        tmp_path / "config.yaml",
        "llm_providers:\n  - id: Bad Id\n    type: ollama\n    base_url: http://localhost:11434\n",
    )
    result = sekha("probe", "config.yaml", cwd=tmp_path)
    assert result.exit_code == 1
    assert "config.yaml:" in result.stdout
    assert "error" in result.stdout
    assert "not probed, because this provider entry has errors" in result.stdout
    assert "nothing probed" in result.stdout


def test_usage_errors_exit_2(sekha: Run, healthy: Path, tmp_path: Path) -> None:
    assert sekha("probe", "nope.yaml", cwd=tmp_path).exit_code == 2
    assert sekha("probe", "config.yaml", "--timeout", "0", cwd=tmp_path).exit_code == 2
    missing_env = sekha("probe", "config.yaml", "--env-file", "missing.env", cwd=tmp_path)
    assert missing_env.exit_code == 2
    assert "missing.env" in missing_env.stderr
    assert sekha("probe", "config.yaml", "--format", "xml", cwd=tmp_path).exit_code == 2


def test_timeout_flag_bounds_a_hanging_provider(
    sekha: Run, servers: ServerPool, tmp_path: Path
) -> None:
    server = servers.start(OPENAI, hang=True)
    write_config(tmp_path / "config.yaml", usable("stuck", "openai", server.url, timeout=60))
    result = sekha("probe", "config.yaml", "--timeout", "1", "-f", "json", cwd=tmp_path, timeout=20)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["providers"][0]["status"] == "timeout"


def test_help_does_not_import_httpx() -> None:
    code = (
        "import sys\n"
        "from sekha_migrate.cli import app\n"
        "from typer.main import get_command\n"
        "get_command(app)\n"
        "print('httpx' in sys.modules, 'rich.table' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
