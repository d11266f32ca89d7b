"""The effective-configuration engine: each component's loader rules (consumers.md), value by
value with its origin, on real files in temporary directories and Sekha's own deployments."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, write

from sekha_migrate import EffectiveDeployment, UsageError, effective_configuration
from sekha_migrate.effective.values import EffectiveConfig, Setting
from sekha_migrate.model import loaders

KEY = "k" * 40
OTHER_KEY = "o" * 40


def only(deployment: EffectiveDeployment, component: str) -> EffectiveConfig:
    configs = [c for c in deployment.configs if c.component == component]
    assert len(configs) == 1, [c.component for c in deployment.configs]
    return configs[0]


def controller(tmp_path: Path, environ: dict[str, str] | None = None,
               home: Path | None = None) -> EffectiveConfig:
    return only(effective_configuration([tmp_path], components=["controller"],
                                        environ=environ or {}, home=home), "controller")


def where(setting: Setting) -> tuple[str | None, int | None, str]:
    return setting.origin.file, setting.origin.line, setting.origin.key


# ---- the controller ------------------------------------------------------------------------


def test_controller_defaults_include_the_public_key(tmp_path: Path) -> None:
    config = controller(tmp_path)
    assert config.value("server_host") == "127.0.0.1"
    assert config.value("server_port") == 8080
    assert config.value("mcp_api_key") == loaders.PUBLIC_DEFAULT_KEY
    assert config.settings["mcp_api_key"].origin.is_default
    assert config.settings["mcp_api_key"].note == (
        "the public default key: anyone can authenticate with it")
    assert config.value("rest_api_key") == loaders.PUBLIC_DEFAULT_KEY
    assert config.settings["rest_api_key"].note == "falls back to mcp_api_key"


def test_only_the_first_config_file_is_read(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", "server_port = 9000\n")
    write(tmp_path / "config.yaml", "server_port: 7000\nlog_level: debug\n")
    config = controller(tmp_path)
    assert config.value("server_port") == 9000
    assert where(config.settings["server_port"]) == (str(tmp_path / "config.toml"), 1,
                                                     "server_port")
    assert config.value("log_level") == "info"  # the YAML is never read
    assert config.files_read == (str(tmp_path / "config.toml"),)
    [unread] = [u for u in config.unread if u.what.endswith("config.yaml")]
    assert unread.reason.startswith(f"{tmp_path / 'config.toml'} is read first")


def test_home_config_overrides_the_project_and_records_what_it_replaced(tmp_path: Path) -> None:
    write(tmp_path / "project" / "config.toml", "server_port = 9000\n")
    write(tmp_path / "home" / ".sekha" / "config.toml", "\nserver_port = 9100\n")
    config = controller(tmp_path / "project", home=tmp_path / "home")
    setting = config.settings["server_port"]
    assert setting.value == 9100
    assert where(setting) == (str(tmp_path / "home" / ".sekha" / "config.toml"), 2,
                              "server_port")
    assert [(o.value, o.origin.line) for o in setting.overrides] == [(9000, 1), (8080, None)]


def test_only_double_underscore_names_reach_the_controller(tmp_path: Path) -> None:
    environ = {"SEKHA__SERVER_PORT": "9200", "SEKHA_LOG_LEVEL": "debug", "SEKHA__HOST": "x",
               "SEKHA__API_KEY": KEY, "MCP_API_KEY": KEY, "DATABASE_URL": "postgres://db/x"}
    config = controller(tmp_path, environ)
    assert config.value("server_port") == 9200
    assert config.settings["server_port"].origin.via == "process environment"
    assert config.value("log_level") == "info"
    assert config.value("mcp_api_key") == loaders.PUBLIC_DEFAULT_KEY
    assert config.value("database_url") == "sqlite://sekha.db"
    reasons = {u.what: u.reason for u in config.unread}
    assert reasons == {
        "SEKHA_LOG_LEVEL": "one underscore: never read; the controller reads SEKHA__LOG_LEVEL",
        "SEKHA__HOST": "names no controller setting (config-rs reads SEKHA__ + a flat key)",
        "SEKHA__API_KEY": "names no controller setting (config-rs reads SEKHA__ + a flat key)",
        "MCP_API_KEY": "no SEKHA__ prefix: never read; the controller reads SEKHA__MCP_API_KEY",
        "DATABASE_URL": "no SEKHA__ prefix: never read; the controller reads SEKHA__DATABASE_URL",
    }


def test_an_empty_variable_is_a_value_not_unset(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", f'mcp_api_key = "{KEY}"\n')
    write(tmp_path / ".env", "SEKHA__MCP_API_KEY=\n")
    config = controller(tmp_path)
    setting = config.settings["mcp_api_key"]
    assert setting.value == ""
    assert where(setting) == (str(tmp_path / ".env"), 1, "SEKHA__MCP_API_KEY")
    assert setting.origin.via == ".env read by dotenvy"
    assert [o.value for o in setting.overrides] == [KEY, loaders.PUBLIC_DEFAULT_KEY]
    assert setting.note == ("empty: an empty variable is a value, not unset; 0 characters: the "
                            "MCP auth rejects every token shorter than 32, so every MCP call "
                            "fails")


def test_dotenv_never_overrides_the_process_and_expands_its_own_references(
    tmp_path: Path,
) -> None:
    write(tmp_path / ".env", "PORT_BASE=91\nSEKHA__SERVER_PORT=${PORT_BASE}00\n"
                             "SEKHA__LOG_LEVEL=debug\n")
    config = controller(tmp_path, {"SEKHA__LOG_LEVEL": "warn"})
    assert config.value("server_port") == 9100
    assert config.value("log_level") == "warn"
    assert config.settings["log_level"].origin.via == "process environment"


def test_dotenv_is_found_in_a_parent_directory(tmp_path: Path) -> None:
    write(tmp_path / ".env", "SEKHA__SERVER_PORT=9300\n")
    (tmp_path / "deep").mkdir()
    config = controller(tmp_path / "deep")
    assert config.value("server_port") == 9300
    assert config.files_read == (str(tmp_path / ".env"),)


def test_the_controller_takes_a_reference_in_its_file_literally(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", 'mcp_api_key: "${SEKHA_MCP_API_KEY}"\n'
                                    'database_url: "${DATABASE_URL}"\n')
    config = controller(tmp_path, {"SEKHA_MCP_API_KEY": KEY, "DATABASE_URL": "postgres://x"})
    assert config.value("mcp_api_key") == "${SEKHA_MCP_API_KEY}"
    assert config.value("database_url") == "${DATABASE_URL}"
    note = config.settings["database_url"].note
    assert note == ("taken literally: the controller expands no ${VAR} in a file; set "
                    "SEKHA__DATABASE_URL in its environment instead")
    assert "20 characters: the MCP auth rejects" in str(config.settings["mcp_api_key"].note)


def test_a_value_the_loader_cannot_type_stops_the_controller(tmp_path: Path) -> None:
    write(tmp_path / ".env", "SEKHA__SERVER_PORT=eighty\nSEKHA__ADDITIONAL_API_KEYS=a,b\n")
    config = controller(tmp_path)
    assert not config.starts
    assert [(f.code, f.line) for f in config.findings] == [("would-not-start", 2),
                                                           ("would-not-start", 1)]
    assert config.value("server_port") == 8080


def test_tables_and_unknown_keys_are_listed_as_not_read(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", 'ollama_url = "http://o:11434"\n[server]\nport = 9000\n')
    config = controller(tmp_path)
    assert config.value("server_port") == 8080
    [table] = config.unread
    assert (table.what, table.reason) == (
        "server", "a table: the controller's flat settings never read keys inside tables")


def test_a_broken_config_file_stops_the_controller_at_its_line(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", "server_port = 9000\nlog_level = \n")
    config = controller(tmp_path)
    [finding] = config.findings
    assert (finding.code, finding.file, finding.line) == (
        "would-not-start", str(tmp_path / "config.toml"), 2)


# ---- the bridge ----------------------------------------------------------------------------


def bridge(path: Path, environ: dict[str, str] | None = None) -> EffectiveConfig:
    return only(effective_configuration([path], components=["bridge"], environ=environ or {}),
                "bridge")


def test_from_env_chat_model_serves_both_chat_roles(tmp_path: Path) -> None:
    env = write(tmp_path / "bridge.env", "OLLAMA_BASE_URL=http://gpu:11434\nCHAT_MODEL=phi3:mini\n")
    config = bridge(env)
    assert config.mode == "from_env (no YAML at CONFIG_PATH)"
    assert config.value("default_models.chat_fast") == "phi3:mini"
    assert config.value("default_models.chat_smart") == "phi3:mini"
    assert [config.value(f"providers[0].models[{i}].task") for i in range(3)] == [
        "embedding", "chat_small", "chat_smart"]
    assert config.value("providers[0].models[1].model_id") == "phi3:mini"
    assert config.value("providers[0].models[2].model_id") == "phi3:mini"
    assert where(config.settings["default_models.chat_fast"]) == (str(env), 2, "CHAT_MODEL")
    assert config.value("default_models.embedding") == "nomic-embed-text"
    assert config.settings["default_models.embedding"].origin.key == "the bridge's from_env"


def test_bridge_yaml_expands_only_a_whole_value_api_key(tmp_path: Path) -> None:
    yaml = write(tmp_path / "config.yaml", """\
providers:
  - id: openai
    provider_type: openai
    base_url: https://api.openai.com/v1
    api_key: ${OPENAI_API_KEY}
    models: [{model_id: gpt-4o, task: chat_smart}]
  - id: router
    provider_type: openrouter
    base_url: https://openrouter.ai/api/v1
    api_key: Bearer ${ROUTER_KEY}
    models: []
  - id: gone
    provider_type: anthropic
    base_url: https://api.anthropic.com
    api_key: ${UNSET_KEY}
    models: []
""")
    config = bridge(tmp_path, {"OPENAI_API_KEY": "sk-" + KEY, "ROUTER_KEY": OTHER_KEY,
                               "HOST": "127.0.0.1"})
    openai = config.settings["providers[0].api_key"]
    assert openai.value == "sk-" + KEY
    assert openai.origin.via == "process environment"
    assert openai.note == "expanded from ${OPENAI_API_KEY}"
    assert openai.secret and openai.shown() == "sk-k…kkkk"
    assert config.value("providers[1].api_key") == "Bearer ${ROUTER_KEY}"
    assert config.settings["providers[1].api_key"].note == (
        "taken literally: the bridge expands only a whole-value ${VAR}")
    assert config.value("providers[2].api_key") is None
    assert config.value("providers[0].timeout_secs") == 120
    assert config.value("providers[0].models[0].context_window") == 8192
    assert config.files_read == (str(yaml),)
    assert [u.what for u in config.unread] == ["HOST"]
    assert config.value("server_host") == "0.0.0.0"


def test_a_docker_dialect_yaml_stops_the_bridge(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", "llm_providers: []\n")
    write(tmp_path / "bridge.env", "CONFIG_PATH=config.yaml\n")
    config = bridge(tmp_path / "bridge.env")
    assert not config.starts
    [finding] = config.findings
    assert finding.message == (
        "the bridge would stop at start: `providers` is missing (this file is in the docker "
        "dialect: the bridge reads providers / provider_type, and ignores llm_providers)")


def test_the_bridge_reads_no_dotenv(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", "providers:\n  - {id: o, provider_type: ollama, "
                                    "base_url: 'http://o:11434', models: []}\n")
    write(tmp_path / ".env", "LOG_LEVEL=debug\n")
    config = bridge(tmp_path)
    assert config.value("log_level") == "info"
    assert (str(tmp_path / ".env"), "the bridge loads no .env: give its variables through "
            "compose (environment: or env_file:) or the process environment") in [
        (u.what, u.reason) for u in config.unread]


# ---- the proxy -----------------------------------------------------------------------------


def test_proxy_reads_its_dotenv_without_overriding(tmp_path: Path) -> None:
    write(tmp_path / ".env", f"CONTROLLER_API_KEY={KEY}\nPROXY_PORT=9001\n")
    config = only(effective_configuration([tmp_path], environ={"PROXY_PORT": "9002"}), "proxy")
    assert config.value("proxy.port") == 9002
    assert config.value("controller.api_key") == KEY
    assert config.settings["controller.api_key"].origin.via == ".env read by python-dotenv"
    assert config.starts


def test_proxy_without_a_controller_key_does_not_start(tmp_path: Path) -> None:
    config = only(effective_configuration([tmp_path], components=["proxy"]), "proxy")
    assert not config.starts
    assert config.findings[0].message == ("the proxy would stop at start: CONTROLLER_API_KEY "
                                          "is empty or unset (config.py validate: it is "
                                          "required)")


# ---- a whole deployment: sekha-docker's production compose ---------------------------------


PROD = FIXTURES / "deployments" / "prod-compose"


def test_prod_compose_each_service_as_its_container_sees_it() -> None:
    deployment = effective_configuration([PROD], environ={"MCP_API_KEY": KEY})
    assert [(c.component, c.service) for c in deployment.configs] == [
        ("controller", "sekha-core in docker-compose.prod.yml"),
        ("bridge", "sekha-bridge in docker-compose.prod.yml"),
        ("proxy", "sekha-proxy in docker-compose.prod.yml"),
    ]
    compose = str(PROD / "docker-compose.prod.yml")
    toml = str(PROD / "config.prod.toml")
    core = only(deployment, "controller")
    assert core.files_read == (toml,)  # mounted at /app/config.toml
    expected = {
        "server_host": ("0.0.0.0", compose, 17, "SEKHA__SERVER_HOST"),
        "max_connections": (10, toml, 11, "max_connections"),
        "database_url": ("sqlite:///data/sekha.db", compose, 21, "SEKHA__DATABASE_URL"),
        "mcp_api_key": (KEY, compose, 19, "SEKHA__MCP_API_KEY"),
        "rest_api_key": ("", compose, 20, "SEKHA__REST_API_KEY"),
        "rate_limit_per_minute": (1000, toml, 16, "rate_limit_per_minute"),
    }
    for key, (value, file, line, name) in expected.items():
        setting = core.settings[key]
        assert (setting.value, *where(setting)) == (value, file, line, name), key
    assert core.settings["database_url"].origin.via == (
        "compose service sekha-core, ${DATABASE_URL} unset")
    assert [o.value for o in core.settings["database_url"].overrides] == [
        "sqlite:///data/sekha.db?mode=rwc", "sqlite://sekha.db"]
    bridge_config = only(deployment, "bridge")
    assert bridge_config.value("providers[0].base_url") == "http://host.docker.internal:11434"
    assert bridge_config.value("default_models.chat_fast") == "llama3.1:8b"
    assert [(u.what, u.reason) for u in bridge_config.unread] == [
        ("REDIS_URL", "a name of an older Sekha release: the bridge does not read it")]
    proxy = only(deployment, "proxy")
    assert proxy.value("controller.api_key") == KEY
    assert where(proxy.settings["controller.api_key"]) == (compose, 104, "CONTROLLER_API_KEY")
    assert deployment.ok


def test_prod_compose_without_the_key_gives_the_controller_an_empty_one() -> None:
    deployment = effective_configuration([PROD / "docker-compose.prod.yml"])
    core = only(deployment, "controller")
    assert core.value("mcp_api_key") == ""
    assert core.settings["mcp_api_key"].origin.via == (
        "compose service sekha-core, ${MCP_API_KEY} unset")
    assert not only(deployment, "proxy").starts
    assert not deployment.ok


def test_a_missing_mount_is_reported_at_its_line(tmp_path: Path) -> None:
    compose = write(tmp_path / "docker-compose.yml", (PROD / "docker-compose.prod.yml")
                    .read_text())
    deployment = effective_configuration([compose], components=["controller"])
    core = only(deployment, "controller")
    [missing] = [f for f in core.findings if f.code == "mount-missing"]
    assert (missing.line, missing.column) == (14, 9)
    assert core.files_read == ()


# ---- paths -------------------------------------------------------------------------------------


def test_a_file_named_otherwise_is_shown_as_the_config_it_would_have_to_be() -> None:
    toml = FIXTURES / "v1-upstream" / "docker-config-prod" / "config.prod.toml"
    config = only(effective_configuration([toml]), "controller")
    assert config.mode.endswith("config.prod.toml shown as /app/config.toml, the name the "
                                "controller reads (it never reads a file called "
                                "config.prod.toml)")
    assert config.value("chroma_url") == "http://chroma:8000"


def test_components_are_chosen_from_the_names_a_directory_holds(tmp_path: Path) -> None:
    write(tmp_path / ".env", "CHAT_MODEL=phi3:mini\nCONTROLLER_API_KEY=" + KEY + "\n")
    deployment = effective_configuration([tmp_path])
    assert [c.component for c in deployment.configs] == ["bridge", "proxy"]


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        effective_configuration([tmp_path / "nope"])
    with pytest.raises(UsageError, match="unknown component 'db'"):
        effective_configuration([tmp_path], components=["db"])


# ---- every fixture: each origin points at the line that set the value ----------------------


ALL_FIXTURES = sorted(
    [p for group in ("v1", "v1-upstream", "deployments", "examples")
     for p in (FIXTURES / group).iterdir() if p.is_dir()]
    + sorted((FIXTURES / "reference").glob("*.example"))
    + sorted((FIXTURES / "v2" / "valid").glob("*.yaml"))
)


@pytest.mark.parametrize("fixture", ALL_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_origin_names_the_line_that_set_the_value(fixture: Path) -> None:
    deployment = effective_configuration([fixture], environ={"MCP_API_KEY": KEY})
    assert deployment.configs, "each fixture configures at least one component"
    checked = 0
    for config in deployment.configs:
        for setting in config.settings.values():
            origin = setting.origin
            if origin.is_default or origin.line is None or origin.file is None:
                continue
            line = Path(origin.file).read_text(encoding="utf-8-sig").splitlines()[
                origin.line - 1]
            name = origin.key.rsplit(".", 1)[-1].split("[")[0]
            assert name in line, (setting.key, origin.describe(), line)
            checked += 1
    assert checked or all(s.origin.is_default for c in deployment.configs
                          for s in c.settings.values())
