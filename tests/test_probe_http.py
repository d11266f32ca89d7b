"""Redirects, credentials and the embedding measurement, against real servers."""

from __future__ import annotations

import json

import pytest
from probe_support import config, model, only, provider
from provider_servers import ANTHROPIC, OLLAMA, OPENAI, ServerPool, closed_port

from sekha_migrate.model.masking import is_local_url
from sekha_migrate.probe import ProbeError, ProbeStatus, measure_embedding_dimension, probe_config
from sekha_migrate.probe.provider import key_exposure_warnings
from sekha_migrate.probe.targets import build_targets

KEY = "sk-test-9a8b7c6d5e4f3a2b1c0d"




# -- redirects ---------------------------------------------------------------------------------


def test_a_redirect_to_another_host_does_not_carry_the_bearer_key(servers: ServerPool) -> None:
    # Same machine, different origin: 127.0.0.1 redirects to localhost.
    elsewhere = servers.start(OPENAI, ["gpt-4o"])
    first = servers.start(OPENAI, redirect_to=f"http://localhost:{elsewhere.port}")
    doc = config(provider("cloud", "openai", first.url, [model("gpt-4o")], api_key=KEY))
    probe = only(probe_config(doc, env={}))
    assert first.requests[0].headers["authorization"] == f"Bearer {KEY}"
    (followed,) = elsewhere.requests
    assert followed.path == "/moved/v1/models"
    assert followed.headers["host"].startswith("localhost:")
    assert "authorization" not in followed.headers
    assert probe.status is ProbeStatus.OK
    assert any("was not sent" in w for w in probe.warnings)


def test_a_redirect_to_another_host_does_not_carry_the_anthropic_key(servers: ServerPool) -> None:
    elsewhere = servers.start(ANTHROPIC, ["claude-3-haiku-20240307"], api_key=KEY)
    first = servers.start(ANTHROPIC, redirect_to=f"http://localhost:{elsewhere.port}")
    doc = config(provider("claude", "anthropic", first.url, [model("x")], api_key=KEY))
    probe = only(probe_config(doc, env={}))
    assert first.requests[0].headers["x-api-key"] == KEY
    (followed,) = elsewhere.requests
    assert "x-api-key" not in followed.headers
    assert followed.headers["anthropic-version"] == "2023-06-01"
    # The other host wants the key it never got.
    assert probe.status is ProbeStatus.AUTH_FAILED


def test_a_redirect_within_the_same_origin_keeps_the_key(servers: ServerPool) -> None:
    server = servers.start(OPENAI, ["gpt-4o"], api_key=KEY)
    server.behaviour.redirect_to = server.origin
    doc = config(provider("cloud", "openai", server.url, [model("gpt-4o")], api_key=KEY))
    result = probe_config(doc, env={})
    assert result.ok, result.problems()
    assert [r.path for r in server.requests] == ["/v1/models", "/moved/v1/models"]
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in server.requests)
    assert only(result).warnings == ()


def test_a_redirect_loop_is_an_error_not_a_hang(servers: ServerPool) -> None:
    server = servers.start(OPENAI, redirect_loop=True)
    probe = only(probe_config(config(provider("loop", "openai", server.url)), env={}))
    assert probe.status is ProbeStatus.ERROR
    assert "redirects" in (probe.error or "")
    assert len(server.requests) == 6


# -- plain http ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://localhost:11434", True),
        ("http://127.0.0.1:4000/v1", True),
        ("http://[::1]:4000", True),
        ("http://ollama:11434", True),  # a docker compose service name
        ("http://10.1.2.3:8000", True),
        ("http://api.example.com/v1", False),
        ("http://8.8.8.8/v1", False),
        ("http://[2001:4860:4860::8888]:11434", False),  # public IPv6: no dot, still remote
        ("http://host.docker.internal:11434", True),
        ("http://[::1", False),  # cannot be split: not trusted
    ],
)
def test_which_hosts_count_as_local(url: str, local: bool) -> None:
    # The same rule validate's insecure-transport lint uses (sekha_migrate.model.masking).
    assert is_local_url(url) is local


def test_a_key_over_plain_http_to_a_remote_host_is_a_warning() -> None:
    doc = config(
        provider("remote", "openai", "http://api.example.com/v1", api_key=KEY),
        provider("tls", "openai", "https://api.example.com/v1", api_key=KEY, priority=2),
        provider("keyless", "openai", "http://api.example.com/v1", priority=3),
    )
    remote, tls, keyless = build_targets(doc, {})
    (warning,) = key_exposure_warnings(remote)
    assert "plain http" in warning and "api.example.com" in warning
    assert KEY not in warning
    assert key_exposure_warnings(tls) == []
    assert key_exposure_warnings(keyless) == []


def test_the_shown_url_drops_passwords_and_query_strings() -> None:
    doc = config(provider("p", "openai", f"https://user:{KEY}@proxy.example.com/v1?key={KEY}"))
    (target,) = build_targets(doc, {})
    assert target.display_url == "https://proxy.example.com/v1"


# -- measure_embedding_dimension ---------------------------------------------------------------


def test_measure_embedding_dimension_on_ollama_and_openai(servers: ServerPool) -> None:
    ollama = servers.start(OLLAMA, dimensions={"nomic-embed-text": 768})
    openai = servers.start(OPENAI, dimensions={"text-embedding-3-large": 3072}, api_key=KEY)
    assert measure_embedding_dimension("ollama", ollama.url, "nomic-embed-text") == 768
    measured = measure_embedding_dimension(
        "openai", openai.url, "text-embedding-3-large", api_key=KEY, timeout=5
    )
    assert measured == 3072
    assert openai.requests[0].body == {"model": "text-embedding-3-large", "input": "sekha probe"}


def test_measure_embedding_dimension_failures_are_probe_errors_without_the_key(
    servers: ServerPool
) -> None:
    server = servers.start(OPENAI, status=500, echo_credentials=True)
    with pytest.raises(ProbeError) as caught:
        measure_embedding_dimension("openai", server.url, "text-embedding-3-small", api_key=KEY)
    message = str(caught.value)
    assert "text-embedding-3-small" in message and "HTTP 500" in message
    assert KEY not in message


def test_measure_embedding_dimension_of_an_unknown_model(servers: ServerPool) -> None:
    server = servers.start(OLLAMA, dimensions={})
    with pytest.raises(ProbeError, match=r"HTTP 404.*not found"):
        measure_embedding_dimension("ollama", server.url, "no-such-model")


def test_measure_embedding_dimension_unreachable_and_unsupported() -> None:
    with closed_port() as url, pytest.raises(ProbeError, match="Connection refused"):
        measure_embedding_dimension("ollama", url, "nomic-embed-text", timeout=2)
    with pytest.raises(ProbeError, match="no embeddings API"):
        measure_embedding_dimension("anthropic", "https://api.anthropic.com", "claude")


# -- values httpx would choke on ---------------------------------------------------------------


@pytest.mark.parametrize(
    "bad_key", [f"{KEY}\n", f"{KEY[:10]}\r\nX-Injected: 1", f"ключ-{KEY}", f" {KEY}"]
)
def test_a_key_no_header_can_carry_is_an_error_that_does_not_show_it(
    servers: ServerPool, bad_key: str
) -> None:
    server = servers.start(OPENAI, ["gpt-4o"])
    doc = config(provider("cloud", "openai", server.url, api_key="${K}"))
    result = probe_config(doc, env={"K": bad_key})
    probe = only(result)
    assert probe.status is ProbeStatus.ERROR
    assert "cannot carry" in (probe.error or "")
    assert server.requests == []
    assert KEY[:10] not in json.dumps(result.to_dict(), ensure_ascii=False)


def test_a_port_out_of_range_is_an_error_not_a_crash() -> None:
    doc = config(provider("odd", "openai", "http://127.0.0.1:99999/v1"))
    probe = only(probe_config(doc, env={}))
    assert probe.status is ProbeStatus.ERROR
    assert "port" in (probe.error or "")
