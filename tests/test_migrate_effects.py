"""A migration names every change in what its file's reader runs with: the effective
configuration of the v1 sources against that of the files written on disk, for Sekha's own
v1 files and every target."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, CliResult, write

from sekha_migrate import apply_plan, plan_migration
from sekha_migrate.effective.sources import SourceSet, resolve_source_set
from sekha_migrate.effective.values import EffectiveConfig
from sekha_migrate.migrate.discover import SourceKind, SourceLayer
from sekha_migrate.migrate.effects import READER
from sekha_migrate.migrate.report_doc import report_document
from sekha_migrate.model import loaders

# Every v1 fixture that is a set of sources (compose projects are covered by their own tests).
V1_DIRS = sorted(
    [p for p in (FIXTURES / "v1").iterdir() if p.is_dir() and p.name not in (
        "canonical-v2", "dialect-bridge", "dialect-docs", "invalid-values", "env-ambiguous")]
    + [p for p in (FIXTURES / "v1-upstream").iterdir()
       if p.is_dir() and not any(p.glob("docker-compose*")) and p.name != "docker-env-v2"]
)


def differing_keys(before: EffectiveConfig, after: EffectiveConfig) -> set[str]:
    keys = set(before.settings) | set(after.settings)
    differ = set()
    for key in keys:
        old, new = before.value(key), after.value(key)
        if key == "log_level" and isinstance(old, str) and isinstance(new, str):
            old, new = old.lower(), new.lower()
        if old != new and not (key in loaders.CONTROLLER_UNUSED
                               and before.component == "controller"):
            differ.add(key)
    return differ


@pytest.mark.parametrize("target", ["docker", "bridge", "env"])
@pytest.mark.parametrize("fixture", V1_DIRS, ids=lambda p: p.name)
def test_every_change_in_what_the_reader_runs_with_is_named(
    tmp_path: Path, fixture: Path, target: str
) -> None:
    project = tmp_path / "project"
    shutil.copytree(fixture, project)
    sources = sorted(p for p in project.iterdir() if p.is_file())
    plan = plan_migration(sources=sources, target=target,
                          output=project / ("sekha.env" if target == "env" else "config.v2.yaml"))
    assert plan.valid, [f.message for f in plan.findings if f.severity.value == "error"]
    result = apply_plan(plan, force=True)
    assert result.written, result.status
    reader = READER[target]
    config_files = [s.path for s in plan.sources if s.layer is SourceLayer.FILE]
    env_files = [s.path for s in plan.sources if s.kind is SourceKind.ENV]
    before = resolve_source_set(reader, SourceSet(config_files=config_files,
                                                  env_files=env_files))
    written = plan.output
    # The secrets file migrate wrote is handed to the controller as its environment.
    secrets = [plan.secrets_file] if plan.secrets_file and plan.secrets_file.is_file() else []
    after_set = (SourceSet(env_files=[*env_files, written, *secrets]) if target == "env"
                 else SourceSet(config_files=[written], env_files=[*env_files, *secrets]))
    after = resolve_source_set(reader, after_set)
    assert after.starts, [f.message for f in after.findings]
    assert differing_keys(before, after) == {change.key for change in plan.effects}
    assert all(change.component == reader for change in plan.effects)


def test_the_changes_of_a_sectioned_toml_are_pinned(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "v1-upstream" / "controller-config-3bfee75", project)
    plan = plan_migration(directory=project)
    rows = [(c.key, c.before, c.before_origin.key, c.after, c.after_origin.line)
            for c in plan.effects]
    assert rows == [
        ("server_host", "127.0.0.1", "the controller's default (config.rs)", "0.0.0.0", 43),
        ("database_url", "sqlite://sekha.db", "the controller's default (config.rs)",
         "sqlite://sekha.db?mode=rwc", 49),
        ("mcp_api_key", "dev_…7890", "the controller's default (config.rs)", "dev_…9012", 56),
        ("rest_api_key", "dev_…7890", "the controller's default (config.rs)", "rest…6789", 57),
        ("additional_api_keys", [], "the controller's default (config.rs)",
         ["test…9012", "sk-s…9012"], 58),
    ]
    document = report_document(plan, status="dry-run")
    assert document["effects"][0] == {
        "component": "controller", "key": "server_host",
        "before": "127.0.0.1", "before_origin": "the controller's default (config.rs)",
        "after": "0.0.0.0", "after_origin": f"{project / 'config.yaml'}:43 (server_host)",
    }


def test_settings_the_controller_reads_outside_the_schema_are_kept(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", 'ollama_url = "http://gpu-box:11434"\n'
                                    'summarization_model = "qwen2.5:7b"\n'
                                    f'mcp_api_key = "{"k" * 40}"\n')
    plan = plan_migration(directory=tmp_path)
    data = yaml.safe_load(plan.text)
    assert (data["ollama_url"], data["summarization_model"]) == ("http://gpu-box:11434",
                                                                 "qwen2.5:7b")
    assert plan.effects == ()
    assert plan.valid


def test_effects_show_in_the_text_summary(sekha: Callable[..., CliResult],
                                          tmp_path: Path) -> None:
    write(tmp_path / "config.toml", f'mcp_api_key = "{"k" * 40}"\n')
    write(tmp_path / ".env", "SEKHA_SERVER_PORT=9000\n")  # one underscore: v1 never read it
    result = sekha("migrate", "--dry-run", "--no-env", cwd=tmp_path)
    lines = result.stderr.splitlines()
    start = lines.index("What the controller will run with differently than v1 did")
    assert lines[start + 1].split() == ["setting", "v1", "ran", "with", "v2", "will", "run",
                                        "with"]
    assert lines[start + 3].split() == [
        "server_port", "8080", "(the", "controller's", "default", "(config.rs))",
        "9000", "(config.yaml:44", "(server_port))"]
    assert lines[start + 4].startswith("embedding: ")


def test_an_effect_built_from_a_secret_variable_is_masked(tmp_path: Path) -> None:
    key = "sk-" + "q" * 30
    # One underscore: v1 never read it, so v2 changes the controller's Ollama to it.
    write(tmp_path / ".env", f"SEKHA_API_KEY={key}\nSEKHA_OLLAMA_URL=${{SEKHA_API_KEY}}http://o\n"
                             f"SEKHA__MCP_API_KEY={'m' * 40}\n")
    plan = plan_migration(directory=tmp_path)
    [change] = [c for c in plan.effects if c.key == "ollama_url"]
    assert change.after == "sk-q…qqqqhttp://o"
    assert key not in str([c.to_dict() for c in plan.effects])


def test_a_controller_left_on_the_public_key_is_warned_about(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", "server_port = 9000\n")
    plan = plan_migration(directory=tmp_path)
    [warning] = [f for f in plan.findings if f.code == "public-default-key"]
    assert warning.severity.value == "warning"
    assert warning.message == (
        "no source gives the controller an mcp_api_key: it runs with its public default key "
        "('dev_default_key_change_me_1234567890'), which authenticates every MCP call")
    write(tmp_path / "config.toml", f'server_port = 9000\nmcp_api_key = "{"k" * 40}"\n')
    assert not [f for f in plan_migration(directory=tmp_path).findings
                if f.code == "public-default-key"]


def test_an_empty_controller_variable_is_said_to_be_a_value(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", f'mcp_api_key = "{"k" * 40}"\n')
    write(tmp_path / ".env", "SEKHA__MCP_API_KEY=\nVISION_MODEL=\n")
    plan = plan_migration(directory=tmp_path)
    notes = {read.origin.key: read.note for read in plan.reads}
    assert notes["SEKHA__MCP_API_KEY"] == (
        'empty: the controller reads it as "" (an empty variable is a value), and it still '
        "overrides the v2 file while it is set")
    assert notes["VISION_MODEL"] == "empty: unset, as v1 read it"
    # the engine agrees: the controller runs with "" before and after, and says so
    assert not plan.valid
    assert [f.code for f in plan.findings if f.severity.value == "error"] == [
        "mcp-key-rejected"]


def test_next_steps_say_the_bridge_loads_no_dotenv(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "examples" / "v1-basic", tmp_path / "p")
    plan = plan_migration(directory=tmp_path / "p")
    [step] = [s for s in plan.next_steps if s.component == "bridge" and s.kind == "variable"]
    assert step.subject == "OPENAI_API_KEY"
    assert step.detail == (
        "set in .env:3, which the bridge does not load (it reads no "
        ".env): pass it to the bridge's environment (compose environment: or env_file:, or "
        "export it)")
