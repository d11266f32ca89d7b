"""`sekha probe docker-compose.yml`: the bridge service's providers and the controller
service's Chroma, as their containers would load them; compose service names reached from
here through --host-map, or probed as written and said to be."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conftest import CliResult
from provider_servers import OLLAMA

from sekha_migrate.probe.compose import probe_compose

Sekha = Callable[..., CliResult]
COMPOSE = """\
services:
  controller:
    image: ghcr.io/sekha-ai/sekha-controller:latest
    environment:
      SEKHA__CHROMA_URL: http://chroma:8000
  bridge:
    image: ghcr.io/sekha-ai/sekha-llm-bridge:latest
    environment:
      OLLAMA_BASE_URL: http://ollama:11434
      EMBEDDING_MODEL: nomic-embed-text
      CHAT_MODEL: llama3.1:8b
  chroma:
    image: chromadb/chroma:1.5.0
"""


def project(tmp_path: Path, compose: str = COMPOSE) -> Path:
    path = tmp_path / "docker-compose.yml"
    path.write_text(compose)
    return path


def hostport(url: str) -> str:
    return urlsplit(url).netloc


def test_the_projects_providers_and_chroma_are_probed_through_the_host_map(
        tmp_path: Path, servers: Any, chroma: Any) -> None:
    collection = chroma.create()
    chroma.add(collection, 768)
    ollama = servers.start(OLLAMA, ["nomic-embed-text", "llama3.1:8b"])
    result = probe_compose(project(tmp_path), environ={}, host_map={
        "ollama": hostport(ollama.url), "chroma": hostport(chroma.url)})
    assert [(p.id, p.base_url, p.status.value) for p in result.providers] == [
        ("ollama", ollama.url, "ok")]
    assert result.stored is not None
    assert (result.stored.url, result.stored.state, result.stored.dimension) == (
        chroma.url, "ok", 768)
    assert [(f.severity.value, f.code, f.message) for f in result.config_findings] == [
        ("info", "probe-compose", "probing the providers of service bridge (the bridge) as "
         "its container would load them: from_env (no YAML at CONFIG_PATH)"),
        ("info", "probe-compose", f"http://ollama:11434 probed as {ollama.url} (--host-map)"),
        ("info", "probe-compose", f"http://chroma:8000 probed as {chroma.url} (--host-map)")]
    assert result.ok


def test_a_stored_dimension_the_bridges_model_does_not_make_is_found(
        tmp_path: Path, servers: Any, chroma: Any) -> None:
    collection = chroma.create()
    chroma.add(collection, 1536)
    ollama = servers.start(OLLAMA, ["nomic-embed-text", "llama3.1:8b"])
    result = probe_compose(project(tmp_path), environ={}, host_map={
        "ollama": hostport(ollama.url), "chroma": hostport(chroma.url)})
    assert [f.code for f in result.stored_findings] == ["chroma-dimension-mismatch"]
    assert not result.ok


def test_names_probed_as_written_are_said_to_resolve_inside_the_project_only(
        tmp_path: Path, servers: Any, sekha: Sekha) -> None:
    ollama = servers.start(OLLAMA, ["nomic-embed-text", "llama3.1:8b"])
    # .invalid never resolves (RFC 6761): the name is as unreachable from here as a
    # compose service name, without depending on what this machine's resolver knows
    path = project(tmp_path, COMPOSE.replace("http://chroma:8000",
                                             "http://chroma.invalid:8000"))
    result = sekha("probe", str(tmp_path), "--host-map", f"ollama={hostport(ollama.url)}",
                   "--format", "json", "--timeout", "3")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    [unmapped] = [f for f in document["findings"] if f["code"] == "probe-compose-unmapped"]
    assert (unmapped["severity"], unmapped["file"], unmapped["message"]) == (
        "warning", str(path),
        "chroma.invalid: compose service or container names resolve inside the project's "
        "network only, so from here they were probed as written and may be unreachable for "
        "that reason alone; pass --host-map NAME=HOST[:PORT] for each (its published port), "
        "or run sekha probe inside the network")
    assert [f["code"] for f in document["findings"] if f["severity"] == "error"] == [
        "chroma-unreachable"]


def test_a_bad_host_map_is_a_usage_error(tmp_path: Path, sekha: Sekha) -> None:
    project(tmp_path)
    result = sekha("probe", str(tmp_path), "--host-map", "chroma")
    assert result.exit_code == 2
    assert result.stderr == ("sekha probe: --host-map 'chroma': write NAME=HOST[:PORT], "
                             "e.g. chroma=localhost:8000\n")


def test_a_directory_without_a_compose_file_is_a_usage_error(tmp_path: Path,
                                                             sekha: Sekha) -> None:
    result = sekha("probe", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == (f"sekha probe: {tmp_path} is a directory without a compose "
                             "file: name the config file to probe\n")
