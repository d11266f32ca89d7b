"""Every Sekha component's dialect: validate per consumer, convert without loss, one model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import FIXTURES, write
from hypothesis import given, settings
from hypothesis import strategies as st

import sekha_migrate.convert as convert
from sekha_migrate.dialects import detect_dialect
from sekha_migrate.migrate.plan import MigrationRequest, plan_migration
from sekha_migrate.model import facts
from sekha_migrate.model.config import SekhaConfig
from sekha_migrate.registry import ProviderRegistry, RouteStatus
from sekha_migrate.schema import load_schema
from sekha_migrate.validate.engine import validate_file, validate_text

REFERENCE = FIXTURES / "reference"
BRIDGE_EXAMPLES = [
    REFERENCE / "bridge-config.yaml.example",
    REFERENCE / "bridge-config.all-providers.yaml",
]
DOCKER_EXAMPLES = sorted((FIXTURES / "v2" / "valid").glob("*.yaml"))
V1_FIXTURES = sorted(
    d for d in (FIXTURES / "v1").iterdir()
    if d.is_dir() and d.name not in ("canonical-v2", "dialect-bridge", "dialect-docs",
                                     "invalid-values", "home-layer")
)
UNREAD = {"unknown-key", "dialect-key", "other-component-key", "misplaced-key"}


def _triple(config: SekhaConfig) -> list[tuple[str, str, str]]:
    return [(p.id, m.model_id, m.task) for p in config.providers for m in p.models]


@pytest.mark.parametrize("path", BRIDGE_EXAMPLES, ids=lambda p: p.name)
def test_the_bridges_own_examples_validate_clean_as_bridge(path: Path) -> None:
    result = validate_file(path)
    assert result.target == "bridge"
    assert [f for f in result.findings if f.severity.value != "info"] == []


@pytest.mark.parametrize("path", DOCKER_EXAMPLES, ids=lambda p: p.name)
def test_docker_examples_stay_valid_and_are_reported_as_docker(path: Path) -> None:
    result = validate_file(path)
    assert (result.valid, result.target) == (True, "docker")


def test_upstreams_docker_example_gives_the_controller_a_placeholder_as_its_key() -> None:
    """sekha-docker's config.yaml.example writes mcp_api_key: "${SEKHA_API_KEY}"; the
    controller expands nothing in its file, so that text would be its key: a real error."""
    result = validate_file(REFERENCE / "docker-config.yaml.example")
    errors = [(f.code, f.path, f.line) for f in result.findings if f.severity.value == "error"]
    assert result.target == "docker"
    assert errors == [("literal-placeholder", "$.mcp_api_key", 271),
                      ("literal-placeholder", "$.rest_api_key", 272)]


def test_a_docker_key_in_a_bridge_file_names_the_key_the_bridge_reads(tmp_path: Path) -> None:
    text = (REFERENCE / "bridge-config.yaml.example").read_text()
    text = text.replace("timeout_secs: 120", "timeout: 120", 1)
    result = validate_text(text)
    [finding] = [f for f in result.findings if f.code == "dialect-key"]
    assert finding.path == "$.providers[0].timeout"
    assert "'timeout_secs'" in finding.message and finding.line == 14


def test_both_registries_in_one_file_is_an_error() -> None:
    text = "providers: []\nllm_providers: []\n"
    codes = {f.code for f in validate_text(text).findings}
    assert "both-dialects" in codes


def test_the_bridge_takes_a_placeholder_literally_outside_a_whole_api_key() -> None:
    data = yaml.safe_load((REFERENCE / "bridge-config.yaml.example").read_text())
    data["providers"][0]["base_url"] = "http://${OLLAMA_HOST}:11434"
    result = validate_text(json.dumps(data))
    [finding] = [f for f in result.findings if f.code == "literal-placeholder"]
    assert (finding.path, finding.severity.value) == ("$.providers[0].base_url", "error")
    assert finding.message == (
        "the LLM bridge does not expand 'http://${OLLAMA_HOST}:11434' here: it would use this "
        "text as it stands (it expands ${VAR} only as the whole value of a provider's api_key)"
    )


@pytest.mark.parametrize(("key", "message", "hint"), [
    # expand_env_vars (config.py, 2d4f6fc): v.startswith("${") and v.endswith("}") ->
    # os.getenv(v[2:-1]), so two references look up one variable named 'A}${B'
    ("${A}${B}",
     "the LLM bridge reads '${A}${B}' as one variable named 'A}${B', which no environment "
     "sets: the provider would get no key (it expands ${VAR} only as the whole value of a "
     "provider's api_key)",
     "write one ${VAR} as the whole value, and set that variable for the bridge"),
    ("sk-${A}",
     "the LLM bridge does not expand 'sk-${A}' here: it would use this text as it stands (it "
     "expands ${VAR} only as the whole value of a provider's api_key)",
     "write the value itself, or set it in the bridge's environment"),
])
def test_an_api_key_the_bridge_cannot_expand_as_written_says_what_it_gets(
        key: str, message: str, hint: str) -> None:
    data = yaml.safe_load((REFERENCE / "bridge-config.yaml.example").read_text())
    data["providers"][0]["api_key"] = key
    result = validate_text(json.dumps(data), env={"A": "a" * 40, "B": "b" * 40})
    [finding] = [f for f in result.findings if f.code == "literal-placeholder"]
    assert finding.path == "$.providers[0].api_key"
    assert finding.message == message
    assert finding.hint == hint


def test_a_whole_value_api_key_reference_is_no_literal_placeholder() -> None:
    data = yaml.safe_load((REFERENCE / "bridge-config.yaml.example").read_text())
    data["providers"][0]["api_key"] = "${A}"
    result = validate_text(json.dumps(data), env={"A": "a" * 40})
    assert [f.code for f in result.findings if f.code == "literal-placeholder"] == []


@pytest.mark.parametrize("target", ["docker", "bridge"])
def test_schema_target_accepts_its_own_dialect_and_rejects_the_other(target: str) -> None:
    schema = load_schema(target)
    own = BRIDGE_EXAMPLES[0] if target == "bridge" else REFERENCE / "docker-config.yaml.example"
    other = REFERENCE / "docker-config.yaml.example" if target == "bridge" else BRIDGE_EXAMPLES[0]
    jsonschema.Draft7Validator(schema).validate(yaml.safe_load(own.read_text()))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(yaml.safe_load(other.read_text()))


def test_sekha_schema_prints_the_bridge_schema(sekha_inprocess: Any) -> None:
    result = sekha_inprocess("schema", "--target", "bridge")
    assert json.loads(result.stdout)["required"] == ["providers"]
    assert sekha_inprocess("schema", "--target", "env").exit_code == 2


@pytest.mark.parametrize("directory", V1_FIXTURES, ids=lambda d: d.name)
def test_v1_fixtures_migrate_to_a_bridge_file_with_nothing_the_bridge_ignores(
    directory: Path,
) -> None:
    plan = plan_migration(MigrationRequest(directory=directory, target="bridge"))
    data = yaml.safe_load(plan.text)
    assert "providers" in data and "llm_providers" not in data
    for provider in data["providers"]:
        assert "provider_type" in provider and "type" not in provider
        assert "timeout" not in provider
    result = validate_text(plan.text, target="bridge")
    assert [f for f in result.findings if f.code in UNREAD] == []


def test_v1_migrated_to_bridge_writes_timeout_secs(tmp_path: Path) -> None:
    plan = plan_migration(MigrationRequest(directory=FIXTURES / "v1" / "flat-toml",
                                           target="bridge"))
    provider = yaml.safe_load(plan.text)["providers"][0]
    assert provider["timeout_secs"] == 120


@pytest.mark.parametrize(("source", "target"), [
    (BRIDGE_EXAMPLES[1], "docker"),
    (REFERENCE / "docker-config.yaml.example", "bridge"),
])
def test_conversion_keeps_every_provider_model_and_task(
    tmp_path: Path, source: Path, target: str
) -> None:
    copy = write(tmp_path / "config.yaml", source.read_text())
    plan = plan_migration(MigrationRequest(sources=(copy,), target=target))
    assert plan.valid, plan.findings
    assert plan.output == tmp_path / f"config.{target}.yaml"  # never the input itself
    before = convert.load_config(copy)
    after = convert.read_config(yaml.safe_load(plan.text), target)
    assert _triple(after) == _triple(before)


def test_conversion_keeps_the_users_comments(tmp_path: Path) -> None:
    copy = write(tmp_path / "config.yaml", BRIDGE_EXAMPLES[0].read_text())
    text = plan_migration(MigrationRequest(sources=(copy,), target="docker")).text
    assert "# Ollama (Local)" in text and "# OpenAI (Cloud) - Optional" in text
    assert "  # Ollama (Local)\n  - id: ollama" in text
    assert "# No cost limit" in text


def test_a_bridge_file_is_left_in_its_dialect_without_target(sekha_inprocess: Any,
                                                             tmp_path: Path) -> None:
    original = BRIDGE_EXAMPLES[0].read_bytes()
    (tmp_path / "config.yaml").write_bytes(original)
    result = sekha_inprocess("migrate", "--yes", cwd=tmp_path)
    assert result.exit_code == 0
    assert "bridge dialect" in result.stdout
    assert (tmp_path / "config.yaml").read_bytes() == original
    assert not (tmp_path / "config.docker.yaml").exists()


def test_an_invalid_bridge_file_is_not_converted(tmp_path: Path) -> None:
    text = BRIDGE_EXAMPLES[0].read_text().replace("provider_type: ollama", "provider_type: olama")
    copy = write(tmp_path / "config.yaml", text)
    plan = plan_migration(MigrationRequest(sources=(copy,), target="docker"))
    assert not plan.valid and plan.text == ""
    assert any(i.code == "schema-enum" and i.line == 11 for i in plan.findings)


def test_bridge_server_settings_are_reported_not_given_to_the_controller(tmp_path: Path) -> None:
    copy = write(tmp_path / "config.yaml", BRIDGE_EXAMPLES[0].read_text())
    plan = plan_migration(MigrationRequest(sources=(copy,), target="docker"))
    data = yaml.safe_load(plan.text)
    assert "server_port" not in data and "server_host" not in data
    dropped = [i.message for i in plan.findings if i.code == "not-carried"]
    assert any(m.startswith("server_port (5001) is the bridge's own setting") for m in dropped)


def test_migrate_target_env_writes_a_compose_env_that_validates(tmp_path: Path) -> None:
    plan = plan_migration(MigrationRequest(directory=FIXTURES / "examples" / "v1-basic",
                                           target="env", output=tmp_path / "sekha.env"))
    assert plan.valid, plan.findings
    path = write(tmp_path / "sekha.env", plan.text)
    result = validate_file(path)
    assert (result.target, result.valid) == ("env", True)
    assert "SEKHA__LLM_PROVIDERS='[" in plan.text
    # Each group of names says who reads it (consumers.md: a writer of this form should).
    assert "passes these to the\n# controller as LLM_PROVIDERS and DEFAULT_MODELS" in plan.text
    assert "# The controller's own settings" in plan.text


def test_an_env_file_with_a_broken_registry_is_located_on_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "compose.env",
                 "# compose\nSEKHA__LLM_PROVIDERS='[{\"id\": 1}'\n"
                 "SEKHA__CIRCUIT_BREAKER__HALF_OPEN_TIMEOUT=30\n")
    result = validate_file(path)
    by_code = {f.code: f.line for f in result.findings}
    assert by_code["env-json"] == 2 and by_code["unread-name"] == 3


def test_load_config_and_dump_config_round_trip_through_every_dialect() -> None:
    config = convert.load_config(str(BRIDGE_EXAMPLES[1]))
    assert config.dialect == "bridge" and config.valid
    for target in ("docker", "bridge"):
        text = convert.dump_config(config, target=target)
        assert validate_text(text, target=target).valid
        assert _triple(convert.read_config(yaml.safe_load(text), target)) == _triple(config)
    assert "SEKHA__LLM_PROVIDERS=" in convert.dump_config(config, target="env")


# ---- one rule for validate and the registry -------------------------------------------------

@pytest.mark.parametrize("role", facts.DEFAULT_ROLES)
@pytest.mark.parametrize("task", facts.DOCKER_TASKS)
@pytest.mark.parametrize("vision", [False, True])
def test_validate_and_the_registry_agree_on_every_role_and_task(
    role: str, task: str, vision: bool
) -> None:
    model: dict[str, Any] = {"model_id": "m", "task": task, "context_window": 8192,
                             "supports_vision": vision}
    if task == "embedding":
        model["dimension"] = 768
    defaults = {"embedding": "m", "chat_fast": "m", "chat_smart": "m", role: "m"}
    document = {"version": "2.0", "default_models": defaults, "llm_providers": [
        {"id": "p", "type": "ollama", "base_url": "http://localhost:11434", "priority": 1,
         "models": [model]}]}
    findings = validate_text(json.dumps(document)).findings
    validate_says = not any(f.code == "default-model-task" and f.path == f"$.default_models.{role}"
                            for f in findings)
    decision = ProviderRegistry.from_config(document).route_default(role, "m")
    assert validate_says == (decision.status is RouteStatus.PREFERRED), (role, task, vision)


# ---- properties -------------------------------------------------------------------------------

_ids = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
_models = st.builds(
    lambda mid, task, cw, vision: {
        "model_id": mid, "task": task, "context_window": cw,
        **({"dimension": 768} if task == "embedding" else {}),
        **({"supports_vision": vision} if vision is not None else {}),
    },
    _ids, st.sampled_from(facts.DOCKER_TASKS), st.integers(128, 200000),
    st.one_of(st.none(), st.booleans()),
)
_providers = st.builds(
    lambda pid, kind, priority, timeout, models, key: {
        "id": pid, "type": kind, "base_url": "http://localhost:11434", "priority": priority,
        **({"timeout": timeout} if timeout else {}), "models": models,
        **({"api_key": key} if key else {}),
    },
    _ids, st.sampled_from(facts.PROVIDER_TYPES), st.integers(1, 100),
    st.one_of(st.none(), st.integers(1, 600)), st.lists(_models, min_size=1, max_size=3),
    st.sampled_from([None, "${OPENAI_API_KEY}"]),
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(_providers, min_size=1, max_size=3, unique_by=lambda p: p["id"]),
       st.sampled_from([None, {"failure_threshold": 4, "timeout_secs": 30}]))
def test_docker_to_bridge_to_docker_is_the_identity(
    providers: list[dict[str, Any]], breaker: dict[str, Any] | None
) -> None:
    document: dict[str, Any] = {"version": "2.0", "llm_providers": providers}
    if breaker:
        document["routing"] = {"auto_fallback": False, "circuit_breaker": breaker}
    first = convert.read_config(document, "docker")
    bridge_doc = convert.write_config(first, "bridge").document
    back = convert.write_config(convert.read_config(bridge_doc, "bridge"), "docker").document
    assert back["llm_providers"] == providers
    assert back.get("routing") == document.get("routing")
    assert detect_dialect(bridge_doc) == "bridge"
    for target in ("docker", "bridge"):
        text = convert.dump_config(first, target=target)
        # A registry without a chat model cannot fill docker's required defaults: that is
        # the config's gap, reported as such, not the writer's.
        errors = [f for f in validate_text(text, target=target).findings
                  if f.severity.value == "error" and not f.path.startswith("$.default_models")]
        assert errors == [], (target, errors)


def test_probe_reads_a_bridge_dialect_file(servers: Any, tmp_path: Path,
                                           sekha_inprocess: Any) -> None:
    from provider_servers import OLLAMA

    ollama = servers.start(OLLAMA, ["nomic-embed-text:latest", "llama3.1:8b",
                                    "llama3.2-vision:11b"], dimensions={"nomic-embed-text": 768})
    text = BRIDGE_EXAMPLES[0].read_text().replace("http://ollama:11434", ollama.url)
    write(tmp_path / "config.yaml", text)
    result = sekha_inprocess("probe", "config.yaml", "--format", "json", cwd=tmp_path)
    document = json.loads(result.stdout)
    assert result.exit_code == 0, result.stdout
    assert [p["id"] for p in document["providers"]] == ["ollama"]


def test_the_cli_offers_exactly_the_dialects_the_library_knows() -> None:
    from sekha_migrate.commands.options import Target
    from sekha_migrate.dialects import TARGETS

    assert tuple(t.value for t in Target) == TARGETS
