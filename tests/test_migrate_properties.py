"""Properties over generated v1 configurations: the output is always valid v2 (against our
schema and the reference schema), every key read is accounted for, and migrate followed by
rollback restores every byte."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from dotenv import dotenv_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from migrate_support import tree_bytes

from sekha_migrate.migrate.plan import MigrationRequest, plan_migration
from sekha_migrate.migrate.results import KeyStatus
from sekha_migrate.model import v1
from sekha_migrate.model.placeholders import expand_placeholders
from sekha_migrate.schema import format_checker
from sekha_migrate.validate.compiled import compiled_validator

REFERENCE_SCHEMA = Path(__file__).resolve().parent.parent / "fixtures/reference"
PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

hosts = st.sampled_from(["localhost", "ollama", "10.0.0.7", "gpu-box.lan"])
urls = st.builds(lambda h, p: f"http://{h}:{p}", hosts, st.integers(1, 65535))
keys = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=32, max_size=48)
models = st.sampled_from(
    ["nomic-embed-text", "mxbai-embed-large:latest", "all-minilm", "bge-m3",
     "qwen3-embedding:4b", "snowflake-arctic-embed:33m", "my-own-embedder"]
)
chat = st.sampled_from(["llama3.1:8b", "qwen2.5:7b", "mistral:latest", "phi3:mini"])
levels = st.sampled_from(["debug", "INFO", "Warn", "warning", "error", "TRACE"])

SETTINGS = {
    "server_host": st.sampled_from(["0.0.0.0", "127.0.0.1", "::"]),
    "server_port": st.integers(1024, 65535),
    "mcp_api_key": keys,
    "rest_api_key": keys,
    "database_url": st.sampled_from(["sqlite://sekha.db", "postgres://u:p@db:5432/s"]),
    "ollama_url": urls,
    "chroma_url": urls,
    "llm_bridge_url": urls,
    "embedding_model": models,
    "summarization_model": chat,
    "summarization_enabled": st.booleans(),
    "pruning_enabled": st.booleans(),
    "max_connections": st.integers(1, 100),
    "log_level": levels,
    "rate_limit_per_minute": st.integers(1, 100_000),
    "cors_enabled": st.booleans(),
}
ENV_ONLY = {
    "cb_failure_threshold": st.integers(1, 10),
    "cb_reset_timeout": st.integers(1, 600),
    "routing_auto_fallback": st.booleans(),
    "chat_model": chat,
}
CLOUD = {"OPENAI_API_KEY": keys, "ANTHROPIC_API_KEY": keys, "OPENROUTER_API_KEY": keys}


@st.composite
def v1_configs(draw: Any) -> dict[str, Any]:
    # At least one setting: a file without any is refused ("no Sekha settings in FILE").
    file_keys = draw(st.lists(st.sampled_from(sorted(SETTINGS)), unique=True, min_size=1,
                              max_size=10))
    env_keys = draw(st.lists(st.sampled_from(sorted({**SETTINGS, **ENV_ONLY})), unique=True,
                             max_size=6))
    return {
        "shape": draw(st.sampled_from(["flat-toml", "sectioned-toml", "yaml"])),
        "file": {key: draw(SETTINGS[key]) for key in file_keys},
        "env": {key: draw({**SETTINGS, **ENV_ONLY}[key]) for key in env_keys},
        "env_form": draw(st.sampled_from(["SEKHA_", "SEKHA__", "bare"])),
        "cloud": {name: draw(CLOUD[name]) for name in
                  draw(st.lists(st.sampled_from(sorted(CLOUD)), unique=True, max_size=3))},
        "unknown": draw(st.booleans()),
    }


def _toml_value(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, bool) else str(value).lower()


def _write_config(directory: Path, config: dict[str, Any]) -> None:
    values = dict(config["file"])
    if config["unknown"]:
        values["legacy_feature_flag"] = "on"
    if config["shape"] == "yaml":
        lines = [f"{key}: {json.dumps(value)}" for key, value in values.items()]
        lines.append("embedding_model: " + json.dumps(values.get("embedding_model",
                                                                 "nomic-embed-text")))
        (directory / "config.yaml").write_text("\n".join(dict.fromkeys(lines)) + "\n")
    elif config["shape"] == "flat-toml":
        lines = [f"{key} = {_toml_value(value)}" for key, value in values.items()]
        (directory / "config.toml").write_text("\n".join(lines) + "\n")
    else:
        sections: dict[str, list[str]] = {"": []}
        reverse = {flat: (table, key) for table, entries in v1.SECTION_KEYS.items()
                   for key, flat in entries.items() if flat}
        for key, value in values.items():
            table, name = reverse.get(key, ("", key))
            sections.setdefault(table, []).append(f"{name} = {_toml_value(value)}")
        text = "\n".join(sections.pop(""))
        for table, lines in sections.items():
            text += f"\n[{table}]\n" + "\n".join(lines)
        (directory / "config.toml").write_text(text + "\n")
    env_lines = [f"{_env_name(key, config['env_form'])}='{_env_text(value)}'"
                 for key, value in config["env"].items()]
    env_lines += [f"{name}={value}" for name, value in config["cloud"].items()]
    if env_lines:
        (directory / ".env").write_text("\n".join(env_lines) + "\n")


def _env_name(setting: str, form: str) -> str:
    bare = {flat: name for name, flat in v1.BARE_ENV_NAMES.items()}
    if form == "bare" and setting in bare:
        return bare[setting]
    return ("SEKHA__" if form == "SEKHA__" else "SEKHA_") + setting.upper()


def _env_text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _reference_validator() -> Any:
    from jsonschema import Draft7Validator

    schema = json.loads((REFERENCE_SCHEMA / "sekha-config-schema.json").read_text())
    return Draft7Validator(schema, format_checker=format_checker())


@PROPERTY_SETTINGS
@given(v1_configs())
def test_output_always_validates_against_both_schemas(config: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        _write_config(directory, config)
        plan = plan_migration(MigrationRequest(directory=directory))
        assert plan.valid, [i.message for i in plan.findings if i.severity.value == "error"]
        data = yaml.safe_load(plan.text)
        # keys from .env are written as ${VAR} references to it: expand them as the
        # controller, run with that environment, would
        env = {k: v for k, v in dotenv_values(directory / ".env").items() if v is not None}
        expanded, unresolved = expand_placeholders(data, {**config["cloud"], **env})
        assert not unresolved
        assert list(compiled_validator().iter_errors(expanded)) == []
        assert list(_reference_validator().iter_errors(expanded)) == []
        carried = {*config["file"].values(), *config["env"].values()}
        for secret in config["cloud"].values():
            assert secret in carried or secret not in plan.text


@PROPERTY_SETTINGS
@given(v1_configs())
def test_every_input_value_is_accounted_for(config: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        _write_config(directory, config)
        plan = plan_migration(MigrationRequest(directory=directory))
        data = yaml.safe_load(plan.text)
        read_names = [read.origin.key.rsplit(".", 1)[-1].lower() for read in plan.reads]
        for key in config["file"]:
            section_name = next((k for t in v1.SECTION_KEYS.values() for k, f in t.items()
                                 if f == key and config["shape"] == "sectioned-toml"), key)
            assert section_name in read_names or key in read_names
        mapped = {r.setting for r in plan.reads if r.status is KeyStatus.MAPPED}
        for read in plan.reads:
            # only a key whose value is in the v2 document names where it went
            assert bool(read.targets) == (read.status is KeyStatus.MAPPED), read
            if read.status is KeyStatus.MAPPED:
                assert read.targets
                for target in read.targets:
                    component, _, key = target.partition(".")
                    if component in plan.component_provenance:  # e.g. bridge.log_level
                        assert plan.component_provenance[component][key] == read.origin
                        continue
                    assert target in plan.provenance
                    assert plan.provenance[target] == read.origin
                    if read.setting in ("server_port", "max_connections", "log_level"):
                        assert data[read.setting] == v1.coerce_value(read.setting, read.value)
            elif read.status is KeyStatus.OVERRIDDEN:
                # overridden by a read of the same setting that did make it into v2
                assert read.note and read.setting in mapped, read
            else:
                assert read.status is KeyStatus.UNMAPPABLE and read.note
        from sekha_migrate.migrate.report_doc import value_rows

        assert all(row["from"] is not None for row in value_rows(plan))
        if config["unknown"]:
            unknown = [r for r in plan.reads if r.origin.key == "legacy_feature_flag"]
            assert unknown and unknown[0].status is KeyStatus.UNMAPPABLE


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(v1_configs(), st.booleans())
def test_migrate_then_rollback_restores_every_byte(config: dict[str, Any], existing: bool) -> None:
    from typer.testing import CliRunner

    from sekha_migrate.cli import app

    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        _write_config(directory, config)
        if existing and config["shape"] != "yaml":
            (directory / "config.yaml").write_text("# hand-written notes\nold: true\n")
        before = tree_bytes(directory)
        runner = CliRunner()
        migrated = runner.invoke(app, ["migrate", "--yes", "--no-env", "--dir", temp])
        assert migrated.exit_code == 0, migrated.output
        assert tree_bytes(directory) != before
        undone = runner.invoke(app, ["rollback", "--yes", "--dir", temp])
        assert undone.exit_code == 0, undone.output
        assert tree_bytes(directory) == before
