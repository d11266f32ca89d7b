"""sekha-docker's own compose files, copied into fixtures/deployments/ (PROVENANCE.md), each
checked as the deployment it describes: every finding pinned by code and line, so a check
that stops firing on a real file (or starts firing where it should not) fails here."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

from sekha_migrate.findings import FileResult
from sekha_migrate.validate.chroma_api import chroma_version
from sekha_migrate.validate.engine import validate_file

DEPLOYMENTS = ROOT / "fixtures" / "deployments"
LOCAL = DEPLOYMENTS / "local-compose" / "docker-compose.local.yml"
V2 = DEPLOYMENTS / "v2-compose" / "docker-compose.v2.yml"
PROD_0424 = DEPLOYMENTS / "prod-compose-bbe68a4" / "docker-compose.prod.yml"
KEY = "k" * 20 + "0123456789abcdef0123456789abcdef"

Found = list[tuple[str, str, int | None]]


def codes(result: FileResult) -> Found:
    return [(f.severity.value, f.code, f.line) for f in result.findings]


def test_the_local_compose_file_without_its_key_refuses_to_start_and_misses_the_bridge(
        ) -> None:
    result = validate_file(LOCAL, env={})
    assert codes(result) == [
        ("info", "compose-service", 5), ("warning", "mount-missing", 12),
        ("error", "interpolation", 16), ("info", "compose-service", 40),
        ("info", "compose-service", 61), ("warning", "deployment-url", 61),
        ("error", "would-not-start", 61), ("error", "interpolation", 74),
        # LLM_PROVIDER, LLM_URL and the MEMORY_* names: an older proxy's
        ("warning", "unread-name", 78), ("warning", "unread-name", 79),
        ("warning", "unread-name", 83), ("warning", "unread-name", 84),
        ("warning", "unread-name", 85), ("warning", "unread-name", 86)]


def test_the_local_compose_files_proxy_never_reaches_the_bridge_it_names(tmp_path: Path
                                                                           ) -> None:
    result = validate_file(LOCAL, env={"MCP_API_KEY": KEY})
    url = [f for f in result.findings if f.code == "deployment-url"]
    assert [(f.line, f.message) for f in url] == [
        (61, "service proxy: the proxy's LLM_BRIDGE_URL 'http://localhost:5001' (the proxy's "
         "default (config.py)) does not reach the bridge (service llm-bridge, port 5001): "
         "localhost is the calling service's own container")]
    assert [c for c in codes(result) if c[0] == "error"] == []


def test_the_v2_compose_file_feeds_names_nobody_reads_and_leaves_the_public_key(
        ) -> None:
    result = validate_file(V2, env={})
    assert codes(result) == [
        ("warning", "chroma-healthcheck-v1", 36), ("info", "compose-service", 85),
        # SEKHA__HOST, SEKHA__PORT, SEKHA__LOG_LEVEL, SEKHA__LLM_PROVIDERS,
        # SEKHA__DEFAULT_MODELS, the breaker's and routing's SEKHA__* names: the bridge
        # reads none of them
        ("warning", "unread-name", 94), ("warning", "unread-name", 95),
        ("warning", "unread-name", 96), ("warning", "unread-name", 99),
        ("warning", "unread-name", 128), ("warning", "unread-name", 136),
        ("warning", "unread-name", 137), ("warning", "unread-name", 138),
        ("warning", "unread-name", 141), ("warning", "unread-name", 142),
        ("info", "compose-service", 160),
        # llm_bridge_url and chroma_url at the controller's defaults: its BRIDGE_URL and
        # CHROMA_URL (lines 172, 173) have no SEKHA__ prefix
        ("warning", "deployment-url", 160), ("warning", "deployment-url", 160),
        ("error", "public-default-key", 160),
        ("warning", "unread-name", 169), ("warning", "unread-name", 173),
        ("warning", "unread-name", 174)]


def test_the_production_stack_before_cedb3b3_ran_a_v2_controller_on_chroma_0_4_24() -> None:
    result = validate_file(PROD_0424, env={"MCP_API_KEY": KEY})
    assert codes(result) == [
        ("info", "compose-service", 6), ("info", "compose-service", 53),
        ("warning", "unread-name", 70), ("info", "compose-service", 91),
        ("error", "chroma-api-mismatch", 139)]
    mismatch = result.findings[-1]
    assert mismatch.column == 5
    assert mismatch.message == (
        "service chroma: chromadb/chroma:0.4.24 is Chroma 0.4.24, which has no v2 API (it came "
        "in 0.5.16), but service sekha-core speaks only v2 (its image "
        "ghcr.io/sekha-ai/sekha-controller:latest is the latest controller; sekha-controller "
        "since 11a0b36): every memory stored and every search fails, and the controller "
        "carries on without them")


RIGHT = """\
services:
  controller:
    {controller}
    environment:
      SEKHA__MCP_API_KEY: ${{MCP_API_KEY:?set it}}
      SEKHA__CHROMA_URL: http://chroma:8000
  chroma:
    image: {chroma}
"""


@pytest.mark.parametrize(("controller", "chroma", "expected"), [
    ("image: ghcr.io/sekha-ai/sekha-controller:latest", "chromadb/chroma:0.4.24", [8]),
    ("image: ghcr.io/sekha-ai/sekha-controller", "chromadb/chroma:0.5.15", [8]),
    ("build: ../sekha-controller", "chromadb/chroma:0.5.5", [8]),
    ("image: ghcr.io/sekha-ai/sekha-controller:latest", "chromadb/chroma:0.5.16", []),
    ("image: ghcr.io/sekha-ai/sekha-controller:latest", "chromadb/chroma:1.5.0", []),
    ("image: ghcr.io/sekha-ai/sekha-controller:latest", "chromadb/chroma:latest", []),
    # a pinned controller tag or a digest says nothing of the API it speaks
    ("image: ghcr.io/sekha-ai/sekha-controller:v0.1.0-alpha", "chromadb/chroma:0.4.24", []),
    ("image: ghcr.io/sekha-ai/sekha-controller@sha256:" + "0" * 64, "chromadb/chroma:0.4.24",
     []),
])
def test_a_chroma_too_old_for_the_controllers_api_is_found_at_its_image_line(
        tmp_path: Path, controller: str, chroma: str, expected: list[int]) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_text(RIGHT.format(controller=controller, chroma=chroma))
    result = validate_file(path, env={"MCP_API_KEY": KEY})
    assert [f.line for f in result.findings if f.code == "chroma-api-mismatch"] == expected
    assert [f.code for f in result.findings if f.severity.value != "info"
            and f.code != "chroma-api-mismatch"] == []


@pytest.mark.parametrize(("image", "version"), [
    ("chromadb/chroma:0.4.24", (0, 4, 24)), ("chromadb/chroma:0.5", (0, 5, 0)),
    ("ghcr.io/chroma-core/chroma:v0.5.23", (0, 5, 23)), ("chromadb/chroma:1.5.0", (1, 5, 0)),
    ("chromadb/chroma:0.6.3-slim", (0, 6, 3)), ("chromadb/chroma:latest", None),
    ("chromadb/chroma", None), ("chromadb/chroma@sha256:abc", None),
    ("localhost:5000/chroma", None),
])
def test_a_chroma_images_release_is_read_from_its_tag(image: str,
                                                       version: tuple[int, int, int] | None
                                                       ) -> None:
    assert chroma_version(image) == version
