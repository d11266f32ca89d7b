"""plan_migration on every v1 shape: what lands where in v2, and where it came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_support import V1, copy_fixture, output_data, plan_dir, read_for

from sekha_migrate.findings import Severity
from sekha_migrate.migrate.discover import MigrateUsageError
from sekha_migrate.migrate.plan import MigrationRequest, plan_migration
from sekha_migrate.migrate.results import ENVIRONMENT, KeyStatus, MigrationPlan, PlanKind


def codes(plan: MigrationPlan, severity: Severity | None = None) -> list[str]:
    return [i.code for i in plan.findings if severity is None or i.severity is severity]


def test_flat_toml_carries_every_controller_key() -> None:
    plan = plan_dir(V1 / "flat-toml")
    data = output_data(plan)
    assert plan.valid and plan.kind is PlanKind.V1
    assert data["version"] == "2.0"
    assert data["server_host"] == "127.0.0.1"
    assert data["server_port"] == 8081
    assert data["mcp_api_key"] == "mcp-0123456789abcdef0123456789abcdef"
    assert data["additional_api_keys"] == ["extra-0123456789abcdef0123456789abcd"]
    assert data["database_url"] == "postgres://sekha:secret@db:5432/sekha"
    assert data["max_connections"] == 25
    assert data["log_level"] == "debug"
    assert data["summarization_enabled"] is False
    assert data["cors_enabled"] is False
    assert data["rate_limit_per_minute"] == 600
    provider = data["llm_providers"][0]
    assert provider["base_url"] == "http://ollama:11434"
    embedding = provider["models"][0]
    assert embedding == {
        "model_id": "all-minilm:latest", "task": "embedding", "context_window": 512,
        "dimension": 384,
    }
    assert data["default_models"]["chat_fast"] == "qwen2.5:7b"
    assert all(read.status is KeyStatus.MAPPED for read in plan.reads)
    assert len(plan.reads) == 17
    origin = plan.provenance["$.server_port"]
    assert origin.file is not None
    assert (Path(origin.file).name, origin.line, origin.key) == ("config.toml", 3, "server_port")


def test_sectioned_toml_maps_tables_and_warns_about_misplaced_keys() -> None:
    plan = plan_dir(V1 / "sectioned-toml")
    data = output_data(plan)
    assert plan.valid
    assert data["server_port"] == 9090
    assert data["database_url"] == "sqlite:///var/lib/sekha/sekha.db"
    assert data["max_connections"] == 15
    # [llm_bridge] timeout_secs is the controller's wait for the bridge, not the provider's
    assert data["llm_providers"][0]["timeout"] == 120
    assert plan.component_settings["controller"]["llm_bridge_timeout"] == 90
    assert data["additional_api_keys"] == ["key-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]
    assert data["rate_limit_per_minute"] == 300
    # ollama_url written after [server] belongs to [server] under TOML rules: still mapped
    assert data["llm_providers"][0]["base_url"] == "http://gpu-box:11434"
    misplaced = [i for i in plan.findings if i.code == "misplaced-key"]
    assert {(i.line, "[server]" in i.message or "[api]" in i.message) for i in misplaced} == {
        (10, True), (28, True)
    }
    assert data["log_level"] == "warn"
    assert read_for(plan, "server.cors_origins").status is KeyStatus.UNMAPPABLE
    assert read_for(plan, "chroma.collection_name").status is KeyStatus.UNMAPPABLE
    assert read_for(plan, "server.ollama_url").targets == ("$.llm_providers[0].base_url",
                                                           "$.ollama_url")


def test_v1_yaml_is_read_with_marks() -> None:
    plan = plan_dir(V1 / "v1-yaml")
    data = output_data(plan)
    assert plan.valid
    assert data["log_level"] == "debug"  # trace has no v2 level; debug is the closest
    assert data["llm_providers"][0]["models"][0]["dimension"] == 384
    assert data["chroma_url"] == "http://chroma:8000"
    assert plan.provenance["$.chroma_url"].line == 8
    assert plan.provenance["$.server_port"].line == 2


def test_env_file_in_every_form() -> None:
    plan = plan_dir(V1 / "env-forms")
    data = output_data(plan)
    assert plan.valid
    assert data["server_port"] == 8083
    assert data["max_connections"] == 30
    assert data["log_level"] == "warn"
    assert data["server_host"] == "10.0.0.5"
    assert data["llm_providers"][0]["base_url"] == "http://ollama:11434"
    assert data["cors_enabled"] is False
    assert data["summarization_enabled"] is True
    assert data["rate_limit_per_minute"] == 1200
    assert data["routing"] == {
        "auto_fallback": False,
        "require_vision_for_images": True,
        "max_cost_per_request": 0.05,
        "circuit_breaker": {"failure_threshold": 4, "timeout_secs": 45, "success_threshold": 2},
    }
    assert data["default_models"] == {
        "embedding": "nomic-embed-text:v1.5",
        "chat_fast": "llama3.1:8b",
        "chat_smart": "llama3.1:70b",
        "chat_vision": "llava:13b",
    }
    tasks = {m["task"]: m["model_id"] for m in data["llm_providers"][0]["models"]}
    assert tasks["vision"] == "llava:13b"
    assert read_for(plan, "NOTES").status is KeyStatus.UNMAPPABLE
    assert read_for(plan, "COMPOSE_PROJECT_NAME").status is KeyStatus.UNMAPPABLE
    assert plan.provenance["$.log_level"].line == 4
    assert plan.provenance["$.default_models.chat_fast"].key == "SEKHA__DEFAULT_MODELS"


def test_cloud_keys_add_providers_without_models_and_without_the_literal_key() -> None:
    plan = plan_dir(V1 / "cloud-keys")
    data = output_data(plan)
    assert plan.valid
    clouds = data["llm_providers"][1:]
    assert [(p["id"], p["priority"], p["api_key"], p["models"]) for p in clouds] == [
        ("openai", 2, "${OPENAI_API_KEY}", []),
        ("anthropic", 3, "${ANTHROPIC_API_KEY}", []),
        ("openrouter", 4, "${OPENROUTER_API_KEY}", []),
    ]
    assert "sk-proj-test" not in plan.text and "sk-ant-test" not in plan.text
    assert codes(plan).count("cloud-provider-without-models") == 3
    assert not plan.holds_literal_secrets


def test_bridge_dialect_stays_the_bridges_without_a_target() -> None:
    plan = plan_dir(V1 / "dialect-bridge")
    assert (plan.kind, plan.target, plan.text) == (PlanKind.CANONICAL, "bridge", "")


def test_bridge_dialect_converts_to_docker_when_asked() -> None:
    plan = plan_migration(MigrationRequest(directory=V1 / "dialect-bridge", target="docker"))
    data = output_data(plan)
    assert plan.kind is PlanKind.DIALECT and plan.valid
    assert plan.output == V1 / "dialect-bridge" / "config.docker.yaml"
    assert "providers" not in data
    provider = data["llm_providers"][0]
    assert provider["type"] == "ollama" and provider["timeout"] == 120
    assert "provider_type" not in provider and "timeout_secs" not in provider
    assert data["celery_broker_url"] == "redis://localhost:6379/0"


def test_docs_dialect_is_normalised() -> None:
    plan = plan_dir(V1 / "dialect-docs")
    data = output_data(plan)
    assert plan.kind is PlanKind.DIALECT and plan.valid
    assert data["routing"] == {"auto_fallback": True, "max_cost_per_request": 0.25}
    assert data["default_models"]["chat_fast"] == "llama3.1:8b"
    assert data["llm_providers"][0]["timeout"] == 60


def test_canonical_v2_is_left_alone() -> None:
    plan = plan_dir(V1 / "canonical-v2")
    assert plan.kind is PlanKind.CANONICAL
    assert plan.up_to_date


def test_unknown_embedding_model_is_assumed_and_warned() -> None:
    plan = plan_dir(V1 / "unknown-embedding")
    assert plan.dimension_assumed
    assert "unknown-embedding-model" in codes(plan, Severity.WARNING)
    chosen = plan_dir(V1 / "unknown-embedding", dimension=1536)
    assert not chosen.dimension_assumed
    assert output_data(chosen)["llm_providers"][0]["models"][0]["dimension"] == 1536
    assert chosen.provenance["$.llm_providers[0].models[0].dimension"].key == "--dimension"


def test_invalid_values_are_errors_at_their_line() -> None:
    plan = plan_dir(V1 / "invalid-values")
    assert not plan.valid
    errors = [(i.line, i.code) for i in plan.findings if i.severity is Severity.ERROR]
    assert errors[:3] == [(1, "invalid-value"), (2, "invalid-value"), (3, "invalid-value")]
    assert read_for(plan, "SEKHA__SERVER_PORT").status is KeyStatus.INVALID


def test_schema_error_points_at_the_source_line(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('ollama_url = "http://o:11434"\nserver_port = 80\n')
    plan = plan_dir(tmp_path)
    assert not plan.valid
    located = [i for i in plan.findings if i.severity is Severity.ERROR]
    assert located[0].file is not None
    assert located[0].file.endswith("config.toml")
    assert located[0].line == 2


def test_precedence_defaults_toml_home_env_process(tmp_path: Path) -> None:
    directory = copy_fixture("home-layer", tmp_path)
    home = directory / "home"
    plan = plan_dir(directory, include_home=True, home=home)
    data = output_data(plan)
    assert data["server_port"] == 8090  # home config.toml beats ./config.toml
    assert data["max_connections"] == 50  # .env beats both
    first, second = [r for r in plan.reads if r.origin.key == "server_port"]
    assert first.status is KeyStatus.OVERRIDDEN
    assert second.status is KeyStatus.MAPPED and ".sekha" in str(second.origin.file)
    env_plan = plan_dir(directory, include_home=True, home=home,
                        environ={"SEKHA__MAX_CONNECTIONS": "60", "LOG_LEVEL": "error"})
    env_data = output_data(env_plan)
    assert env_data["max_connections"] == 60  # the process environment beats .env
    assert env_data["log_level"] == "info"  # only SEKHA_* names are read from the process
    assert env_plan.provenance["$.max_connections"].file == ENVIRONMENT
    without_home = output_data(plan_dir(directory, home=home))
    assert without_home["server_port"] == 8081


def test_later_duplicate_in_one_env_file_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SEKHA_SERVER_PORT=8081\nSEKHA__SERVER_PORT=8082\n")
    plan = plan_dir(tmp_path)
    assert output_data(plan)["server_port"] == 8082
    first = plan.reads[0]
    assert first.status is KeyStatus.OVERRIDDEN and ".env:2" in (first.note or "")


def test_json_providers_replace_the_generated_registry(tmp_path: Path) -> None:
    providers = (
        '[{"id": "lab", "provider_type": "ollama", "base_url": "http://lab:11434", '
        '"priority": 1, "models": [{"model_id": "bge-m3", "task": "embedding", '
        '"context_window": 8192, "dimension": 1024}, {"model_id": "qwen2.5:14b", '
        '"task": "chat_smart", "context_window": 32768}]}]'
    )
    (tmp_path / ".env").write_text(
        f"SEKHA__LLM_PROVIDERS='{providers}'\nOLLAMA_URL=http://ignored:11434\n"
        'SEKHA__DEFAULT_MODELS=\'{"embedding": "bge-m3", "chat_small": "qwen2.5:14b", '
        '"chat_smart": "qwen2.5:14b"}\'\n'
    )
    plan = plan_dir(tmp_path)
    data = output_data(plan)
    assert plan.valid, plan.findings
    assert [p["id"] for p in data["llm_providers"]] == ["lab"]
    assert data["llm_providers"][0]["type"] == "ollama"
    assert data["default_models"]["chat_fast"] == "qwen2.5:14b"
    # The registry comes from the JSON; the controller's own ollama_url (its embeddings) is
    # still carried, and the change it makes is named among the plan's effects.
    ollama = read_for(plan, "OLLAMA_URL")
    assert (ollama.status, ollama.targets) == (KeyStatus.MAPPED, ("$.ollama_url",))
    assert [(c.key, c.after) for c in plan.effects] == [("ollama_url", "http://ignored:11434")]


def test_externalized_controller_secrets_move_to_the_names_the_controller_reads(
    tmp_path: Path,
) -> None:
    directory = copy_fixture("flat-toml", tmp_path)
    plan = plan_dir(directory, externalize_secrets=True)
    data = output_data(plan)
    assert plan.valid, plan.findings
    for key in ("mcp_api_key", "rest_api_key", "database_url"):
        assert key not in data
    assert dict(plan.secrets) == {
        "SEKHA__MCP_API_KEY": "mcp-0123456789abcdef0123456789abcdef",
        "SEKHA__REST_API_KEY": "rest-0123456789abcdef0123456789abcdef",
        "SEKHA__DATABASE_URL": "postgres://sekha:secret@db:5432/sekha",
    }
    assert "mcp-0123456789abcdef" not in plan.text and "secret@" not in plan.text
    comment = ("# mcp_api_key: set by SEKHA__MCP_API_KEY in sekha-secrets.env (the controller "
               "reads it from its environment)")
    assert comment in plan.text.splitlines()
    assert plan.secrets_file == directory / "sekha-secrets.env"
    assert "SEKHA__MCP_API_KEY='mcp-0123456789abcdef0123456789abcdef'" in (
        plan.secrets_text.splitlines())
    # config-rs reads no list from a variable: the extra keys stay in the file, kept 0600.
    assert data["additional_api_keys"] == ["extra-0123456789abcdef0123456789abcd"]
    assert plan.holds_literal_secrets


def test_no_sources_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(MigrateUsageError, match="no configuration found"):
        plan_dir(tmp_path)


def test_missing_explicit_source_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(MigrateUsageError, match="does not exist"):
        plan_migration(MigrationRequest(sources=(tmp_path / "nope.toml",), directory=tmp_path))


def test_toml_syntax_error_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('ollama_url = "x"\nport = = 1\n')
    plan = plan_dir(tmp_path)
    assert not plan.valid
    error = next(i for i in plan.findings if i.severity is Severity.ERROR)
    assert (error.code, error.line) == ("syntax", 2)


def test_converted_values_are_located_in_the_original_file() -> None:
    plan = plan_migration(MigrationRequest(directory=V1 / "dialect-bridge", target="docker"))
    assert plan.provenance["$.llm_providers[0].type"].line == 5
    assert plan.provenance["$.llm_providers[0].timeout"].key == "providers.0.timeout_secs"
    assert plan.provenance["$.routing.circuit_breaker.timeout_secs"].line == 25


def test_existing_v2_output_replaced_by_a_v1_migration_is_warned(tmp_path: Path) -> None:
    directory = copy_fixture("cloud-keys", tmp_path)
    (directory / "config.yaml").write_bytes((V1 / "canonical-v2" / "config.yaml").read_bytes())
    plan = plan_dir(directory)
    assert plan.kind is PlanKind.V1
    assert "replaces-v2" in codes(plan, Severity.WARNING)
    assert [s.path.name for s in plan.sources] == ["config.toml", ".env"]


def test_a_key_from_the_process_environment_goes_to_the_controllers_variable(
    tmp_path: Path,
) -> None:
    directory = copy_fixture("cloud-keys", tmp_path)
    key = "from-the-environment-0123456789abcdef"
    plan = plan_dir(directory, environ={"SEKHA_API_KEY": key})
    assert plan.valid, plan.findings
    assert "mcp_api_key" not in output_data(plan)
    assert dict(plan.secrets)["SEKHA__MCP_API_KEY"] == key
    assert key not in plan.text


def test_a_key_the_controller_already_reads_stays_where_it_is(tmp_path: Path) -> None:
    key = "kept-in-the-dotenv-0123456789abcdefghij"
    (tmp_path / ".env").write_text(f"SEKHA__MCP_API_KEY={key}\nSEKHA__SERVER_PORT=9000\n")
    plan = plan_dir(tmp_path)
    assert plan.valid, plan.findings
    assert "mcp_api_key" not in output_data(plan)
    assert plan.secrets == ()
    assert ("# mcp_api_key: set by SEKHA__MCP_API_KEY in .env:1 (the controller reads it "
            "from its environment)") in plan.text.splitlines()
    assert key not in plan.text


def test_include_home_with_explicit_sources(tmp_path: Path) -> None:
    directory = copy_fixture("home-layer", tmp_path)
    plan = plan_migration(MigrationRequest(
        sources=(directory / "config.toml",), directory=directory, include_home=True,
        home=directory / "home",
    ))
    assert output_data(plan)["server_port"] == 8090
