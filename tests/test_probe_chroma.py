"""probe asks Chroma for the vectors it already holds: a real Chroma server on 127.0.0.1, the
collection made as the controller makes it (tests/chroma_support.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from chroma_replay import NOT_FOUND, Answer, serving
from conftest import CliResult, write
from probe_support import config, model, provider
from provider_servers import OLLAMA, closed_port

from sekha_migrate.probe import probe_file
from sekha_migrate.probe.chroma import read_stored_vectors, stored_findings

Run = Callable[..., CliResult]


def config_file(tmp_path: Path, ollama_url: str, dimension: int, chroma_url: str | None,
                model_id: str = "nomic-embed-text") -> Path:
    document = config(
        provider("local", "ollama", ollama_url,
                 [model(model_id, "embedding", dimension), model("llama3.1:8b")]),
        default_models={"embedding": model_id, "chat_fast": "llama3.1:8b",
                        "chat_smart": "llama3.1:8b"})
    if chroma_url is not None:
        document["chroma_url"] = chroma_url
    return write(tmp_path / "config.yaml", yaml.safe_dump(document, sort_keys=False))


def codes(result: Any) -> list[str]:
    return [f.code for f in result.stored_findings]


def test_a_matching_dimension_passes(chroma: Any, servers: Any, tmp_path: Path) -> None:
    collection = chroma.create()
    chroma.add(collection, 768)
    ollama = servers.start(OLLAMA, ["nomic-embed-text", "llama3.1:8b"])
    result = probe_file(config_file(tmp_path, ollama.url, 768, chroma.url), env={})
    assert result.stored is not None
    assert (result.stored.state, result.stored.api, result.stored.dimension) == ("ok", "v2", 768)
    assert result.stored.version == "1.0.0"  # 1.x reports 1.0.0 whatever the package says
    assert codes(result) == []
    assert result.ok


def test_a_new_dimension_would_orphan_every_memory(chroma: Any, servers: Any,
                                                   tmp_path: Path) -> None:
    collection = chroma.create()
    chroma.add(collection, 768)
    ollama = servers.start(OLLAMA, ["text-embedding-3-small", "llama3.1:8b"])
    path = config_file(tmp_path, ollama.url, 1536, chroma.url, "text-embedding-3-small")
    result = probe_file(path, env={})
    [finding] = result.stored_findings
    assert (finding.code, finding.severity.value) == ("chroma-dimension-mismatch", "error")
    assert finding.message == (
        f"Chroma at {chroma.url} holds 768-dimension vectors in 'conversations', but the "
        "embedding model 'text-embedding-3-small' makes 1536: Chroma would reject every "
        "memory stored and every search, and the controller would store messages without "
        "their embedding and recall nothing")
    assert not result.ok
    assert [f.code for f in result.findings][-1] == "chroma-dimension-mismatch"


def test_an_empty_collection_and_none_are_notes(chroma: Any, tmp_path: Path) -> None:
    chroma.reset()
    assert read_stored_vectors(chroma.url).state == "missing"
    collection = chroma.create()
    empty = read_stored_vectors(chroma.url)
    assert (empty.state, empty.dimension) == ("empty", None)
    assert [f.code for f in stored_findings(empty, "m", 768)] == ["chroma-empty"]
    chroma.add(collection, 384)
    chroma.delete_all(collection)
    kept = read_stored_vectors(chroma.url)  # deleted all: the dimension is kept
    assert (kept.state, kept.dimension) == ("ok", 384)


def test_a_server_down_and_a_server_that_is_not_chroma(servers: Any) -> None:
    with closed_port() as url:
        down = read_stored_vectors(url, timeout=2)
    assert down.state == "unreachable"
    assert [f.code for f in stored_findings(down, "m", 768)] == ["chroma-unreachable"]
    ollama = servers.start(OLLAMA, [])
    other = read_stored_vectors(ollama.url)
    assert other.state == "not-chroma"
    assert [f.code for f in stored_findings(other, "m", 768)] == ["chroma-not-chroma"]


def test_probe_takes_chroma_from_the_controllers_configuration(
    chroma: Any, servers: Any, tmp_path: Path, sekha: Run,
) -> None:
    collection = chroma.create()
    chroma.add(collection, 768)
    ollama = servers.start(OLLAMA, ["bge-m3", "llama3.1:8b"])
    path = config_file(tmp_path, ollama.url, 1024, None, "bge-m3")
    # Not set anywhere: not asked (the controller's default address is not a promise).
    assert probe_file(path, env={}).stored is None
    # The controller reads SEKHA__CHROMA_URL from its environment: so does probe.
    via_env = probe_file(path, env={"SEKHA__CHROMA_URL": chroma.url})
    assert codes(via_env) == ["chroma-dimension-mismatch"]
    done = sekha("probe", str(path), "--format", "json", "--chroma-url", chroma.url)
    assert done.exit_code == 1
    document = json.loads(done.stdout)
    assert document["chroma"] == {"url": chroma.url, "state": "ok", "api": "v2",
                                  "version": "1.0.0", "collection": "conversations",
                                  "dimension": 768, "detail": ""}
    assert [f["code"] for f in document["findings"]][-1] == "chroma-dimension-mismatch"
    text = sekha("probe", str(path), "--chroma-url", chroma.url)
    assert (f"Chroma at {chroma.url} (v2 API, version 1.0.0): 'conversations' holds "
            "768-dimension vectors") in text.stdout.splitlines()
    skipped = sekha("probe", str(path), "--format", "json", "--no-chroma",
                    "--chroma-url", chroma.url)
    assert json.loads(skipped.stdout)["chroma"] is None


# ---- migrate --probe refuses to orphan the stored memories ----------------------------------


def v1_project(tmp_path: Path, ollama_url: str, chroma_url: str) -> Path:
    """A v1 controller that moves to an embedding model of 1536 dimensions."""
    project = tmp_path / "project"
    write(project / "config.toml", f'ollama_url = "{ollama_url}"\n'
                                   'embedding_model = "acme-embed-large"\n'
                                   f'chroma_url = "{chroma_url}"\n'
                                   f'mcp_api_key = "{"k" * 40}"\n')
    return project


def files_of(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def test_migrate_probe_refuses_a_new_dimension_against_stored_vectors(
    chroma: Any, servers: Any, tmp_path: Path, sekha: Run,
) -> None:
    collection = chroma.create()
    chroma.add(collection, 768)
    ollama = servers.start(OLLAMA, ["acme-embed-large"], dimensions={"acme-embed-large": 1536})
    project = v1_project(tmp_path, ollama.url, chroma.url)
    before = files_of(project)
    refused = sekha("migrate", "--probe", "--yes", "--no-env", cwd=project)
    said = refused.stdout + refused.stderr
    assert refused.exit_code == 1, said
    assert "[chroma-dimension-mismatch]" in said
    assert "pass --accept-reembedding if you mean to" in said
    assert files_of(project) == before  # nothing written, not even a backup
    accepted = sekha("migrate", "--probe", "--yes", "--no-env", "--accept-reembedding",
                     cwd=project)
    assert accepted.exit_code == 0, accepted.stdout + accepted.stderr
    written = yaml.safe_load((project / "config.yaml").read_text())
    assert written["llm_providers"][0]["models"][0]["dimension"] == 1536
    assert "accepted with --accept-reembedding" in accepted.stdout + accepted.stderr


def test_migrate_probe_passes_when_the_dimension_is_kept(
    chroma: Any, servers: Any, tmp_path: Path,
) -> None:
    from sekha_migrate import MigrationRequest, plan_migration

    collection = chroma.create()
    chroma.add(collection, 1536)
    ollama = servers.start(OLLAMA, ["acme-embed-large"], dimensions={"acme-embed-large": 1536})
    project = v1_project(tmp_path, ollama.url, chroma.url)
    plan = plan_migration(MigrationRequest(directory=project, probe=True))
    assert plan.valid, [f.message for f in plan.findings if f.severity.value == "error"]
    assert not [f for f in plan.findings if f.code.startswith("chroma-")]


# ---- an older server, from its recorded answers (fixtures/chroma/PROVENANCE.md) ------------


def test_chroma_0_4_speaks_only_the_v1_api_the_controller_left(tmp_path: Path) -> None:
    recorded = Path(__file__).resolve().parent.parent / "fixtures" / "chroma" / "0.4.24"
    collection = json.loads((recorded / "collections.json").read_text())[0]["id"]
    answers = {
        ("GET", "/api/v2/heartbeat"): (404, "v2-heartbeat.404.json"),
        ("GET", "/api/v1/heartbeat"): (200, "heartbeat.json"),
        ("GET", "/api/v1/version"): (200, "version.json"),
        ("GET", "/api/v1/collections"): (200, "collections.json"),
        ("POST", f"/api/v1/collections/{collection}/get"): (200, "get.json"),
    }

    def answer(method: str, path: str, headers: Any) -> Answer:
        status, name = answers.get((method, path), (404, ""))
        return (status, (recorded / name).read_bytes()) if name else NOT_FOUND

    with serving(answer) as url:
        stored = read_stored_vectors(url)
    # No `dimension` field in 0.4.x: the one stored vector tells it.
    assert (stored.state, stored.api, stored.version, stored.dimension) == (
        "too-old", "v1", "0.4.24", 768)
    [finding] = stored_findings(stored, "nomic-embed-text", 768)
    assert finding.code == "chroma-api-too-old"
