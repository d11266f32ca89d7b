"""What each kind of file given to `sekha show` configures (sekha_migrate/effective/
deployment.py, `_file`), pinned where a mutation run found no test holding it: a controller
file by its own name or any other, a ConfigMap, a bridge YAML (CONFIG_PATH naming it), an env
file by each of its name forms, and one that sets nothing. Each with the process environment
and ~/.sekha where the component reads them (consumers.md sections 1, 2 and 8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write
from test_mutation_sources import BRIDGE_YAML

from sekha_migrate import effective_configuration
from sekha_migrate.effective.values import EffectiveConfig
from sekha_migrate.origin import ENVIRONMENT, Origin

ENVIRON = {"SEKHA__MAX_CONNECTIONS": "20"}
FROM_ENVIRON = Origin(ENVIRONMENT, key="SEKHA__MAX_CONNECTIONS", via="process environment")
MODE = "config.* files, then SEKHA__ variables"


def given(path: Path, home: Path | None = None) -> list[EffectiveConfig]:
    return list(effective_configuration([path], environ=ENVIRON, home=home).configs)


def home_with_port(tmp_path: Path) -> Path:
    write(tmp_path / "home" / ".sekha" / "config.toml", "server_port = 7100\n")
    return tmp_path / "home"


def test_a_controller_file_by_its_name_is_read_in_its_directory_with_home_and_environment(
        tmp_path: Path) -> None:
    path = write(tmp_path / "project" / "config.toml", "server_port = 7000\nlog_level = 'warn'\n")
    home = home_with_port(tmp_path)
    [config] = given(path, home)
    assert (config.component, config.mode) == ("controller", MODE)
    assert config.files_read == (str(path), str(home / ".sekha" / "config.toml"))
    assert config.settings["log_level"].origin == Origin(str(path), 2, 1, "log_level")
    assert config.value("server_port") == 7100
    assert config.settings["max_connections"].origin == FROM_ENVIRON


def test_a_file_of_any_other_name_is_shown_as_the_config_file_it_would_have_to_be(
        tmp_path: Path) -> None:
    path = write(tmp_path / "prod.toml", "server_port = 7200\n")
    [config] = given(path, home_with_port(tmp_path))
    assert config.mode == (f"{MODE}; prod.toml shown as /app/config.toml, the name the "
                           "controller reads (it never reads a file called prod.toml)")
    assert config.files_read[0] == str(path.resolve())
    assert config.settings["server_port"].overrides[0].value == 7200
    assert config.value("server_port") == 7100
    assert config.settings["max_connections"].origin == FROM_ENVIRON


def test_a_configmap_is_the_controllers_toml(tmp_path: Path) -> None:
    path = write(tmp_path / "cm.yaml", """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: sekha-config
data:
  config.toml: |
    server_port = 7300
    log_level = "warn"
""")
    [config] = given(path, home_with_port(tmp_path))
    assert config.component == "controller"
    assert config.mode == (f"{MODE}; ConfigMap data.config.toml shown at /app/config.toml "
                           "(no Deployment beside it says where it is mounted)")
    assert config.value("log_level") == "warn"
    assert config.settings["server_port"].overrides[0].value == 7300
    assert config.value("server_port") == 7100
    assert config.settings["max_connections"].origin == FROM_ENVIRON


def test_a_bridge_yaml_is_read_as_config_path_names_it(tmp_path: Path) -> None:
    path = write(tmp_path / "bridge.yaml", BRIDGE_YAML)
    [config] = given(path)
    assert config.component == "bridge"
    assert config.mode == f"YAML at CONFIG_PATH ({path.resolve()})"
    assert config.files_read == (str(path.resolve()),)
    assert config.settings["providers[0].base_url"].origin == Origin(
        str(path.resolve()), 4, 5, "providers[0].base_url")


@pytest.mark.parametrize("name", [".env", ".env.prod", "prod.env"])
def test_an_env_file_given_is_handed_to_the_components_it_names(tmp_path: Path,
                                                                name: str) -> None:
    write(tmp_path / "config.toml", "server_port = 7000\n")
    path = write(tmp_path / name, "SEKHA__LOG_LEVEL=debug\n")
    [config] = given(path)
    assert config.component == "controller"
    assert config.value("server_port") == 7000
    assert config.settings["log_level"].value == "debug"
    assert config.settings["log_level"].origin == Origin(str(path), 1, 1, "SEKHA__LOG_LEVEL",
                                                         "env file given")


def test_an_env_file_that_sets_nothing_shows_the_controller_of_its_directory(
        tmp_path: Path) -> None:
    write(tmp_path / "bridge" / "config.yaml", BRIDGE_YAML)
    path = write(tmp_path / "bridge" / "empty.env", "# nothing yet\n")
    [config] = given(path)
    assert config.component == "controller"
    assert config.settings["max_connections"].origin == FROM_ENVIRON
    assert config.files_read == (str(tmp_path / "bridge" / "config.yaml"),)
    # Not the components the process environment names: the proxy's PROXY_PORT shows none.
    [config] = effective_configuration([path], environ={"PROXY_PORT": "9001"}).configs
    assert config.component == "controller"


def components(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    return [c.component for c in effective_configuration([path], environ=environ).configs]


def test_a_directory_configures_the_components_its_files_and_environment_name(
        tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", BRIDGE_YAML)
    write(tmp_path / ".env", "SEKHA__LOG_LEVEL=debug\n")
    assert components(tmp_path, {"PROXY_PORT": "9001"}) == ["controller", "bridge", "proxy"]


def test_a_bridge_yaml_in_a_directory_is_not_the_controllers_config(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", BRIDGE_YAML)
    assert components(tmp_path) == ["bridge"]
    write(tmp_path / "config.toml", "server_port = 7000\n")
    assert components(tmp_path) == ["controller", "bridge"]


def test_a_controller_yaml_in_a_directory_is_not_the_bridges(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", "server_port: 9000\n")
    assert components(tmp_path) == ["controller"]
    write(tmp_path / "config.yaml", "")
    assert components(tmp_path) == ["controller"]
    write(tmp_path / "config.yaml", "server_port: 9000\n")
    assert components(tmp_path, {"PROXY_PORT": "9001"}) == ["controller", "proxy"]


def test_an_env_file_given_shows_only_the_components_it_and_the_environment_name(
        tmp_path: Path) -> None:
    write(tmp_path / "config.toml", "server_port = 7000\n")
    path = write(tmp_path / "proxy.env", "PROXY_PORT=9001\n")
    assert components(path) == ["proxy"]


def test_every_path_given_adds_its_components(tmp_path: Path) -> None:
    write(tmp_path / "project" / "config.toml", "server_port = 7000\n")
    bridge = write(tmp_path / "bridge.yaml", BRIDGE_YAML)
    cm = write(tmp_path / "prod.toml", "server_port = 7200\n")
    deployment = effective_configuration([bridge, tmp_path / "project", cm])
    assert [c.component for c in deployment.configs] == ["bridge", "controller", "controller"]
    assert deployment.component("bridge") is deployment.configs[0]
    assert deployment.component("controller") is deployment.configs[1]
    assert effective_configuration([bridge]).component("proxy") is None


def test_no_path_is_the_working_directory(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "config.toml", "server_port = 7000\n")
    monkeypatch.chdir(tmp_path)
    [config] = effective_configuration([]).configs
    assert config.value("server_port") == 7000


def test_a_compose_file_given_by_name_is_interpolated_from_the_environment(
        tmp_path: Path) -> None:
    compose = write(tmp_path / "docker-compose.yml", """\
services:
  controller:
    environment:
      SEKHA__LOG_LEVEL: ${LEVEL}
""")
    [config] = effective_configuration([compose], environ={"LEVEL": "debug"}).configs
    assert config.value("log_level") == "debug"


def test_what_stops_compose_is_a_finding_of_the_deployment(tmp_path: Path) -> None:
    write(tmp_path / ".env", "A=${MISSING:?needed}\n")
    compose = write(tmp_path / "docker-compose.yml", "services:\n  controller: {}\n")
    deployment = effective_configuration([tmp_path])
    assert [(f.code, f.message, f.file) for f in deployment.findings] == [
        ("interpolation", "A: required variable MISSING is missing a value: needed",
         str(tmp_path / ".env"))]
    assert deployment.ok is False
    assert [c.service for c in deployment.configs] == [f"controller in {compose.name}"]


def test_a_compose_service_outside_the_components_asked_for_is_skipped_not_the_rest(
        tmp_path: Path) -> None:
    write(tmp_path / "srv" / "config.toml", "server_port = 7000\n")
    compose = write(tmp_path / "docker-compose.yml", """\
services:
  bridge:
    image: sekha-llm-bridge
  controller:
    working_dir: /srv
    volumes:
      - ./srv/config.toml:/srv/config.toml
""")
    [config] = effective_configuration([compose], components=["controller"]).configs
    assert config.value("server_port") == 7000


def test_names_handed_to_a_service_that_another_component_reads_are_dead_there(
        tmp_path: Path) -> None:
    compose = write(tmp_path / "docker-compose.yml", """\
services:
  controller:
    environment:
      SEKHA_SERVER_PORT: "9000"
      VISION_MODEL: llava
      LLM_BRIDGE_URL: http://bridge:5001
""")
    [config] = effective_configuration([compose], environ={"CHAT_MODEL": "x"}).configs
    elsewhere = {u.what: u.reason for u in config.unread if u.origin is not None
                 and u.origin.via.startswith("compose")}
    assert elsewhere == {
        "LLM_BRIDGE_URL": "read by the proxy, not the controller",
        "SEKHA_SERVER_PORT": "one underscore: never read; the controller reads "
                             "SEKHA__SERVER_PORT",
        "VISION_MODEL": "read by the bridge, not the controller",
    }
    assert "CHAT_MODEL" not in {u.what for u in config.unread}


def test_the_proxys_env_file_is_read_and_its_problems_reported(tmp_path: Path) -> None:
    env = write(tmp_path / ".env", f"A=${{MISSING:?needed}}\nCONTROLLER_API_KEY={'k' * 40}\n")
    [config] = effective_configuration([tmp_path], components=["proxy"]).configs
    assert config.files_read == (str(env),)
    assert [(f.code, f.line) for f in config.findings] == [("interpolation", 1)]


def test_a_file_without_extension_is_shown_as_a_config_toml(tmp_path: Path) -> None:
    path = write(tmp_path / "settings", "server_port: 7200\n")
    [config] = given(path)
    assert config.mode == (f"{MODE}; settings shown as /app/config.toml, the name the "
                           "controller reads (it never reads a file called settings)")


def test_a_name_from_the_process_environment_is_not_called_dead_configuration(
        tmp_path: Path) -> None:
    write(tmp_path / "config.toml", "server_port = 7000\n")
    [config] = effective_configuration([tmp_path], components=["controller"],
                                       environ={"CHAT_MODEL": "x"}).configs
    assert [u.what for u in config.unread] == []
