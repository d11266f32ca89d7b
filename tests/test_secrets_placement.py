"""Every secret a migration reads ends where its consumer reads it, and no output puts a
`${VAR}` where its consumer takes it literally: over every v1 fixture and every upstream v1
file, for every target, with and without --externalize-secrets, on the files really written.

The rules checked are the loaders' (consumers.md sections 1 and 4): the controller expands no
`${VAR}` in its file and reads `SEKHA__<KEY>` from its environment (an env file it reads); the
bridge expands a provider's api_key written as exactly `${VAR}`, nothing else.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from migrate_support import FIXTURES

from sekha_migrate.migrate.apply import ApplyStatus, apply_plan
from sekha_migrate.migrate.plan import MigrationRequest, plan_migration
from sekha_migrate.migrate.results import KeyStatus, MigrationPlan
from sekha_migrate.model import loaders
from sekha_migrate.model.masking import hide_url_credentials
from sekha_migrate.sources.env_doc import load_env_text

V1_DIRS = [d for d in sorted((FIXTURES / "v1").iterdir())
           if d.is_dir() and d.name not in ("canonical-v2", "dialect-bridge", "dialect-docs")]
UPSTREAM_FILES = sorted(p for p in (FIXTURES / "v1-upstream").glob("*/*") if p.is_file())
# The shell a compose file needs (docker-compose.local.yml requires MCP_API_KEY).
SHELL = {"MCP_API_KEY": "shell-key-for-the-compose-file-0123456789abcdef"}
CASES = [(d, None) for d in V1_DIRS] + [(p.parent, p.name) for p in UPSTREAM_FILES]
TARGETS = ("docker", "bridge", "env")
WHOLE_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Written:
    plan: MigrationPlan
    output: Any  # the parsed output: a YAML document, or the env file's name -> value
    env_entries: dict[str, tuple[str | None, bool]]  # env output: name -> (value, literal)
    secrets: dict[str, tuple[str | None, bool]]  # the secrets file, likewise


def _migrate(tmp_path: Path, directory: Path, name: str | None, target: str,
             externalize: bool) -> Written | None:
    copy = tmp_path / directory.name
    shutil.copytree(directory, copy)
    plan = plan_migration(MigrationRequest(
        sources=(copy / name,) if name else (), directory=copy, environ=dict(SHELL),
        home=tmp_path / "home", target=target, externalize_secrets=externalize,
    ))
    if not plan.valid:
        return None  # written nowhere: nothing to place (test_migrate_upstream covers why)
    result = apply_plan(plan, force=True)
    assert result.status in (ApplyStatus.WRITTEN, ApplyStatus.UP_TO_DATE), result.status
    text = plan.output.read_text()
    if plan.holds_literal_secrets:
        assert stat.S_IMODE(plan.output.stat().st_mode) == 0o600
    env_entries = _env(text) if target == "env" else {}
    output = {k: v for k, (v, _) in env_entries.items()} if target == "env" else (
        yaml.safe_load(text))
    secrets: dict[str, tuple[str | None, bool]] = {}
    if plan.secrets:
        assert plan.secrets_file is not None
        assert stat.S_IMODE(plan.secrets_file.stat().st_mode) == 0o600
        secrets = _env(plan.secrets_file.read_text())
    return Written(plan, output, env_entries, secrets)


def _env(text: str) -> dict[str, tuple[str | None, bool]]:
    return {e.name: (e.value, e.literal) for e in load_env_text(text).entries}


def _controller_document(written: Written, target: str) -> dict[str, Any]:
    """The controller's keys as the written file gives them (the bridge file has none)."""
    if target == "docker":
        return {k: v for k, v in written.output.items() if k in loaders.CONTROLLER_KEYS}
    if target == "env":
        keys = {name: loaders.controller_env_key(name) for name in written.output}
        return {key: written.output[name] for name, key in keys.items() if key is not None}
    return {}


def _providers(written: Written, target: str) -> list[dict[str, Any]]:
    if target == "env":
        text = written.output.get("SEKHA__LLM_PROVIDERS") or "[]"
        return cast("list[dict[str, Any]]", json.loads(text))
    return list(written.output.get("llm_providers" if target == "docker" else "providers") or [])


@pytest.mark.parametrize("externalize", [False, True], ids=["default", "externalize"])
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(("directory", "name"), CASES,
                         ids=[f"{d.name}/{n}" if n else d.name for d, n in CASES])
def test_no_output_puts_a_placeholder_where_its_consumer_takes_it_literally(
    tmp_path: Path, directory: Path, name: str | None, target: str, externalize: bool
) -> None:
    written = _migrate(tmp_path, directory, name, target, externalize)
    if written is None:
        return
    if target == "docker":
        for key, value in _controller_document(written, target).items():
            assert "${" not in json.dumps(value), (key, value)
    elif target == "bridge":
        for path, value in _strings(written.output, ()):
            if "${" in value:
                assert loaders.bridge_expands(path) and WHOLE_REFERENCE.fullmatch(value), path
    else:  # compose and dotenvy expand ${VAR} in a value that is not single-quoted
        for name_, (value, literal) in written.env_entries.items():
            if loaders.controller_env_key(name_) is not None and value and "${" in value:
                assert not literal, name_
    for name_, (value, literal) in written.secrets.items():
        assert not (literal and value and "${" in value), name_


@pytest.mark.parametrize("externalize", [False, True], ids=["default", "externalize"])
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(("directory", "name"), CASES,
                         ids=[f"{d.name}/{n}" if n else d.name for d, n in CASES])
def test_every_secret_ends_where_its_consumer_reads_it(
    tmp_path: Path, directory: Path, name: str | None, target: str, externalize: bool
) -> None:
    written = _migrate(tmp_path, directory, name, target, externalize)
    if written is None:
        return
    controller = _controller_document(written, target)
    providers = _providers(written, target)
    kept = _kept_by_comment(written.plan.text)
    for read in written.plan.reads:
        if read.status is not KeyStatus.MAPPED or read.setting is None:
            continue
        for where in read.targets:
            key = where.removeprefix("$.")
            if key in loaders.CONTROLLER_SECRET_KEYS or (
                key in loaders.CONTROLLER_KEYS and _has_password(read.value)
            ):
                _controller_secret_placed(written, target, key, read, controller, kept)
            elif re.fullmatch(r"llm_providers\[(\d+)\]\.api_key", key) and read.value:
                index = int(key.split("[")[1].split("]")[0])
                _provider_key_placed(written, providers[index]["api_key"], read)
    if externalize and target != "bridge":
        # Nothing the controller can read from a variable is left in its file.
        for key, value in controller.items():
            if key in loaders.CONTROLLER_SECRET_KEYS - loaders.CONTROLLER_LIST_KEYS:
                assert not value, key


def _controller_secret_placed(written: Written, target: str, key: str, read: Any,
                              controller: dict[str, Any], kept: dict[str, str]) -> None:
    variable = loaders.controller_env_name(key)
    value = read.value
    if key in loaders.CONTROLLER_LIST_KEYS:  # no variable can hold a list: the file does
        if target in ("bridge", "env"):
            assert any(f.code == "not-carried" and f.path == f"$.{key}"
                       for f in written.plan.findings), key
        else:
            assert _as_list(controller.get(key)) == _as_list(value), key
        return
    if read.origin.key == variable and variable not in written.secrets:
        # Read from the variable the controller reads: it stays there, and the file says so.
        assert key not in controller, key
        if target != "bridge":
            assert kept.get(key) == variable, key
        return
    if key in controller:  # literally in a file the controller reads
        assert target in ("docker", "env") and controller[key] == value, key
        return
    assert written.secrets.get(variable, (None, False))[0] == value, (key, variable)


def _provider_key_placed(written: Written, api_key: str, read: Any) -> None:
    value = read.value
    if api_key == value:
        return  # literal, in a file written 0600 (checked in _migrate)
    reference = WHOLE_REFERENCE.fullmatch(api_key)
    assert reference is not None, api_key
    variable = reference.group(1)
    in_secrets = written.secrets.get(variable, (None, False))[0] == value
    # Left in the variable that held it (a .env, the shell): the bridge's environment sets it.
    assert in_secrets or read.origin.key == variable, (variable, read.origin)


def _kept_by_comment(text: str) -> dict[str, str]:
    from sekha_migrate.model.secret_notes import keys_set_elsewhere

    return keys_set_elsewhere(text)


def _has_password(value: Any) -> bool:
    return isinstance(value, str) and hide_url_credentials(value) != value


def _as_list(value: Any) -> list[Any]:
    return list(value or [])


def _strings(value: Any, path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], str]]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(v, (*path, k))]
    if isinstance(value, list):
        return [s for i, v in enumerate(value) for s in _strings(v, (*path, i))]
    return [(path, value)] if isinstance(value, str) else []


# ---- the placements, one by one ------------------------------------------------------------


def test_a_key_from_a_v1_env_goes_to_sekha_secrets_env_with_a_comment(tmp_path: Path) -> None:
    written = _migrate(tmp_path, FIXTURES / "v1-upstream" / "controller-env-1eea101",
                       ".env.example", "docker", False)
    assert written is not None
    assert "mcp_api_key" not in written.output
    assert written.secrets["SEKHA__MCP_API_KEY"] == (
        "test_key_12345678901234567890123456789012", True)
    assert ("# mcp_api_key: set by SEKHA__MCP_API_KEY in sekha-secrets.env (the controller "
            "reads it from its environment)") in written.plan.text.splitlines()
    steps = [(s.component, s.kind, s.subject) for s in written.plan.next_steps]
    assert steps == [
        ("controller", "file", "config.yaml"),
        ("bridge", "file", "config.yaml"),
        ("controller", "file", "sekha-secrets.env"),
        ("controller", "variable", "SEKHA__MCP_API_KEY"),
    ]


def test_a_literal_key_from_a_file_stays_literal_in_a_private_file(tmp_path: Path) -> None:
    written = _migrate(tmp_path, FIXTURES / "v1" / "flat-toml", None, "docker", False)
    assert written is not None
    assert written.output["mcp_api_key"] == "mcp-0123456789abcdef0123456789abcdef"
    assert written.output["database_url"] == "postgres://sekha:secret@db:5432/sekha"
    assert written.plan.secrets == ()
    assert stat.S_IMODE(written.plan.output.stat().st_mode) == 0o600


def test_a_cloud_key_from_a_env_stays_in_its_variable_for_the_bridge(tmp_path: Path) -> None:
    written = _migrate(tmp_path, FIXTURES / "v1" / "cloud-keys", None, "bridge", False)
    assert written is not None
    keys = {p["id"]: p.get("api_key") for p in written.output["providers"]}
    assert keys["openai"] == "${OPENAI_API_KEY}"
    assert keys["anthropic"] == "${ANTHROPIC_API_KEY}"
    assert ("bridge", "variable", "OPENAI_API_KEY") in [
        (s.component, s.kind, s.subject) for s in written.plan.next_steps]


def test_externalize_moves_a_provider_key_from_a_file_to_a_variable(tmp_path: Path) -> None:
    directory = tmp_path / "input" / "src"
    directory.mkdir(parents=True)
    (directory / "config.toml").write_text(
        'ollama_url = "http://localhost:11434"\nopenai_api_key = "sk-file-0123456789abcdef"\n')
    written = _migrate(tmp_path, directory, None, "bridge", True)
    assert written is not None
    [openai] = [p for p in written.output["providers"] if p["id"] == "openai"]
    assert openai["api_key"] == "${OPENAI_API_KEY}"
    assert written.secrets["OPENAI_API_KEY"] == ("sk-file-0123456789abcdef", True)


def test_the_compose_entry_the_controller_reads_keeps_the_key(tmp_path: Path) -> None:
    written = _migrate(tmp_path, FIXTURES / "v1-upstream" / "docker-docker-compose.prod",
                       "docker-compose.prod.yml", "env", False)
    assert written is not None
    assert "SEKHA__MCP_API_KEY" not in written.output
    assert ("# mcp_api_key: set by SEKHA__MCP_API_KEY in docker-compose.prod.yml:19 (the "
            "controller reads it from its environment)") in written.plan.text.splitlines()
    assert written.plan.secrets == ()


def test_the_env_target_never_gives_a_list_to_a_variable(tmp_path: Path) -> None:
    written = _migrate(tmp_path, FIXTURES / "v1" / "flat-toml", None, "env", False)
    assert written is not None
    assert "SEKHA__ADDITIONAL_API_KEYS" not in written.output
    assert written.output["SEKHA__MCP_API_KEY"] == "mcp-0123456789abcdef0123456789abcdef"
    assert stat.S_IMODE(written.plan.output.stat().st_mode) == 0o600


def test_the_reports_next_steps_name_the_dead_compose_entries(tmp_path: Path) -> None:
    written = _migrate(tmp_path, FIXTURES / "v1-upstream" / "docker-docker-compose.dev",
                       "docker-compose.dev.yml", "docker", False)
    assert written is not None
    dead = [(s.component, s.subject) for s in written.plan.next_steps if s.kind == "dead"]
    # One underscore: the v1 controller never read them, and v2 will not either.
    assert dead == [("controller", "docker-compose.dev.yml:16 SEKHA_DATABASE_URL"),
                    ("controller", "docker-compose.dev.yml:17 SEKHA_CHROMA_URL")]
    from sekha_migrate.migrate.report_doc import report_document

    document = report_document(written.plan, status="written")
    assert document["next_steps"] == [s.to_dict() for s in written.plan.next_steps]


# ---- secrets never printed whole -----------------------------------------------------------

SECRET_CASES = [
    ("v1/flat-toml", None, ["mcp-0123456789abcdef0123456789abcdef", "secret@db"]),
    ("v1/cloud-keys", None, ["sk-proj-test-0000000000000000000000000000"]),
    ("v1/env-forms", None, ["mcp-key-that-is-long-enough-0123456789"]),
    ("v1-upstream/controller-env-1eea101", ".env.example",
     ["test_key_12345678901234567890123456789012"]),
]


@pytest.mark.parametrize("externalize", [False, True], ids=["default", "externalize"])
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(("fixture", "name", "secrets"), SECRET_CASES,
                         ids=[c[0] for c in SECRET_CASES])
def test_secrets_are_never_printed_whole(
    sekha_inprocess: Any, tmp_path: Path, fixture: str, name: str | None, secrets: list[str],
    target: str, externalize: bool,
) -> None:
    directory = tmp_path / Path(fixture).name
    shutil.copytree(FIXTURES / fixture, directory)
    args = ["migrate", "--yes", "--no-env", "--target", target, "--report", "report.json"]
    args += ["--externalize-secrets"] if externalize else []
    result = sekha_inprocess(*args, *([name] if name else []), cwd=directory)
    assert result.exit_code == 0, result.stderr
    shown = result.stdout + result.stderr + (directory / "report.json").read_text()
    assert "Next steps:" in result.stderr + result.stdout
    for secret in secrets:
        assert secret not in shown
