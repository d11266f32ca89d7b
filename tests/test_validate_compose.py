"""`sekha validate` on a compose file: the deployment it describes, checked as a whole.

Each cross-service finding on a compose project built for it, the ones sekha-docker's own
compose files really have, and none on a deployment built to be right."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, CliResult

from sekha_migrate.findings import FileResult
from sekha_migrate.validate.engine import validate_file, validate_paths

Sekha = Callable[..., CliResult]
UPSTREAM = ROOT / "fixtures" / "v1-upstream"
PROD = ROOT / "fixtures" / "deployments" / "prod-compose"
FULL = ROOT / "fixtures" / "deployments" / "full-compose"
KEY = "k" * 20 + "0123456789abcdef0123456789abcdef"  # 52 characters
OTHER_KEY = "o" * 20 + "0123456789abcdef0123456789abcdef"

RIGHT = """\
services:
  controller:
    image: ghcr.io/sekha-ai/sekha-controller:latest
    volumes:
      - ./config.toml:/app/config.toml:ro
    environment:
      SEKHA__MCP_API_KEY: ${MCP_API_KEY:?set MCP_API_KEY in .env}
      SEKHA__LLM_BRIDGE_URL: http://bridge:5001
  bridge:
    image: ghcr.io/sekha-ai/sekha-llm-bridge:latest
    environment:
      OLLAMA_BASE_URL: http://ollama:11434
  proxy:
    image: ghcr.io/sekha-ai/sekha-proxy:latest
    environment:
      CONTROLLER_URL: http://controller:8080
      CONTROLLER_API_KEY: ${MCP_API_KEY:?set MCP_API_KEY in .env}
      LLM_BRIDGE_URL: http://bridge:5001
  chroma:
    image: chromadb/chroma:1.5.0
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8000/api/v2/heartbeat"]
"""
SAID = [
    ("info", "compose-service", 2, 3, "service controller runs the controller (by its name)"),
    ("info", "compose-service", 9, 3, "service bridge runs the bridge (by its name)"),
    ("info", "compose-service", 13, 3, "service proxy runs the proxy (by its name)"),
]


def project(tmp_path: Path, compose: str = RIGHT, *, env: str = f"MCP_API_KEY={KEY}\n",
            config: str = 'server_host = "0.0.0.0"\nchroma_url = "http://chroma:8000"\n',
            name: str = "docker-compose.yml") -> Path:
    """A compose project in a directory: the compose file, its .env, the controller's TOML."""
    (tmp_path / ".env").write_text(env)
    (tmp_path / "config.toml").write_text(config)
    path = tmp_path / name
    path.write_text(compose)
    return path


def found(result: FileResult) -> list[tuple[str, str, int | None, int | None, str]]:
    return [(f.severity.value, f.code, f.line, f.column, f.message) for f in result.findings]


def problems(result: FileResult) -> list[tuple[str, str, int | None, int | None, str]]:
    return [f for f in found(result) if f[0] != "info"]


# ---- a deployment built to be right --------------------------------------------------------


def test_a_deployment_built_to_be_right_has_no_finding(tmp_path: Path) -> None:
    result = validate_file(project(tmp_path), env={})
    assert found(result) == SAID
    assert result.valid and result.target == "compose"


def test_services_are_said_by_image_and_build_context_when_the_name_says_nothing(
        tmp_path: Path) -> None:
    compose = RIGHT.replace("  controller:\n", "  core:\n").replace(
        "http://controller:8080", "http://core:8080").replace(
        "  bridge:\n    image: ghcr.io/sekha-ai/sekha-llm-bridge:latest",
        "  llm:\n    build: ../sekha-llm-bridge").replace("http://bridge:5001", "http://llm:5001")
    result = validate_file(project(tmp_path, compose), env={})
    assert found(result)[:2] == [
        ("info", "compose-service", 2, 3, "service core runs the controller (by its image "
         "ghcr.io/sekha-ai/sekha-controller:latest)"),
        ("info", "compose-service", 9, 3, "service llm runs the bridge (by its build context "
         "../sekha-llm-bridge)"),
    ]
    assert problems(result) == []


def test_a_name_the_service_never_reads_is_dead_configuration(tmp_path: Path) -> None:
    compose = RIGHT.replace("SEKHA__LLM_BRIDGE_URL: http://bridge:5001",
                            "SEKHA__LLM_BRIDGE_URL: http://bridge:5001\n"
                            "      SEKHA_SERVER_PORT: \"9090\"")
    result = validate_file(project(tmp_path, compose), env={})
    assert problems(result) == [
        ("warning", "unread-name", 9, 7, "service controller: SEKHA_SERVER_PORT does not reach "
         "the controller: one underscore: never read; the controller reads "
         "SEKHA__SERVER_PORT")]


# ---- (a) the proxy's key ---------------------------------------------------------------


def test_a_proxy_key_that_differs_from_the_controllers_is_an_error_showing_neither(
        tmp_path: Path) -> None:
    compose = RIGHT.replace("CONTROLLER_API_KEY: ${MCP_API_KEY:?set MCP_API_KEY in .env}",
                            "CONTROLLER_API_KEY: ${PROXY_KEY}")
    path = project(tmp_path, compose, env=f"MCP_API_KEY={KEY}\nPROXY_KEY={OTHER_KEY}\n")
    result = validate_file(path, env={})
    assert problems(result) == [(
        "error", "deployment-key-mismatch", 17, 7,
        "service proxy: the proxy's CONTROLLER_API_KEY differs from the controller's "
        f"mcp_api_key (service controller, {path}:7, compose service controller, "
        "${MCP_API_KEY} (SEKHA__MCP_API_KEY)): the controller refuses the proxy's calls")]
    assert not result.valid
    text = json.dumps([f.to_dict() for f in result.findings])
    assert KEY not in text and OTHER_KEY not in text


def test_the_key_compared_is_the_controllers_effective_one_from_its_config_file(
        tmp_path: Path) -> None:
    """No SEKHA__MCP_API_KEY: the mounted config.toml's key is the one the proxy must use."""
    compose = RIGHT.replace("      SEKHA__MCP_API_KEY: ${MCP_API_KEY:?set MCP_API_KEY in .env}\n",
                            "")
    config = f'mcp_api_key = "{OTHER_KEY}"\nchroma_url = "http://chroma:8000"\n'
    result = validate_file(project(tmp_path, compose, config=config), env={})
    assert [(f.code, f.line, f.column) for f in result.findings if f.severity.value != "info"
            ] == [("deployment-key-mismatch", 16, 7)]
    assert f"{tmp_path / 'config.toml'}:1 (mcp_api_key)" in result.findings[-1].message


# ---- (b) URLs --------------------------------------------------------------------------


def test_urls_that_miss_their_service_are_warnings_saying_why(tmp_path: Path) -> None:
    compose = (RIGHT.replace("SEKHA__LLM_BRIDGE_URL: http://bridge:5001",
                             "SEKHA__LLM_BRIDGE_URL: http://bridge:8000")
               .replace("LLM_BRIDGE_URL: http://bridge:5001\n",
                        "LLM_BRIDGE_URL: http://llm-bridge:5001\n")
               .replace("CONTROLLER_URL: http://controller:8080",
                        "CONTROLLER_URL: http://localhost:8080"))
    path = project(tmp_path, compose)
    assert problems(validate_file(path, env={})) == [
        ("warning", "deployment-url", 8, 7,
         "service controller: the controller's llm_bridge_url 'http://bridge:8000' "
         f"({path}:8, compose service controller (SEKHA__LLM_BRIDGE_URL)) does not reach the "
         "bridge (service bridge, port 5001): port 8000, but the bridge listens on 5001"),
        ("warning", "deployment-url", 16, 7,
         "service proxy: the proxy's CONTROLLER_URL 'http://localhost:8080' "
         f"({path}:16, compose service proxy (CONTROLLER_URL)) does not reach the controller "
         "(service controller, port 8080): localhost is the calling service's own container"),
        ("warning", "deployment-url", 18, 7,
         "service proxy: the proxy's LLM_BRIDGE_URL 'http://llm-bridge:5001' "
         f"({path}:18, compose service proxy (LLM_BRIDGE_URL)) does not reach the bridge "
         "(service bridge, port 5001): no service of this file is called llm-bridge"),
    ]


def test_a_url_left_to_its_default_is_placed_at_the_service(tmp_path: Path) -> None:
    compose = RIGHT.replace("      SEKHA__LLM_BRIDGE_URL: http://bridge:5001\n", "")
    result = validate_file(project(tmp_path, compose), env={})
    assert problems(result) == [
        ("warning", "deployment-url", 2, 3,
         "service controller: the controller's llm_bridge_url 'http://localhost:5001' (the "
         "controller's default (config.rs)) does not reach the bridge (service bridge, port "
         "5001): localhost is the calling service's own container")]
    assert result.findings[1].hint == ("set SEKHA__LLM_BRIDGE_URL=http://bridge:5001 in "
                                       "service controller's environment")


def test_a_controller_left_on_its_default_chroma_url_misses_the_chroma_service(
        tmp_path: Path) -> None:
    result = validate_file(project(tmp_path, config='server_host = "0.0.0.0"\n'), env={})
    assert problems(result) == [
        ("warning", "deployment-url", 2, 3,
         "service controller: the controller's chroma_url 'http://localhost:8000' (the "
         "controller's default (config.rs)) does not reach the Chroma server (service chroma, "
         "port 8000): localhost is the calling service's own container")]
    assert result.findings[1].hint == ("set SEKHA__CHROMA_URL=http://chroma:8000 in service "
                                       "controller's environment")


def test_container_names_and_network_aliases_reach_a_service(tmp_path: Path) -> None:
    compose = (RIGHT.replace("  bridge:\n    image: ghcr.io/sekha-ai/sekha-llm-bridge:latest\n",
                             "  bridge:\n    image: ghcr.io/sekha-ai/sekha-llm-bridge:latest\n"
                             "    container_name: sekha-bridge\n")
               .replace("SEKHA__LLM_BRIDGE_URL: http://bridge:5001",
                        "SEKHA__LLM_BRIDGE_URL: http://sekha-bridge:5001")
               .replace("  controller:\n    image: ghcr.io/sekha-ai/sekha-controller:latest\n",
                        "  controller:\n    image: ghcr.io/sekha-ai/sekha-controller:latest\n"
                        "    networks:\n      back:\n        aliases: [sekha-api]\n")
               .replace("CONTROLLER_URL: http://controller:8080",
                        "CONTROLLER_URL: http://SEKHA-API:8080"))
    assert problems(validate_file(project(tmp_path, compose), env={})) == []


def test_the_controllers_port_is_its_effective_server_port(tmp_path: Path) -> None:
    compose = RIGHT.replace("SEKHA__LLM_BRIDGE_URL: http://bridge:5001",
                            "SEKHA__LLM_BRIDGE_URL: http://bridge:5001\n"
                            "      SEKHA__SERVER_PORT: \"9090\"")
    assert [(c, line) for _s, c, line, _c, _m in problems(
        validate_file(project(tmp_path, compose), env={}))] == [("deployment-url", 17)]


# ---- (c) mounted config files ----------------------------------------------------------


def test_a_config_mounted_outside_app_is_never_read(tmp_path: Path) -> None:
    compose = RIGHT.replace("./config.toml:/app/config.toml:ro", "./config.toml:/config.toml:ro")
    result = validate_file(project(tmp_path, compose), env={})
    assert [(c, line) for _s, c, line, _col, _m in problems(result)] == [
        ("deployment-url", 2), ("mount-unread", 5)]  # its chroma_url is not read either
    assert problems(result)[1:] == [
        ("warning", "mount-unread", 5, 9,
         "service controller: ./config.toml is mounted at /config.toml, which the controller "
         "never reads: it reads only /app/config.* (config.toml, config.json, config.yaml, "
         "...), its working directory")]


def test_a_config_yaml_mounted_beside_a_config_toml_is_never_read(tmp_path: Path) -> None:
    compose = RIGHT.replace("      - ./config.toml:/app/config.toml:ro\n",
                            "      - ./config.toml:/app/config.toml:ro\n"
                            "      - ./config.yaml:/app/config.yaml:ro\n")
    path = project(tmp_path, compose)
    (tmp_path / "config.yaml").write_text("version: '2.0'\n")
    assert problems(validate_file(path, env={})) == [
        ("warning", "mount-unread", 6, 9,
         "service controller: ./config.yaml is mounted at /app/config.yaml, which the "
         "controller never reads: config-rs reads only the first config.* in /app, and "
         f"{tmp_path / 'config.toml'} comes first")]


def test_a_directory_mounted_as_app_is_read_as_the_controller_reads_it(tmp_path: Path) -> None:
    """A source tree mounted at /app: its config.toml is read, config.yaml beside it is not,
    and other YAML in it (config.example.yaml) is nobody's mistake."""
    compose = RIGHT.replace("./config.toml:/app/config.toml:ro", "./src:/app")
    path = project(tmp_path, compose)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "config.toml").write_text('chroma_url = "http://chroma:8000"\n')
    (tmp_path / "src" / "config.yaml").write_text("log_level: debug\n")
    (tmp_path / "src" / "config.example.yaml").write_text("log_level: debug\n")
    assert problems(validate_file(path, env={})) == [
        ("warning", "mount-unread", 5, 9,
         "service controller: ./src is mounted at /app/config.yaml, which the controller never "
         "reads: config-rs reads only the first config.* in /app, and "
         f"{tmp_path / 'src' / 'config.toml'} comes first")]


def test_a_bridge_yaml_mounted_where_config_path_does_not_point_is_never_read(
        tmp_path: Path) -> None:
    compose = RIGHT.replace("      OLLAMA_BASE_URL: http://ollama:11434\n",
                            "      OLLAMA_BASE_URL: http://ollama:11434\n"
                            "    volumes:\n      - ./config.yaml:/etc/sekha/config.yaml:ro\n")
    path = project(tmp_path, compose)
    (tmp_path / "config.yaml").write_text("providers: []\n")
    assert problems(validate_file(path, env={})) == [
        ("warning", "mount-unread", 14, 9,
         "service bridge: ./config.yaml is mounted at /etc/sekha/config.yaml, which the bridge "
         "never reads: it reads the YAML at CONFIG_PATH (/app/config.yaml), and with no file "
         "there it builds its settings from_env")]
    compose = compose.replace("      OLLAMA_BASE_URL: http://ollama:11434\n",
                              "      CONFIG_PATH: /etc/sekha/config.yaml\n")
    path.write_text(compose)
    assert [f.code for f in validate_file(path, env={}).findings
            if f.code == "mount-unread"] == []


# ---- (d) Chroma's healthcheck ----------------------------------------------------------


@pytest.mark.parametrize(("image", "release"), [
    ("chromadb/chroma:1.5.0", "Chroma 1.x"),
    ("chromadb/chroma:latest", "unpinned (latest is Chroma 1.x)"),
    ("chromadb/chroma", "unpinned (latest is Chroma 1.x)"),
    ("ghcr.io/chroma-core/chroma:${CHROMA_VERSION:-1.0.0}", "Chroma 1.x"),
])
def test_a_v1_heartbeat_on_chroma_1_never_passes(tmp_path: Path, image: str,
                                                 release: str) -> None:
    compose = RIGHT.replace("chromadb/chroma:1.5.0", image).replace("/api/v2/heartbeat",
                                                                    "/api/v1/heartbeat")
    shown = image.replace("${CHROMA_VERSION:-1.0.0}", "1.0.0")
    result = validate_file(project(tmp_path, compose), env={})
    assert problems(result) == [
        ("warning", "chroma-healthcheck-v1", 22, 7,
         f"service chroma: the healthcheck asks /api/v1/heartbeat, but {shown} is {release}, "
         "which answers 410 on every /api/v1 path: the service never becomes healthy, and "
         "whatever waits for it (depends_on: condition: service_healthy) never starts")]
    assert result.findings[-1].hint == ("ask /api/v2/heartbeat instead (Chroma 0.5.16 and "
                                        "later answer it)")


@pytest.mark.parametrize("image", ["chromadb/chroma:0.5.23", "chromadb/chroma:0.4.24",
                                   "chromadb/chroma@sha256:" + "a" * 64])
def test_a_v1_heartbeat_on_chroma_0_x_or_a_digest_is_not_judged(tmp_path: Path,
                                                                image: str) -> None:
    compose = RIGHT.replace("chromadb/chroma:1.5.0", image).replace("/api/v2/heartbeat",
                                                                    "/api/v1/heartbeat")
    codes = [p[1] for p in problems(validate_file(project(tmp_path, compose), env={}))]
    # 0.4.24 has no v2 API for the latest controller at all: a finding of its own
    # (tests/test_deployments_upstream.py), not the healthcheck's
    assert codes == (["chroma-api-mismatch"] if image.endswith(":0.4.24") else [])


# ---- (e) the controller's key ----------------------------------------------------------


def test_no_key_anywhere_runs_the_public_default_key(tmp_path: Path) -> None:
    compose = RIGHT.replace("      SEKHA__MCP_API_KEY: ${MCP_API_KEY:?set MCP_API_KEY in .env}\n",
                            "").replace("${MCP_API_KEY:?set MCP_API_KEY in .env}",
                                        "dev_default_key_change_me_1234567890")
    assert problems(validate_file(project(tmp_path, compose), env={})) == [
        ("error", "public-default-key", 2, 3,
         "service controller: the controller runs with the public default MCP key (no source "
         "gives it a key): anyone can authenticate with it")]


def test_the_public_default_key_written_in_the_config_is_placed_there(tmp_path: Path) -> None:
    compose = RIGHT.replace("      SEKHA__MCP_API_KEY: ${MCP_API_KEY:?set MCP_API_KEY in .env}\n",
                            "")
    config = 'server_host = "0.0.0.0"\nmcp_api_key = "dev_default_key_change_me_1234567890"\n'
    result = validate_file(project(tmp_path, compose, config=config), env={})
    public = [f for f in result.findings if f.code == "public-default-key"]
    assert [(f.file, f.line, f.column) for f in public] == [(str(tmp_path / "config.toml"), 2, 1)]


def test_an_empty_key_from_an_unset_variable_is_rejected(tmp_path: Path) -> None:
    compose = RIGHT.replace("${MCP_API_KEY:?set MCP_API_KEY in .env}", "${MCP_API_KEY:-}")
    path = project(tmp_path, compose, env="")
    assert problems(validate_file(path, env={})) == [
        ("error", "mcp-key-rejected", 7, 7,
         f"service controller: the controller's mcp_api_key is empty (set at {path}:7, compose "
         "service controller, ${MCP_API_KEY} unset (SEKHA__MCP_API_KEY)): its MCP auth rejects "
         "every token shorter than 32, so every MCP call fails"),
        ("error", "would-not-start", 17, 7, "the proxy would stop at start: CONTROLLER_API_KEY "
         "is empty or unset (config.py validate: it is required)"),
    ]


def test_a_short_test_key_is_rejected_and_never_shown(tmp_path: Path) -> None:
    result = validate_file(project(tmp_path, env="MCP_API_KEY=test_key_123\n"), env={})
    assert [(c, line, m) for _s, c, line, _col, m in problems(result)] == [
        ("mcp-key-rejected", 7,
         f"service controller: the controller's mcp_api_key is 12 characters (set at "
         f"{tmp_path / 'docker-compose.yml'}:7, compose service controller, ${{MCP_API_KEY}} "
         "(SEKHA__MCP_API_KEY)): its MCP auth rejects every token shorter than 32, so every "
         "MCP call fails")]


def test_a_key_compose_refuses_to_interpolate_is_not_judged(tmp_path: Path) -> None:
    """`${MCP_API_KEY:?...}` unset: compose stops the whole project, and says so once."""
    result = validate_file(project(tmp_path, env=""), env={})
    assert [(c, line) for _s, c, line, _col, _m in problems(result)] == [
        ("interpolation", 7), ("would-not-start", 13), ("interpolation", 17)]


# ---- (f) a component that would not start ----------------------------------------------


def test_a_value_the_controller_cannot_read_is_passed_through(tmp_path: Path) -> None:
    compose = RIGHT.replace("SEKHA__LLM_BRIDGE_URL: http://bridge:5001",
                            "SEKHA__LLM_BRIDGE_URL: http://bridge:5001\n"
                            "      SEKHA__PRUNING_ENABLED: maybe")
    assert problems(validate_file(project(tmp_path, compose), env={})) == [
        ("error", "would-not-start", 9, 7, "the controller would stop at start: "
         "SEKHA__PRUNING_ENABLED='maybe' cannot be read as pruning_enabled: not true or false")]


# ---- sekha-docker's own compose files --------------------------------------------------


def upstream(tmp_path: Path, name: str) -> Path:
    """A sekha-docker compose file, copied alone (no .env beside it, as in a checkout)."""
    source = next((UPSTREAM / f"docker-docker-compose.{name}").glob("*.yml"))
    return Path(shutil.copy(source, tmp_path / source.name))


def test_sekha_docker_prod_runs_an_empty_key_when_mcp_api_key_is_unset() -> None:
    result = validate_file(PROD / "docker-compose.prod.yml", env={})
    assert [(c, line, col) for _s, c, line, col, _m in problems(result)] == [
        ("mcp-key-rejected", 19, 9), ("unread-name", 70, 9), ("would-not-start", 104, 9)]


def test_sekha_docker_prod_once_mcp_api_key_is_set_has_only_a_dead_redis_url() -> None:
    result = validate_file(PROD / "docker-compose.prod.yml", env={"MCP_API_KEY": KEY})
    assert [(c, line) for _s, c, line, _col, _m in found(result)] == [
        ("compose-service", 6), ("compose-service", 53), ("unread-name", 70),
        ("compose-service", 91)]
    assert result.valid
    assert result.findings[2].message == ("service sekha-bridge: REDIS_URL does not reach the "
                                          "bridge: a name of an older Sekha release: the bridge "
                                          "does not read it")


def test_sekha_docker_v2_healthcheck_bridge_url_and_public_key(tmp_path: Path) -> None:
    result = validate_file(upstream(tmp_path, "v2"), env={})
    assert [(s, c, line, col) for s, c, line, col, _m in problems(result)
            if c != "unread-name"] == [
        ("warning", "chroma-healthcheck-v1", 36, 7),
        ("warning", "deployment-url", 160, 3),
        ("warning", "deployment-url", 160, 3),
        ("error", "public-default-key", 160, 3),
    ]
    assert [f.message.split(" '")[0] for f in result.findings if f.code == "deployment-url"
            ] == ["service controller: the controller's llm_bridge_url",
                  "service controller: the controller's chroma_url"]
    # The bridge reads none of its SEKHA__ names; the controller none of its bare ones.
    assert [(line, m.split(":")[1].split()[0]) for _s, c, line, _col, m in problems(result)
            if c == "unread-name"] == [
        (94, "SEKHA__HOST"), (95, "SEKHA__PORT"), (96, "SEKHA__LOG_LEVEL"),
        (99, "SEKHA__LLM_PROVIDERS"), (128, "SEKHA__DEFAULT_MODELS"),
        (136, "SEKHA__CIRCUIT_BREAKER__FAILURE_THRESHOLD"),
        (137, "SEKHA__CIRCUIT_BREAKER__RESET_TIMEOUT"),
        (138, "SEKHA__CIRCUIT_BREAKER__HALF_OPEN_TIMEOUT"),
        (141, "SEKHA__ROUTING__AUTO_FALLBACK"), (142, "SEKHA__ROUTING__MAX_COST_PER_REQUEST"),
        (169, "DATABASE_URL"), (173, "CHROMA_URL"), (174, "REDIS_URL"),
    ]


def test_sekha_docker_full_mounts_the_config_at_slash_config_toml_and_extends_a_v1_healthcheck(
        tmp_path: Path) -> None:
    """Its chroma `extends:` the base docker-compose.yml beside it, whose healthcheck asks
    /api/v1/heartbeat: the finding points into that file."""
    for source in (FULL / "docker-compose.full.yml", FULL / "docker-compose.yml"):
        shutil.copy(source, tmp_path / source.name)
    (tmp_path / "config.toml").write_text('mcp_api_key = "x"\n')
    result = validate_file(tmp_path / "docker-compose.full.yml", env={})
    assert [(f.severity.value, f.code, f.file, f.line, f.column) for f in result.findings
            if f.severity.value != "info" and f.code != "unread-name"] == [
        ("warning", "deployment-url", str(tmp_path / "docker-compose.full.yml"), 4, 3),
        ("warning", "deployment-url", str(tmp_path / "docker-compose.full.yml"), 4, 3),
        ("error", "public-default-key", str(tmp_path / "docker-compose.full.yml"), 4, 3),
        ("warning", "mount-unread", str(tmp_path / "docker-compose.full.yml"), 10, 9),
        ("warning", "chroma-healthcheck-v1", str(tmp_path / "docker-compose.yml"), 11, 7),
    ]
    assert [f.line for f in result.findings if f.code == "unread-name"] == [12, 13, 14, 17, 37,
                                                                             38, 39]


def test_sekha_docker_base_compose_has_only_the_chroma_healthcheck() -> None:
    result = validate_file(FULL / "docker-compose.yml", env={})
    assert [(s, c, line, col) for s, c, line, col, _m in found(result)] == [
        ("warning", "chroma-healthcheck-v1", 11, 7)]
    assert result.valid


def test_extends_in_the_same_file_gives_the_image_and_healthcheck(tmp_path: Path) -> None:
    compose = RIGHT.replace("/api/v2/", "/api/v1/") + (
        "  chroma-two:\n    extends: chroma\n    ports: ['8001:8000']\n"
        "  chroma-three:\n    extends: {service: chroma, file: missing.yml}\n")
    result = validate_file(project(tmp_path, compose), env={})
    assert [(f.code, f.file, f.line, f.message.partition(":")[0]) for f in result.findings
            if f.severity.value != "info"] == [
        ("chroma-healthcheck-v1", str(tmp_path / "docker-compose.yml"), 22, "service chroma"),
        ("chroma-healthcheck-v1", str(tmp_path / "docker-compose.yml"), 22,
         "service chroma-two"),
    ]  # chroma-three extends a file that does not exist: nothing to judge


def test_sekha_docker_local_with_its_key_set_misses_the_bridge_from_the_proxy(
        tmp_path: Path) -> None:
    """The proxy gets LLM_URL, a name it never reads, so it calls its own localhost."""
    path = upstream(tmp_path, "local")
    (tmp_path / "data").mkdir()
    assert [(c, line) for _s, c, line, _col, _m in problems(
        validate_file(path, env={"MCP_API_KEY": KEY}))] == [
        ("deployment-url", 61), ("unread-name", 78), ("unread-name", 79), ("unread-name", 83),
        ("unread-name", 84), ("unread-name", 85), ("unread-name", 86)]


@pytest.mark.parametrize("name", ["test", "dev"])
def test_sekha_docker_test_and_dev_run_the_public_key_and_miss_the_bridge(
        tmp_path: Path, name: str) -> None:
    result = validate_file(upstream(tmp_path, name), env={})
    assert {"deployment-url", "public-default-key"} <= {f.code for f in result.findings}
    assert [f.message.split(" '")[0].split(": ")[1] for f in result.findings
            if f.code == "deployment-url"] == {
        "test": ["the controller's llm_bridge_url", "the controller's chroma_url"],
        "dev": ["the controller's llm_bridge_url"]}[name]


# ---- the command ---------------------------------------------------------------------


def test_a_directory_walk_skips_compose_files_and_says_so(sekha: Sekha, tmp_path: Path) -> None:
    project(tmp_path, RIGHT.replace("1.5.0", "latest").replace("v2/heartbeat", "v1/heartbeat"))
    result = sekha("validate", str(tmp_path))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:1] == [
        f"{tmp_path / 'docker-compose.yml'}: skipped (compose file: name it to check the "
        "deployment)"]
    document = json.loads(sekha("validate", str(tmp_path), "-f", "json").stdout)
    assert [(f["path"], f["target"], [x["code"] for x in f["findings"]])
            for f in document["files"]] == [
        (str(tmp_path / "docker-compose.yml"), "compose", ["compose-skipped"])]


def test_a_compose_file_named_in_a_walk_is_checked(tmp_path: Path) -> None:
    path = project(tmp_path)
    run = validate_paths([str(tmp_path), str(path)], env={})
    assert [(r.path, [f.code for f in r.findings]) for r in run.files] == [
        (str(path), ["compose-service"] * 3)]


def test_a_compose_file_given_by_name_exits_1_on_an_error(sekha: Sekha, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.delenv("MCP_API_KEY", raising=False)
    path = project(tmp_path, env="MCP_API_KEY=short\n")
    result = sekha("validate", str(path), "-f", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert [(f["code"], f["file"], f["line"]) for f in document["files"][0]["findings"]
            if f["severity"] == "error"] == [("mcp-key-rejected", str(path), 7)]
    assert "short" not in result.stdout.replace("shorter", "")


def test_strict_makes_a_deployment_warning_fail(sekha: Sekha, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MCP_API_KEY", raising=False)
    path = project(tmp_path, RIGHT.replace("/api/v2/", "/api/v1/"))
    assert sekha("validate", str(path)).exit_code == 0
    assert sekha("validate", str(path), "--strict").exit_code == 1


def test_a_compose_file_under_another_name_is_known_by_its_services(tmp_path: Path) -> None:
    path = project(tmp_path, name="stack.yml")
    result = validate_file(path, env={})
    assert result.target == "compose" and [f.code for f in result.findings] == [
        "compose-service"] * 3


def test_a_broken_compose_file_is_a_finding_not_a_traceback(sekha: Sekha,
                                                            tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_text("services: [unclosed\n")
    result = sekha("validate", str(path))
    assert result.exit_code == 1
    assert "[syntax]" in result.stdout and "Traceback" not in result.stdout + result.stderr
    path.write_text("- just\n- a list\n")
    assert [f.code for f in validate_file(path, env={}).findings] == ["not-a-mapping"]


def test_target_still_forces_a_dialect(tmp_path: Path) -> None:
    path = project(tmp_path)
    assert validate_file(path, env={}, target="docker").target == "docker"


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "junit", "gitlab"])
def test_no_format_prints_a_key_of_the_deployment(sekha: Sekha, tmp_path: Path, fmt: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The controller's short key and the proxy's other key: said to be short and to
    differ, never printed."""
    monkeypatch.delenv("MCP_API_KEY", raising=False)
    compose = RIGHT.replace("CONTROLLER_API_KEY: ${MCP_API_KEY:?set MCP_API_KEY in .env}",
                            "CONTROLLER_API_KEY: ${PROXY_KEY}").replace(
        "LLM_BRIDGE_URL: http://bridge:5001\n", "LLM_BRIDGE_URL: http://${PROXY_KEY}@x:1\n")
    path = project(tmp_path, compose, env=f"MCP_API_KEY=tiny-key-1\nPROXY_KEY={OTHER_KEY}\n")
    result = sekha("validate", str(path), "-f", fmt, "--verbose" if fmt == "text" else "-q")
    assert result.exit_code == 1
    codes = ("mcp-key-rejected", "deployment-key-mismatch", "deployment-url")
    assert all(code in result.stdout for code in codes)
    assert "tiny-key-1" not in result.stdout and OTHER_KEY not in result.stdout


def test_env_file_given_to_validate_feeds_the_compose_interpolation(
        sekha: Sekha, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--env-file` stands for the shell docker compose runs in: MCP_API_KEY from it."""
    monkeypatch.delenv("MCP_API_KEY", raising=False)
    path = project(tmp_path, env="")
    keys = tmp_path / "keys.env"
    keys.write_text(f"MCP_API_KEY={KEY}\n")
    assert sekha("validate", str(path)).exit_code == 1  # compose refuses ${MCP_API_KEY:?}
    result = sekha("validate", str(path), "--env-file", str(keys), "-f", "json")
    assert result.exit_code == 0
    assert [f["code"] for f in json.loads(result.stdout)["files"][0]["findings"]] == [
        "compose-service"] * 3


def test_a_key_set_in_a_services_env_file_is_placed_in_that_file(tmp_path: Path) -> None:
    compose = RIGHT.replace("    environment:\n      CONTROLLER_URL",
                            "    env_file: [proxy.env]\n    environment:\n      CONTROLLER_URL"
                            ).replace("      CONTROLLER_API_KEY: ${MCP_API_KEY:?set MCP_API_KEY "
                                      "in .env}\n", "")
    path = project(tmp_path, compose)
    (tmp_path / "proxy.env").write_text(f"# the proxy's key\nCONTROLLER_API_KEY={OTHER_KEY}\n")
    mismatch = [f for f in validate_file(path, env={}).findings
                if f.code == "deployment-key-mismatch"]
    assert [(f.file, f.line, f.column) for f in mismatch] == [(str(tmp_path / "proxy.env"), 2, 1)]


def test_sekha_docker_prod_with_its_env_example_copied_runs_a_published_key(
        tmp_path: Path) -> None:
    """The setup step `cp .env.example .env`, left as it is: MCP_API_KEY is the example's
    CHANGE_ME_32_CHARS_MINIMUM_REQUIRED, long enough to be accepted and known to anyone."""
    for source in PROD.iterdir():
        shutil.copy(source, tmp_path / source.name)
    shutil.copy(UPSTREAM / "docker-env" / ".env.example", tmp_path / ".env")
    result = validate_file(tmp_path / "docker-compose.prod.yml", env={})
    assert [(c, line, col) for _s, c, line, col, _m in problems(result)] == [
        ("published-key", 19, 9), ("unread-name", 70, 9)]
    assert "CHANGE_ME" not in json.dumps([f.to_dict() for f in result.findings])


def test_the_published_test_key_of_config_prod_toml_is_placed_in_that_file(
        tmp_path: Path) -> None:
    compose = RIGHT.replace("./config.toml:/app/config.toml:ro",
                            "./config.prod.toml:/app/config.toml:ro").replace(
        "      SEKHA__MCP_API_KEY: ${MCP_API_KEY:?set MCP_API_KEY in .env}\n", "").replace(
        "${MCP_API_KEY:?set MCP_API_KEY in .env}", "${TEST_KEY}")
    path = project(tmp_path, compose,
                   env="TEST_KEY=test_key_12345678901234567890123456789012\n")
    shutil.copy(PROD / "config.prod.toml", tmp_path / "config.prod.toml")
    result = validate_file(path, env={})
    assert [(f.code, f.file, f.line, f.column) for f in result.findings
            if f.severity.value != "info"] == [
        ("published-key", str(tmp_path / "config.prod.toml"), 5, 1)]
    assert [f.message for f in result.findings if f.code == "published-key"] == [
        "service controller: the controller's mcp_api_key is an example key published in "
        f"Sekha's own repositories (set at {tmp_path / 'config.prod.toml'}:5 (mcp_api_key)): "
        "anyone who has read them can authenticate"]
