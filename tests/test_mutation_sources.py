"""A component started with a migration's sources (sekha_migrate/effective/sources.py), pinned
where a mutation run found no test holding it: each config file where its reader looks for
it (the bridge only its YAML, at /app/config.yaml), ~/.sekha, the compose service of that
component only, env files and texts with their origins, the process environment above them,
and the proxy. Loader facts: consumers.md sections 1, 2, 4, 5 and 8."""

from __future__ import annotations

from pathlib import Path

from conftest import write

from sekha_migrate.effective.sources import SourceSet, resolve_source_set
from sekha_migrate.effective.values import Overridden, Unread
from sekha_migrate.origin import ENVIRONMENT, Origin

BRIDGE_YAML = """\
providers:
  - id: local
    provider_type: ollama
    base_url: http://ollama:11434
    models: []
"""
CONTROLLER_DEFAULT = Origin(None, key="the controller's default (config.rs)")
KEY = "k" * 40


def test_the_bridge_reads_the_yaml_given_and_skips_the_controllers_toml(tmp_path: Path) -> None:
    toml = write(tmp_path / "config.toml", "server_port = 9000\n")
    yml = write(tmp_path / "bridge.yml", BRIDGE_YAML)
    config = resolve_source_set("bridge", SourceSet(config_files=[toml, yml]))
    assert config.mode == "YAML at CONFIG_PATH (config.yaml)"
    assert config.files_read == (str(yml),)
    assert config.settings["providers[0].base_url"].value == "http://ollama:11434"
    assert config.settings["providers[0].base_url"].origin == Origin(
        str(yml), 4, 5, "providers[0].base_url")


def test_the_bridge_reads_a_yaml_text_at_its_config_path_whatever_its_name() -> None:
    config = resolve_source_set("bridge", SourceSet(
        config_texts=[("bridge.yml", "out/bridge.yml (to be written)", BRIDGE_YAML)]))
    assert config.mode == "YAML at CONFIG_PATH (config.yaml)"
    assert config.files_read == ("out/bridge.yml (to be written)",)
    assert config.value("providers[0].base_url") == "http://ollama:11434"


def test_each_controller_file_is_where_the_controller_looks_for_it(tmp_path: Path) -> None:
    toml = write(tmp_path / "config.toml", "server_port = 7000\n")
    yaml = write(tmp_path / "config.yaml", "server_port: 7500\n")
    config = resolve_source_set("controller", SourceSet(config_files=[yaml, toml]))
    assert config.files_read == (str(toml),)
    assert config.unread == (Unread(
        str(yaml), f"{toml} is read first; config-rs reads only the first config.* in the "
        "working directory"),)
    assert config.value("server_port") == 7000


def test_a_home_file_overrides_the_working_directorys(tmp_path: Path) -> None:
    toml = write(tmp_path / "project" / "config.toml", "server_port = 7000\n")
    home = write(tmp_path / "home" / ".sekha" / "config.toml", "server_port = 7100\n")
    config = resolve_source_set("controller", SourceSet(config_files=[toml],
                                                        home_files=[home]))
    assert config.files_read == (str(toml), str(home))
    setting = config.settings["server_port"]
    assert (setting.value, setting.origin) == (7100, Origin(str(home), 1, 1, "server_port"))
    assert setting.overrides == (Overridden(7000, Origin(str(toml), 1, 1, "server_port")),
                                 Overridden(8080, CONTROLLER_DEFAULT))


def test_only_the_components_own_compose_service_gives_it_variables(tmp_path: Path) -> None:
    compose = write(tmp_path / "docker-compose.yml", """\
services:
  controller:
    environment:
      SEKHA__LOG_LEVEL: ${LEVEL}
  bridge:
    environment:
      SEKHA__SERVER_PORT: "7000"
""")
    config = resolve_source_set("controller", SourceSet(compose_files=[compose],
                                                        environ={"LEVEL": "debug"}))
    setting = config.settings["log_level"]
    assert setting.value == "debug"
    assert setting.origin == Origin(str(compose), 4, 7, "SEKHA__LOG_LEVEL",
                                    "compose service controller, ${LEVEL}")
    assert config.settings["server_port"].origin == CONTROLLER_DEFAULT


def test_an_env_file_sets_variables_expanded_from_the_shell(tmp_path: Path) -> None:
    env = write(tmp_path / ".env", "# v1\nSEKHA__CHROMA_URL=http://${HOST}:8000\n")
    config = resolve_source_set("controller", SourceSet(env_files=[env],
                                                        environ={"HOST": "chroma"}))
    setting = config.settings["chroma_url"]
    assert setting.value == "http://chroma:8000"
    assert setting.origin == Origin(str(env), 2, 1, "SEKHA__CHROMA_URL", "env file")


def test_an_env_text_sets_variables_where_it_is_named(tmp_path: Path) -> None:
    config = resolve_source_set("controller", SourceSet(env_texts=[
        ("out/.env (to be written)", "A=1\n  SEKHA__LOG_LEVEL=debug\n")]))
    setting = config.settings["log_level"]
    assert setting.value == "debug"
    assert setting.origin == Origin("out/.env (to be written)", 2, 3, "SEKHA__LOG_LEVEL",
                                    "env file")


def test_the_process_environment_wins_over_env_files_and_texts(tmp_path: Path) -> None:
    env = write(tmp_path / ".env", "SEKHA__LOG_LEVEL=debug\n")
    config = resolve_source_set("controller", SourceSet(
        env_files=[env], env_texts=[("written", "SEKHA__LOG_LEVEL=trace\n")],
        environ={"SEKHA__LOG_LEVEL": "warn"}))
    setting = config.settings["log_level"]
    assert setting.value == "warn"
    assert setting.origin == Origin(ENVIRONMENT, key="SEKHA__LOG_LEVEL",
                                    via="process environment")


def test_the_proxy_runs_with_its_env_file_and_knows_its_key_is_secret(tmp_path: Path) -> None:
    env = write(tmp_path / ".env", f"PROXY_PORT=9001\nCONTROLLER_API_KEY={KEY}\n")
    config = resolve_source_set("proxy", SourceSet(env_files=[env]))
    assert config.component == "proxy"
    assert config.findings == ()
    assert config.settings["proxy.port"].value == 9001
    assert config.settings["proxy.port"].origin == Origin(str(env), 1, 1, "PROXY_PORT",
                                                          "env file")
    assert config.secrets == frozenset({KEY})


def test_a_config_file_without_extension_is_still_read_as_the_controllers(
        tmp_path: Path) -> None:
    # probe hands over whatever file it was given (sekha_migrate/probe/file.py) to learn the
    # chroma_url the controller would run with; one without extension is read as YAML.
    path = write(tmp_path / "sekha-config", "chroma_url: http://chroma:8000\n")
    config = resolve_source_set("controller", SourceSet(config_files=[path]))
    assert config.files_read == (str(path),)
    assert config.settings["chroma_url"].value == "http://chroma:8000"
    assert config.settings["chroma_url"].origin == Origin(str(path), 1, 1, "chroma_url")
