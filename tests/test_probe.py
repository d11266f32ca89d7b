"""`sekha_migrate.probe` against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from probe_support import config, model, only, provider
from provider_servers import ANTHROPIC, OLLAMA, OPENAI, ServerPool, closed_port

from sekha_migrate.probe import ProbeStatus, probe_config
from sekha_migrate.probe.results import ModelCheck, ProviderProbe

KEY = "sk-test-4f2b9c7d1e8a6b3c5d0e"




def models_by_id(probe: ProviderProbe) -> dict[str, ModelCheck]:
    return {m.model_id: m for m in probe.models}


# -- Ollama ----------------------------------------------------------------------------------


def test_ollama_with_every_model_is_ok_and_reports_its_version(servers: ServerPool) -> None:
    server = servers.start(OLLAMA, ["nomic-embed-text:latest", "llama3.1:8b"])
    doc = config(
        provider(
            "local",
            "ollama",
            server.url,
            [model("nomic-embed-text", "embedding", 768), model("llama3.1:8b")],
        )
    )
    result = probe_config(doc, env={})
    probe = only(result)
    assert result.ok
    assert probe.status is ProbeStatus.OK
    assert probe.error is None
    assert probe.version == "0.5.7"
    assert probe.latency_ms is not None and probe.latency_ms >= 0
    assert all(m.present for m in probe.models)
    assert sorted(server.paths()) == ["/api/tags", "/api/version"]


def test_an_ollama_without_a_version_endpoint_is_still_ok(servers: ServerPool) -> None:
    server = servers.start(OLLAMA, ["llama3.1:8b"], failing_paths={"/api/version": 404})
    doc = config(provider("old", "ollama", server.url, [model("llama3.1:8b")]))
    result = probe_config(doc, env={})
    probe = only(result)
    assert result.ok
    assert probe.version is None
    assert any("Ollama version" in warning for warning in probe.warnings)


def test_ollama_latest_tag_matches_a_bare_name_but_other_tags_do_not(servers: ServerPool) -> None:
    server = servers.start(OLLAMA, ["nomic-embed-text:latest", "qwen2:latest"])
    doc = config(
        provider(
            "local",
            "ollama",
            server.url,
            [model("nomic-embed-text"), model("qwen2:latest"), model("qwen2:7b")],
        )
    )
    found = models_by_id(only(probe_config(doc, env={})))
    assert found["nomic-embed-text"].present is True
    assert found["qwen2:latest"].present is True
    assert found["qwen2:7b"].present is False


def test_missing_model_fails_the_probe_and_its_route(servers: ServerPool) -> None:
    server = servers.start(OLLAMA, ["llama3.1:8b"])
    doc = config(
        provider(
            "local",
            "ollama",
            server.url,
            [model("llama3.1:8b", "chat_small"), model("llama3.1:70b", "chat_smart")],
        ),
        default_models={"chat_fast": "llama3.1:8b", "chat_smart": "llama3.1:70b"},
    )
    result = probe_config(doc, env={})
    assert not result.ok
    assert only(result).status is ProbeStatus.OK  # the provider answered; the model is missing
    assert any("llama3.1:70b" in p and "ollama pull" in p for p in result.problems())
    routes = {row["key"]: row for row in result.routing}
    assert routes["chat_fast"]["status"] == "preferred"
    # No other chat_smart model, and the bridge does not fall back to chat_small.
    assert routes["chat_smart"]["status"] == "unavailable"
    assert routes["chat_smart"]["reason"] == "local/llama3.1:70b: not listed by local"


# -- OpenAI-compatible and Anthropic ---------------------------------------------------------


@pytest.mark.parametrize("provider_type", ["openai", "openrouter", "litellm"])
def test_openai_compatible_providers_list_models_with_a_bearer_key(
    servers: ServerPool, provider_type: str
) -> None:
    server = servers.start(OPENAI, ["gpt-4o", "gpt-4o-mini"], api_key=KEY)
    doc = config(
        provider("cloud", provider_type, server.url, [model("gpt-4o")], api_key="${THE_KEY}")
    )
    result = probe_config(doc, env={"THE_KEY": KEY})
    assert result.ok, result.problems()
    (request,) = server.requests
    assert request.path == "/v1/models"
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_a_refused_key_is_auth_failed(servers: ServerPool) -> None:
    server = servers.start(OPENAI, ["gpt-4o"], api_key=KEY)
    doc = config(provider("cloud", "openai", server.url, [model("gpt-4o")], api_key="sk-wrong"))
    probe = only(probe_config(doc, env={}))
    assert probe.status is ProbeStatus.AUTH_FAILED
    assert "401" in (probe.error or "")
    assert models_by_id(probe)["gpt-4o"].present is None


def test_no_key_at_all_says_so_when_the_provider_wants_one(servers: ServerPool) -> None:
    server = servers.start(OPENAI, ["gpt-4o"], api_key=KEY)
    probe = only(probe_config(config(provider("cloud", "openai", server.url)), env={}))
    assert probe.status is ProbeStatus.AUTH_FAILED
    assert "no api_key is configured" in (probe.error or "")
    assert "authorization" not in server.requests[0].headers


@pytest.mark.parametrize("suffix", ["", "/v1", "/v1/"])
def test_anthropic_base_url_with_or_without_v1_asks_v1_models_once(
    servers: ServerPool, suffix: str
) -> None:
    server = servers.start(ANTHROPIC, ["claude-3-haiku-20240307"], api_key=KEY)
    doc = config(
        provider(
            "claude",
            "anthropic",
            server.url + suffix,
            [model("claude-3-haiku-20240307")],
            api_key=KEY,
        )
    )
    result = probe_config(doc, env={})
    assert result.ok, result.problems()
    (request,) = server.requests
    assert request.path == "/v1/models"
    assert request.headers["x-api-key"] == KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in request.headers


def test_anthropic_listing_is_followed_across_pages(servers: ServerPool) -> None:
    names = [f"claude-{i}" for i in range(5)]
    server = servers.start(ANTHROPIC, names, api_key=KEY, page_size=2)
    doc = config(provider("claude", "anthropic", server.url, [model("claude-4")], api_key=KEY))
    result = probe_config(doc, env={})
    assert models_by_id(only(result))["claude-4"].present is True
    assert len(server.requests) == 3


def test_anthropic_aliases_are_looked_up_one_by_one(servers: ServerPool) -> None:
    server = servers.start(
        ANTHROPIC,
        ["claude-3-5-sonnet-20241022"],
        api_key=KEY,
        aliases={"claude-3-5-sonnet-latest": "claude-3-5-sonnet-20241022"},
    )
    wanted = [model("claude-3-5-sonnet-20241022"), model("claude-3-5-sonnet-latest")]
    doc = config(
        provider("claude", "anthropic", server.url, [*wanted, model("claude-9")], api_key=KEY)
    )
    probe = only(probe_config(doc, env={}))
    found = {m.model_id: m.present for m in probe.models}
    assert found == {
        "claude-3-5-sonnet-20241022": True,
        "claude-3-5-sonnet-latest": True,
        "claude-9": False,
    }
    assert probe.status is ProbeStatus.OK
    assert probe.breaker["total_failures"] == 0  # a 404 for an unknown model is an answer
    assert server.paths() == [
        "/v1/models",
        "/v1/models/claude-3-5-sonnet-latest",
        "/v1/models/claude-9",
    ]


# -- failures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("behaviour", "words"),
    [
        ({"status": 500}, "HTTP 500"),
        ({"status": 503}, "HTTP 503"),
        ({"garbage": True}, "not JSON"),
        ({"wrong_shape": True}, "unexpected answer"),
    ],
)
def test_server_errors_and_malformed_answers_are_error(
    servers: ServerPool, behaviour: dict[str, Any], words: str
) -> None:
    server = servers.start(OPENAI, ["gpt-4o"], **behaviour)
    probe = only(probe_config(config(provider("cloud", "openai", server.url)), env={}))
    assert probe.status is ProbeStatus.ERROR
    assert words in (probe.error or "")
    assert probe.breaker["total_failures"] == 1


def test_a_port_nobody_listens_on_is_unreachable() -> None:
    with closed_port() as url:
        probe = only(probe_config(config(provider("gone", "openai", url)), env={}))
    assert probe.status is ProbeStatus.UNREACHABLE
    assert "Connection refused" in (probe.error or "")


def test_a_hanging_provider_costs_its_timeout_and_no_more(servers: ServerPool) -> None:
    server = servers.start(OLLAMA, ["llama3.1:8b"], hang=True)
    doc = config(
        provider("stuck", "ollama", server.url, [model("llama3.1:8b")], timeout=1),
    )
    started = time.monotonic()
    probe = only(probe_config(doc, env={}, embed=True))
    elapsed = time.monotonic() - started
    assert probe.status is ProbeStatus.TIMEOUT
    assert "within 1 s" in (probe.error or "")
    assert 0.9 < elapsed < 3


def test_timeout_option_overrides_the_configured_timeout(servers: ServerPool) -> None:
    server = servers.start(OPENAI, hang=True)
    doc = config(provider("stuck", "openai", server.url, timeout=60))
    started = time.monotonic()
    probe = only(probe_config(doc, env={}, timeout=0.5))
    assert probe.status is ProbeStatus.TIMEOUT
    assert time.monotonic() - started < 3


def test_a_slow_provider_within_its_timeout_is_ok(servers: ServerPool) -> None:
    server = servers.start(OPENAI, ["gpt-4o"], delay=0.3)
    probe = only(probe_config(config(provider("slow", "openai", server.url, timeout=5)), env={}))
    assert probe.status is ProbeStatus.OK
    assert probe.latency_ms is not None
    assert probe.latency_ms >= 300


def test_a_huge_answer_is_cut_off_at_the_cap(servers: ServerPool) -> None:
    size = 200 * 1024 * 1024
    server = servers.start(OLLAMA, huge_body_bytes=size)
    probe = only(probe_config(config(provider("big", "ollama", server.url)), env={}))
    assert probe.status is ProbeStatus.ERROR
    assert "larger than 4 MiB" in (probe.error or "")
    # The client hung up: the server could not push anywhere near the whole body.
    assert server.bytes_sent < size / 4


def test_a_compressed_answer_is_capped_by_its_inflated_size(servers: ServerPool) -> None:
    server = servers.start(OPENAI, gzip_bomb_bytes=64 * 1024 * 1024)
    probe = only(probe_config(config(provider("bomb", "openai", server.url)), env={}))
    assert probe.status is ProbeStatus.ERROR
    assert "larger than 4 MiB" in (probe.error or "")
    assert server.bytes_sent < 1024 * 1024  # the wire carried little; the cap still held


def test_one_failing_provider_does_not_spoil_the_others(servers: ServerPool) -> None:
    good = servers.start(OLLAMA, ["llama3.1:8b"])
    bad = servers.start(OPENAI, status=500)
    doc = config(
        provider("good", "ollama", good.url, [model("llama3.1:8b")]),
        provider("bad", "openai", bad.url, priority=2),
    )
    result = probe_config(doc, env={})
    statuses = {p.id: p.status for p in result.providers}
    assert statuses == {"good": ProbeStatus.OK, "bad": ProbeStatus.ERROR}
    assert not result.ok


# -- ${VAR} keys -----------------------------------------------------------------------------


def test_a_missing_variable_skips_that_provider_and_names_the_variable(servers: ServerPool) -> None:
    server = servers.start(OPENAI, ["gpt-4o"])
    doc = config(provider("cloud", "openai", server.url, api_key="${MISSING_PROBE_KEY}"))
    probe = only(probe_config(doc, env={}))
    assert probe.status is ProbeStatus.SKIPPED
    assert "MISSING_PROBE_KEY" in (probe.error or "")
    assert server.requests == []


def test_a_variable_in_the_base_url_is_expanded(servers: ServerPool) -> None:
    server = servers.start(OLLAMA, ["llama3.1:8b"])
    doc = config(provider("local", "ollama", "${OLLAMA_URL}", [model("llama3.1:8b")]))
    assert probe_config(doc, env={"OLLAMA_URL": server.url}).ok


# -- embeddings ------------------------------------------------------------------------------


def test_embed_measures_dimensions_on_ollama_and_openai(servers: ServerPool) -> None:
    ollama = servers.start(
        OLLAMA, ["nomic-embed-text:latest"], dimensions={"nomic-embed-text": 768}
    )
    openai = servers.start(
        OPENAI, ["text-embedding-3-small"], dimensions={"text-embedding-3-small": 1536}, api_key=KEY
    )
    doc = config(
        provider("local", "ollama", ollama.url, [model("nomic-embed-text", "embedding", 768)]),
        provider(
            "cloud",
            "openai",
            openai.url,
            [model("text-embedding-3-small", "embedding", 1536)],
            api_key=KEY,
            priority=2,
        ),
    )
    result = probe_config(doc, env={}, embed=True)
    assert result.ok, result.problems()
    measured = {m.model_id: m.dimension_measured for p in result.providers for m in p.models}
    assert measured == {"nomic-embed-text": 768, "text-embedding-3-small": 1536}
    (embed_request,) = [r for r in ollama.requests if r.method == "POST"]
    assert embed_request.path == "/api/embed"
    assert embed_request.body["model"] == "nomic-embed-text"
    assert [r.path for r in openai.requests if r.method == "POST"] == ["/v1/embeddings"]


def test_a_dimension_mismatch_is_an_error(servers: ServerPool) -> None:
    server = servers.start(
        OLLAMA, ["mxbai-embed-large:latest"], dimensions={"mxbai-embed-large": 1024}
    )
    doc = config(
        provider("local", "ollama", server.url, [model("mxbai-embed-large", "embedding", 768)])
    )
    result = probe_config(doc, env={}, embed=True)
    checked = models_by_id(only(result))["mxbai-embed-large"]
    assert checked.dimension_measured == 1024
    assert checked.dimension_expected == 768
    assert "1024" in (checked.error or "")
    assert "768" in (checked.error or "")
    assert not result.ok
    assert any("1024-dimension" in p for p in result.problems())


def test_without_embed_no_embedding_request_is_made(servers: ServerPool) -> None:
    server = servers.start(OLLAMA, ["nomic-embed-text:latest"], dimensions={"nomic-embed-text": 1})
    doc = config(provider("local", "ollama", server.url, [model("nomic-embed-text", "embedding")]))
    result = probe_config(doc, env={})
    assert result.ok
    assert all(r.method == "GET" for r in server.requests)
    assert models_by_id(only(result))["nomic-embed-text"].dimension_measured is None


def test_an_open_breaker_stops_further_checks(servers: ServerPool) -> None:
    names = [f"embed-{i}:latest" for i in range(4)]
    server = servers.start(OLLAMA, names, failing_paths={"/api/embed": 500})
    doc = config(
        provider("local", "ollama", server.url, [model(n, "embedding", 768) for n in names]),
        breaker={"failure_threshold": 2, "timeout_secs": 60, "success_threshold": 1},
    )
    probe = only(probe_config(doc, env={}, embed=True))
    assert probe.status is ProbeStatus.ERROR
    assert probe.breaker["state"] == "open"
    assert len([r for r in server.requests if r.path == "/api/embed"]) == 2
    assert probe.skipped_checks == ("embed embed-2:latest", "embed embed-3:latest")
    assert "circuit breaker open" in (probe.error or "")


def test_routing_skips_a_provider_whose_breaker_opened(servers: ServerPool) -> None:
    names = ["embed-a", "embed-b"]
    broken = servers.start(OLLAMA, names, failing_paths={"/api/embed": 500})
    spare = servers.start(OLLAMA, ["embed-a:latest"], dimensions={"embed-a": 768})
    doc = config(
        provider("broken", "ollama", broken.url, [model(n, "embedding", 768) for n in names]),
        provider("spare", "ollama", spare.url, [model("embed-a", "embedding", 768)], priority=2),
        default_models={"embedding": "embed-a"},
        breaker={"failure_threshold": 2},
    )
    result = probe_config(doc, env={}, embed=True)
    (route,) = result.routing
    assert (route["provider_id"], route["model_id"]) == ("spare", "embed-a")
    assert [(s["provider_id"], s["code"]) for s in route["skipped"]] == [
        ("broken", "breaker_open"),
        ("broken", "breaker_open"),
    ]


def test_embedding_falls_back_as_the_bridge_does_and_warns_about_the_vectors(
    servers: ServerPool
) -> None:
    broken = servers.start(OLLAMA, ["embed-a"], failing_paths={"/api/embed": 500})
    spare = servers.start(OLLAMA, ["embed-c:latest"], dimensions={"embed-c": 768})
    doc = config(
        provider("broken", "ollama", broken.url, [model("embed-a", "embedding", 768)]),
        provider("spare", "ollama", spare.url, [model("embed-c", "embedding", 768)], priority=2),
        default_models={"embedding": "embed-a"},
        breaker={"failure_threshold": 1},
    )
    result = probe_config(doc, env={}, embed=True)
    (route,) = result.routing
    assert route["status"] == "fallback"
    assert (route["provider_id"], route["model_id"]) == ("spare", "embed-c")
    assert route["reason"].startswith("embed-a: breaker open, next trial in 60s; using embed-c")
    assert "its vectors do not match embed-a's" in route["reason"]


# -- secrets ---------------------------------------------------------------------------------


def test_a_key_echoed_back_by_the_provider_never_reaches_the_result(servers: ServerPool) -> None:
    server = servers.start(OPENAI, status=500, echo_credentials=True)
    doc = config(provider("cloud", "openai", server.url, api_key="${K}"))
    result = probe_config(doc, env={"K": KEY})
    document = json.dumps(result.to_dict())
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"  # it was sent...
    assert "you sent" in (only(result).error or "")  # ...and echoed,
    assert KEY not in document  # but shows up nowhere
    assert KEY[:4] in document and KEY[-4:] in document  # only masked


# -- as the bridge reads its file --------------------------------------------------------------


def bridge_config(base_url: str, api_key: str | None) -> dict[str, Any]:
    entry = {"id": "local", "provider_type": "ollama", "base_url": base_url,
             "models": [{"model_id": "llama3.1:8b", "task": "chat_small"}]}
    if api_key is not None:
        entry["api_key"] = api_key
    return {"providers": [entry]}


def test_a_bridge_file_is_probed_only_where_the_bridge_expands(servers: ServerPool) -> None:
    server = servers.start(OLLAMA, ["llama3.1:8b"])
    literal = only(probe_config(bridge_config("${OLLAMA_URL}", None),
                                env={"OLLAMA_URL": server.url}))
    assert literal.status is ProbeStatus.SKIPPED
    assert literal.error == (
        "not probed: the LLM bridge takes the ${VAR} in base_url literally (it expands only an "
        "api_key written as exactly ${VAR}); write the value itself")
    partial_key = only(probe_config(bridge_config(server.url, "Bearer ${KEY}"),
                                    env={"KEY": KEY}))
    assert partial_key.status is ProbeStatus.SKIPPED
    assert partial_key.error is not None and "in api_key literally" in partial_key.error
    whole_key = only(probe_config(bridge_config(server.url, "${KEY}"), env={"KEY": KEY}))
    assert whole_key.status is ProbeStatus.OK


def test_a_docker_file_keeps_its_references_expanded(servers: ServerPool) -> None:
    server = servers.start(OLLAMA, ["llama3.1:8b"])
    doc = config(provider("local", "ollama", "${OLLAMA_URL}", [model("llama3.1:8b")]))
    assert only(probe_config(doc, env={"OLLAMA_URL": server.url})).status is ProbeStatus.OK
