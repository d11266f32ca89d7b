"""`sekha probe` answers in the format asked, whatever state the config is in.

With --format json, stdout is exactly one JSON document: for a config with findings, for one
that cannot be parsed, for an unreadable path and for a bad command line. Providers whose own
entry is well-formed are probed even when something else in the config is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from conftest import CliResult, write
from probe_support import config, model, provider, write_config
from provider_servers import OLLAMA, ProviderServer, ServerPool, closed_port

Run = Callable[..., CliResult]

FINDING_KEYS = {"severity", "code", "message", "file", "line", "column", "path", "hint"}
# Valid for the schema; chat_smart names a model no provider offers.
SEMANTIC_ERROR_DEFAULTS = {
    "embedding": "embedder",
    "chat_fast": "chatter",
    "chat_smart": "no-such-model",
}


def probe_json(sekha_inprocess: Run, *args: str, cwd: Path) -> tuple[int, dict[str, Any]]:
    result = sekha_inprocess("probe", *args, "--format", "json", cwd=cwd)
    return result.exit_code, json.loads(result.stdout)  # the whole of stdout parses


def line_of(path: Path, text: str) -> int:
    (number,) = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    return number


def codes(document: dict[str, Any]) -> list[str]:
    return [finding["code"] for finding in document["findings"]]


def finding(document: dict[str, Any], code: str) -> dict[str, Any]:
    (found,) = [f for f in document["findings"] if f["code"] == code]
    return cast("dict[str, Any]", found)


@pytest.fixture
def ollama(servers: ServerPool) -> ProviderServer:
    return servers.start(OLLAMA, ["embedder:latest", "chatter"], dimensions={"embedder": 768})


def good_provider(url: str, **extra: Any) -> dict[str, Any]:
    return provider(
        "local", "ollama", url, [model("embedder", "embedding", 768), model("chatter")], **extra
    )


def test_unreadable_path_exits_2_with_a_json_error_document(
    sekha_inprocess: Run, tmp_path: Path
) -> None:
    code, document = probe_json(sekha_inprocess, "missing.yaml", cwd=tmp_path)
    assert code == 2
    assert document["ok"] is False
    assert (document["providers"], document["routing"]) == ([], [])
    (only,) = document["findings"]
    assert set(only) >= FINDING_KEYS
    assert (only["severity"], only["code"]) == ("error", "unreadable")
    assert "missing.yaml does not exist" in only["message"]


def test_schema_error_in_one_entry_still_probes_the_well_formed_one(
    sekha_inprocess: Run, ollama: ProviderServer, tmp_path: Path
) -> None:
    broken = provider("Bad Id", "ollama", ollama.url, [model("chatter")])
    document = config(
        good_provider(ollama.url),
        broken,
        default_models={"embedding": "embedder", "chat_fast": "chatter"},
    )
    write_config(tmp_path / "config.yaml", document)
    code, answer = probe_json(sekha_inprocess, "config.yaml", cwd=tmp_path)
    assert code == 1
    assert answer["ok"] is False
    schema_errors = [
        f for f in answer["findings"]
        if f["severity"] == "error" and f["path"].startswith("$.llm_providers[1]")
    ]
    assert schema_errors, answer["findings"]
    assert all(f["line"] is not None for f in schema_errors)
    skipped = finding(answer, "provider-not-probed")
    assert skipped["path"] == "$.llm_providers[1]"
    assert [p["id"] for p in answer["providers"]] == ["local"]
    assert answer["providers"][0]["status"] == "ok"
    assert answer["providers"][0]["path"] == "$.llm_providers[0]"


def test_semantic_error_with_reachable_providers_probes_them_all_and_exits_1(
    sekha_inprocess: Run, ollama: ProviderServer, tmp_path: Path
) -> None:
    document = config(
        good_provider(ollama.url),
        default_models=SEMANTIC_ERROR_DEFAULTS,
    )
    write_config(tmp_path / "config.yaml", document)
    code, answer = probe_json(sekha_inprocess, "config.yaml", cwd=tmp_path)
    assert code == 1
    assert answer["ok"] is False
    semantic = finding(answer, "unknown-default-model")
    assert (semantic["severity"], semantic["path"]) == ("error", "$.default_models.chat_smart")
    assert semantic["line"] == line_of(tmp_path / "config.yaml", "chat_smart: no-such-model")
    assert codes(answer).count("unknown-default-model") == 1
    assert [f for f in answer["findings"] if f["severity"] == "error"] == [semantic]
    assert [(p["id"], p["status"]) for p in answer["providers"]] == [("local", "ok")]
    rows = {row["key"]: row for row in answer["routing"]}
    assert rows["embedding"]["status"] == "preferred"
    assert rows["chat_smart"]["status"] == "unavailable"
    assert rows["chat_smart"]["reason"] == "no provider configures a model for chat_smart"


def test_yaml_that_does_not_parse_exits_1_with_its_finding(
    sekha_inprocess: Run, tmp_path: Path
) -> None:
    write(tmp_path / "config.yaml", "llm_providers: [\n  - id: x\n")
    code, document = probe_json(sekha_inprocess, "config.yaml", cwd=tmp_path)
    assert code == 1
    assert document["ok"] is False
    assert document["providers"] == []
    assert document["findings"][0]["severity"] == "error"
    assert document["findings"][0]["line"] is not None


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--timeout", "0"), "--timeout must be a number of seconds above 0"),
        (("--env-file", "absent.env"), "absent.env"),
    ],
)
def test_usage_errors_still_print_one_json_document_and_exit_2(
    sekha_inprocess: Run, tmp_path: Path, args: tuple[str, ...], words: str
) -> None:
    write_config(tmp_path / "config.yaml", config(provider("p", "ollama", "http://127.0.0.1:9")))
    code, document = probe_json(sekha_inprocess, "config.yaml", *args, cwd=tmp_path)
    assert code == 2
    assert document["ok"] is False
    assert words in document["error"]
    assert codes(document) == ["usage-error"]
    assert (document["providers"], document["routing"]) == ([], [])


def test_probe_problems_are_findings_with_a_code_and_the_provider_path(
    sekha_inprocess: Run, servers: ServerPool, tmp_path: Path
) -> None:
    ollama = servers.start(OLLAMA, ["embedder:latest"])
    with closed_port() as dead:
        document = config(
            good_provider(ollama.url),
            provider("gone", "litellm", dead, priority=2),
            default_models={"embedding": "embedder"},
        )
        write_config(tmp_path / "config.yaml", document)
        code, answer = probe_json(sekha_inprocess, "config.yaml", cwd=tmp_path)
    assert code == 1
    missing = finding(answer, "model-not-offered")
    assert missing["path"] == "$.llm_providers[0].models[1]"
    assert missing["hint"] == "ollama pull chatter"
    unreachable = finding(answer, "provider-unreachable")
    assert unreachable["path"] == "$.llm_providers[1]"
    assert unreachable["message"].startswith("gone: unreachable: ")


def test_times_in_the_json_are_iso_utc_and_durations_in_seconds(
    sekha_inprocess: Run, tmp_path: Path
) -> None:
    with closed_port() as dead:
        document = config(
            provider("gone", "openai", dead, [model("chatter")]),
            breaker={"failure_threshold": 1, "timeout_secs": 60, "success_threshold": 1},
        )
        write_config(tmp_path / "config.yaml", document)
        _code, answer = probe_json(sekha_inprocess, "config.yaml", cwd=tmp_path)
    probed_at = datetime.fromisoformat(answer["probed_at"])
    assert probed_at.utcoffset() == timedelta(0)
    assert isinstance(answer["duration_secs"], float)
    breaker = answer["providers"][0]["breaker"]
    assert breaker["state"] == "open"
    last_failure = datetime.fromisoformat(breaker["last_failure"])
    assert last_failure.utcoffset() == timedelta(0)
    assert timedelta(0) <= last_failure - probed_at < timedelta(minutes=1)
    assert datetime.fromisoformat(breaker["last_state_change"]) == last_failure
    assert 0 <= breaker["time_since_failure"] < 60
    assert 59 < breaker["retry_after_secs"] <= 60


def test_text_shows_how_long_ago_a_breaker_opened(sekha_inprocess: Run, tmp_path: Path) -> None:
    with closed_port() as dead:
        document = config(
            provider("gone", "openai", dead, [model("chatter")]),
            breaker={"failure_threshold": 1},
        )
        write_config(tmp_path / "config.yaml", document)
        result = sekha_inprocess("probe", "config.yaml", cwd=tmp_path)
    assert result.exit_code == 1
    assert "open, opened 0 s ago" in result.stdout


def test_text_shows_the_config_findings_above_the_tables_and_exits_1(
    sekha_inprocess: Run, ollama: ProviderServer, tmp_path: Path
) -> None:
    document = config(
        good_provider(ollama.url),
        default_models=SEMANTIC_ERROR_DEFAULTS,
    )
    write_config(tmp_path / "config.yaml", document)
    result = sekha_inprocess("probe", "config.yaml", cwd=tmp_path)
    assert result.exit_code == 1
    out = result.stdout
    line = line_of(tmp_path / "config.yaml", "chat_smart: no-such-model")
    assert f"config.yaml:{line}:" in out and "[unknown-default-model]" in out
    assert out.index("unknown-default-model") < out.index("Providers in config.yaml")
    assert "Routing of default_models" in out
    assert "probe failed: 1 problem" in out


def test_text_for_an_unreadable_path_goes_to_stderr_and_exits_2(
    sekha_inprocess: Run, tmp_path: Path
) -> None:
    result = sekha_inprocess("probe", "missing.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "missing.yaml does not exist" in result.stderr


def test_unusable_breaker_settings_still_probe_with_the_defaults(
    sekha_inprocess: Run, ollama: ProviderServer, tmp_path: Path
) -> None:
    document = config(
        good_provider(ollama.url),
        default_models={"embedding": "embedder", "chat_fast": "chatter", "chat_smart": "chatter"},
        breaker={"failure_threshold": 0},
    )
    write_config(tmp_path / "config.yaml", document)
    code, answer = probe_json(sekha_inprocess, "config.yaml", cwd=tmp_path)
    assert code == 1  # the schema error in routing.circuit_breaker
    assert any(f["path"].startswith("$.routing.circuit_breaker") for f in answer["findings"])
    note = finding(answer, "default-breaker-used")
    assert "failure_threshold must be a whole number of at least 1" in note["message"]
    (probed,) = answer["providers"]
    assert (probed["status"], probed["breaker"]["failure_threshold"]) == ("ok", 3)
    assert [row["status"] for row in answer["routing"]] == ["preferred"] * 3


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0.4, "0 s ago"), (12.4, "12 s ago"), (119, "119 s ago"), (300, "5 min ago"),
     (3 * 3600, "3 h ago")],
)
def test_durations_read_as_how_long_ago(seconds: float, shown: str) -> None:
    from sekha_migrate.report.probe import seconds_ago

    assert seconds_ago(seconds) == shown
