"""The provider registry: who would serve each task right now, and why the others would not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from sekha_migrate.registry import (
    Candidate,
    ProviderRegistry,
    RegistryError,
    RouteStatus,
    SkipReason,
)
from sekha_migrate.resilience import BreakerState

REFERENCE = Path(__file__).resolve().parent.parent / "fixtures" / "reference"


class FakeClock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def reference_example(title: str) -> dict[str, Any]:
    """One of the three examples of docker-config.yaml.example; two of them are commented out."""
    lines = (REFERENCE / "docker-config.yaml.example").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"# EXAMPLE {title}"))
    body: list[str] = []
    for line in lines[start + 2 :]:
        if line.startswith("# ====="):
            break
        body.append(line[2:] if line.startswith("# ") else line.lstrip("#"))
    text = "\n".join(body)
    return cast("dict[str, Any]", yaml.safe_load(text[text.index('version: "2.0"') :]))


def hybrid_config() -> dict[str, Any]:
    """Example 2, the one left uncommented: Ollama first, OpenAI second."""
    text = (REFERENCE / "docker-config.yaml.example").read_text(encoding="utf-8")
    return cast("dict[str, Any]", yaml.safe_load(text))


def provider(pid: str, priority: int, *models: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": pid,
        "type": "openai",
        "base_url": f"http://127.0.0.1:9/{pid}",
        "priority": priority,
        "models": list(models),
    }


def model(model_id: str, task: str, **extra: Any) -> dict[str, Any]:
    return {"model_id": model_id, "task": task, "context_window": 8192, **extra}


def ids(candidates: tuple[Candidate, ...]) -> list[tuple[str, str]]:
    return [(c.provider_id, c.model_id) for c in candidates]


def open_breaker(registry: ProviderRegistry, provider_id: str) -> None:
    breaker = registry.breaker(provider_id)
    for _ in range(breaker.failure_threshold):
        breaker.record_failure(ConnectionRefusedError("connection refused"))
    assert breaker.is_open()


# -- building the registry ---------------------------------------------------------------------


def test_one_entry_per_provider_from_the_reference_config() -> None:
    registry = ProviderRegistry.from_config(hybrid_config())
    assert [p.id for p in registry.providers] == ["ollama_local", "openai_cloud"]
    ollama = registry.provider("ollama_local")
    assert (ollama.type, ollama.base_url, ollama.priority, ollama.timeout) == (
        "ollama",
        "http://localhost:11434",
        1,
        120.0,
    )
    embed = ollama.models[0]
    assert (embed.model_id, embed.task, embed.dimension, embed.context_window) == (
        "nomic-embed-text",
        "embedding",
        768,
        8192,
    )
    gpt4o = [m for m in registry.provider("openai_cloud").models if m.model_id == "gpt-4o"]
    assert [(m.task, m.supports_vision) for m in gpt4o] == [("chat_smart", True), ("vision", True)]


def test_every_provider_gets_its_own_breaker_from_routing_circuit_breaker(
    clock: FakeClock,
) -> None:
    config = hybrid_config()
    config["routing"]["circuit_breaker"] = {
        "failure_threshold": 2,
        "timeout_secs": 30,
        "success_threshold": 1,
    }
    registry = ProviderRegistry.from_config(config, clock=clock)
    ollama, openai = registry.breaker("ollama_local"), registry.breaker("openai_cloud")
    assert ollama is not openai
    assert (ollama.failure_threshold, ollama.timeout_secs, ollama.success_threshold) == (2, 30, 1)
    assert ollama.name == "ollama_local"
    ollama.record_failure()
    ollama.record_failure()
    assert ollama.is_open()
    assert not openai.is_open()
    clock.now += 30
    assert ollama.get_state() is BreakerState.HALF_OPEN


def test_missing_routing_and_timeout_take_the_defaults() -> None:
    config = {
        "llm_providers": [provider("only", 1, model("m", "chat_small"))],
        "default_models": {"embedding": "e", "chat_fast": "m", "chat_smart": "m"},
    }
    registry = ProviderRegistry.from_config(config)
    entry = registry.provider("only")
    assert entry.timeout == 120.0
    assert (entry.breaker.failure_threshold, entry.breaker.timeout_secs) == (3, 60)
    assert entry.breaker.success_threshold == 2


def test_missing_priority_takes_the_bridges_default_of_one() -> None:
    config = {"providers": [{"id": "a", "provider_type": "ollama", "base_url": "http://x"}]}
    assert ProviderRegistry.from_config(config).provider("a").priority == 1


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"llm_providers": []}, "llm_providers must list at least one provider"),
        ({"default_models": {}}, "llm_providers must list"),
        (
            {"llm_providers": [provider("a", 1), provider("a", 2)]},
            "provider id 'a' appears more than once",
        ),
        (
            {"llm_providers": [{**provider("a", 1), "priority": "high"}]},
            r"llm_providers\[0\]\.priority must be a whole number, got 'high'",
        ),
        (
            {"llm_providers": [{**provider("a", 1), "models": [{"task": "embedding"}]}]},
            r"llm_providers\[0\]\.models\[0\]\.model_id must be a non-empty string",
        ),
        (
            {
                "llm_providers": [provider("a", 1)],
                "routing": {"circuit_breaker": {"failure_threshold": 0}},
            },
            "routing.circuit_breaker: failure_threshold must be a whole number",
        ),
    ],
)
def test_configs_that_were_not_validated_are_refused_clearly(
    config: dict[str, Any], words: str
) -> None:
    with pytest.raises(RegistryError, match=words):
        ProviderRegistry.from_config(config)


def test_unknown_provider_id_is_a_clear_error() -> None:
    registry = ProviderRegistry.from_config(hybrid_config())
    with pytest.raises(RegistryError, match="no provider with id 'azure'"):
        registry.mark_model_missing("azure", "gpt-4o")


# -- route -------------------------------------------------------------------------------------


def test_candidates_come_by_priority_then_config_order() -> None:
    config = {
        "llm_providers": [
            provider("backup", 3, model("b", "chat_small")),
            provider("first_listed", 2, model("f", "chat_small")),
            provider("second_listed", 2, model("s", "chat_small")),
            provider("primary", 1, model("p", "chat_small")),
        ]
    }
    result = ProviderRegistry.from_config(config).route("chat_small")
    assert ids(result.candidates) == [
        ("primary", "p"),
        ("first_listed", "f"),
        ("second_listed", "s"),
        ("backup", "b"),
    ]
    assert [c.priority for c in result.candidates] == [1, 2, 2, 3]
    assert result.chosen == result.candidates[0]
    assert result.candidates[0].reason == "task chat_small, priority 1"


def test_preferred_model_goes_first_when_available() -> None:
    registry = ProviderRegistry.from_config(hybrid_config())
    result = registry.route("chat_small", preferred_model="gpt-4o-mini")
    assert ids(result.candidates) == [
        ("openai_cloud", "gpt-4o-mini"),
        ("ollama_local", "llama3.1:8b"),
    ]
    assert result.candidates[0].reason.startswith("preferred model")


def test_providers_with_an_open_breaker_are_skipped_with_the_reason(clock: FakeClock) -> None:
    registry = ProviderRegistry.from_config(hybrid_config(), clock=clock)
    open_breaker(registry, "ollama_local")
    clock.now += 20
    result = registry.route("embedding")
    assert ids(result.candidates) == [("openai_cloud", "text-embedding-3-large")]
    skipped = [s for s in result.skipped if s.code is SkipReason.BREAKER_OPEN]
    assert [(s.provider_id, s.model_id) for s in skipped] == [("ollama_local", "nomic-embed-text")]
    assert skipped[0].reason == "breaker open, next trial in 40s"


def test_a_half_open_provider_is_offered_again_for_a_trial_call(clock: FakeClock) -> None:
    registry = ProviderRegistry.from_config(hybrid_config(), clock=clock)
    open_breaker(registry, "ollama_local")
    clock.now += 60
    result = registry.route("embedding")
    assert ids(result.candidates)[0] == ("ollama_local", "nomic-embed-text")
    assert "breaker half-open: trial call" in result.candidates[0].reason


def test_models_known_missing_are_skipped_until_seen_again() -> None:
    registry = ProviderRegistry.from_config(hybrid_config())
    registry.mark_model_missing("ollama_local", "llama3.1:8b")
    assert registry.missing_models == {("ollama_local", "llama3.1:8b")}
    result = registry.route("chat_small")
    assert ids(result.candidates) == [("openai_cloud", "gpt-4o-mini")]
    (skip,) = [s for s in result.skipped if s.code is SkipReason.MODEL_MISSING]
    assert (skip.provider_id, skip.model_id, skip.reason) == (
        "ollama_local",
        "llama3.1:8b",
        "not listed by ollama_local",
    )
    registry.mark_model_present("ollama_local", "llama3.1:8b")
    assert ids(registry.route("chat_small").candidates)[0] == ("ollama_local", "llama3.1:8b")


def test_vision_requirement_skips_models_that_do_not_accept_images() -> None:
    config = {
        "llm_providers": [
            provider("local", 1, model("llama", "chat_smart")),
            provider("cloud", 2, model("gpt-4o", "chat_smart", supports_vision=True)),
        ]
    }
    result = ProviderRegistry.from_config(config).route("chat_smart", require_vision=True)
    assert ids(result.candidates) == [("cloud", "gpt-4o")]
    (skip,) = result.skipped
    assert (skip.provider_id, skip.code, skip.reason) == (
        "local",
        SkipReason.NO_VISION,
        "does not accept images",
    )


def test_vision_task_is_served_by_models_whose_kept_entry_is_vision() -> None:
    config = {
        "llm_providers": [
            provider(
                "local",
                1,
                model("llava", "vision"),
                model("llama", "chat_small"),
                model("clip-embed", "embedding", supports_vision=True, dimension=512),
            ),
            provider(
                "cloud",
                2,
                model("gpt-4o", "chat_smart", supports_vision=True),
                model("gpt-4o", "vision", supports_vision=True),
            ),
        ]
    }
    result = ProviderRegistry.from_config(config).route("vision")
    assert ids(result.candidates) == [("local", "llava"), ("cloud", "gpt-4o")]
    # gpt-4o is listed twice on one provider; it is offered once, as its vision entry.
    assert result.candidates[1].task == "vision"
    wrong = {s.model_id: s.code for s in result.skipped}
    assert wrong == {"llama": SkipReason.WRONG_TASK, "clip-embed": SkipReason.WRONG_TASK}


def test_models_of_another_task_are_listed_as_wrong_task() -> None:
    result = ProviderRegistry.from_config(hybrid_config()).route("embedding")
    assert ids(result.candidates) == [
        ("ollama_local", "nomic-embed-text"),
        ("openai_cloud", "text-embedding-3-large"),
    ]
    reasons = {s.model_id: s.reason for s in result.skipped}
    assert reasons["llama3.1:70b"] == "serves chat_large, not embedding"
    assert reasons["gpt-4o"] == "serves chat_smart/vision, not embedding"
    assert {s.code for s in result.skipped} == {SkipReason.WRONG_TASK}


def test_route_refuses_a_name_that_is_not_a_model_task() -> None:
    registry = ProviderRegistry.from_config(hybrid_config())
    with pytest.raises(RegistryError, match="'chat_fast' is not a model task"):
        registry.route("chat_fast")


def test_route_result_to_dict_is_plain_json(clock: FakeClock) -> None:
    registry = ProviderRegistry.from_config(hybrid_config(), clock=clock)
    open_breaker(registry, "openai_cloud")
    data = registry.route("chat_smart", preferred_model="gpt-4o").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["candidates"] == []
    gpt4o = next(s for s in data["skipped"] if s["model_id"] == "gpt-4o")
    assert (gpt4o["provider_id"], gpt4o["code"]) == ("openai_cloud", "breaker_open")


# -- default_models ----------------------------------------------------------------------------


def test_reference_hybrid_defaults_are_routed() -> None:
    registry = ProviderRegistry.from_config(hybrid_config())
    table = {
        d.key: (d.status, d.chosen.provider_id if d.chosen else None)
        for d in registry.route_defaults()
    }
    assert table == {
        "embedding": (RouteStatus.PREFERRED, "ollama_local"),
        "chat_fast": (RouteStatus.PREFERRED, "ollama_local"),
        "chat_smart": (RouteStatus.PREFERRED, "openai_cloud"),
        "chat_vision": (RouteStatus.PREFERRED, "openai_cloud"),
    }
    chat_vision = registry.route_defaults()[3]
    assert chat_vision.chosen is not None
    assert (chat_vision.chosen.model_id, chat_vision.chosen.task) == ("gpt-4o", "vision")


def test_reference_minimal_example_leaves_vision_unset() -> None:
    registry = ProviderRegistry.from_config(reference_example("1: MINIMAL"))
    decisions = {d.key: d for d in registry.route_defaults()}
    assert decisions["chat_smart"].chosen == Candidate(
        "ollama_local",
        "llama3.1:8b",
        1,
        "preferred model, task chat_smart, priority 1",
        "chat_smart",
    )
    assert decisions["chat_vision"].status is RouteStatus.UNSET
    assert decisions["chat_vision"].reason == "no default model set"
    assert all(d.ok for d in decisions.values())


def test_reference_full_example_routes_to_four_providers() -> None:
    registry = ProviderRegistry.from_config(reference_example("3: FULL"))
    assert [p.id for p in registry.providers] == [
        "ollama_local",
        "openai_cloud",
        "anthropic_cloud",
        "openrouter",
    ]
    chosen = {
        d.key: (d.chosen.provider_id, d.chosen.model_id)
        for d in registry.route_defaults()
        if d.chosen
    }
    assert chosen == {
        "embedding": ("ollama_local", "nomic-embed-text"),
        "chat_fast": ("ollama_local", "llama3.1:8b"),
        "chat_smart": ("anthropic_cloud", "claude-3-sonnet-20240229"),
        "chat_vision": ("openai_cloud", "gpt-4o"),
    }


def test_default_falls_back_when_its_provider_breaker_is_open(clock: FakeClock) -> None:
    registry = ProviderRegistry.from_config(reference_example("3: FULL"), clock=clock)
    open_breaker(registry, "anthropic_cloud")
    decision = next(d for d in registry.route_defaults() if d.key == "chat_smart")
    assert decision.status is RouteStatus.FALLBACK
    assert decision.chosen is not None
    # gpt-4o (priority 2) is listed as chat_smart and then as vision; the bridge keeps the
    # last entry, so the fallback is OpenRouter's chat_smart model at priority 4.
    assert (decision.chosen.provider_id, decision.chosen.model_id) == (
        "openrouter",
        "anthropic/claude-3.5-sonnet",
    )
    assert decision.reason.startswith(
        "claude-3-sonnet-20240229: breaker open, next trial in 60s; "
        "using anthropic/claude-3.5-sonnet"
    )
    gpt4o = next(s for s in decision.skipped if s.model_id == "gpt-4o")
    assert gpt4o.reason == (
        "listed again as vision: the bridge keeps only the last entry of a model on a provider"
    )


def test_a_default_never_falls_back_to_another_task() -> None:
    config = {
        "llm_providers": [
            provider("local", 1, model("big", "chat_large")),
            provider("cloud", 2, model("smart", "chat_smart")),
        ],
        "default_models": {"chat_fast": "tiny", "chat_smart": "big"},
    }
    fast, smart = ProviderRegistry.from_config(config).route_defaults()
    assert fast.status is RouteStatus.UNAVAILABLE
    assert fast.reason == "no provider configures a model for chat_small"
    # The preferred model is taken whatever its task, as the bridge takes it.
    assert smart.status is RouteStatus.PREFERRED
    assert smart.chosen is not None
    assert smart.chosen.reason == "preferred model, task chat_large, priority 1"
    assert [c.model_id for c in smart.fallbacks] == ["smart"]


def test_preferred_model_on_several_providers_goes_in_config_order_not_priority() -> None:
    config = {
        "llm_providers": [
            provider("second", 2, model("m", "chat_small")),
            provider("first", 1, model("m", "chat_small"), model("other", "chat_small")),
        ]
    }
    result = ProviderRegistry.from_config(config).route("chat_small", preferred_model="m")
    assert ids(result.candidates) == [("second", "m"), ("first", "m"), ("first", "other")]


def test_vision_needs_supports_vision_even_for_a_vision_task_model() -> None:
    config = {
        "llm_providers": [
            provider("local", 1, model("llava", "vision")),
            provider("cloud", 2, model("gpt-4o", "vision", supports_vision=True)),
        ]
    }
    result = ProviderRegistry.from_config(config).route("vision", require_vision=True)
    assert ids(result.candidates) == [("cloud", "gpt-4o")]
    (skip,) = result.skipped
    assert (skip.model_id, skip.code) == ("llava", SkipReason.NO_VISION)


def test_embedding_falls_back_to_another_model_with_a_warning_as_the_bridge_does(
    clock: FakeClock,
) -> None:
    registry = ProviderRegistry.from_config(hybrid_config(), clock=clock)
    open_breaker(registry, "ollama_local")
    decision = registry.route_default("embedding", "nomic-embed-text")
    assert decision.status is RouteStatus.FALLBACK
    assert decision.chosen is not None
    assert decision.chosen.model_id == "text-embedding-3-large"
    assert decision.reason.endswith(
        "a different embedding model: its vectors do not match nomic-embed-text's)"
    )


def test_nothing_can_serve_says_what_stopped_each_candidate(clock: FakeClock) -> None:
    registry = ProviderRegistry.from_config(hybrid_config(), clock=clock)
    open_breaker(registry, "openai_cloud")
    registry.mark_model_missing("ollama_local", "nomic-embed-text")
    decision = registry.route_default("embedding", "nomic-embed-text")
    assert decision.status is RouteStatus.UNAVAILABLE
    assert not decision.ok
    assert decision.chosen is None
    assert decision.reason == (
        "ollama_local/nomic-embed-text: not listed by ollama_local; "
        "openai_cloud/text-embedding-3-large: breaker open, next trial in 60s"
    )


def test_vision_default_blocked_by_a_breaker_names_the_breaker_not_blind_models(
    clock: FakeClock,
) -> None:
    registry = ProviderRegistry.from_config(hybrid_config(), clock=clock)
    open_breaker(registry, "openai_cloud")
    decision = registry.route_default("chat_vision", "gpt-4o")
    assert decision.status is RouteStatus.UNAVAILABLE
    assert decision.reason == "openai_cloud/gpt-4o: breaker open, next trial in 60s"


def test_vision_default_naming_a_blind_model_is_used_and_says_so() -> None:
    config = {"llm_providers": [provider("local", 1, model("llama", "chat_smart"))]}
    decision = ProviderRegistry.from_config(config).route_default("chat_vision", "llama")
    # The bridge takes the preferred model without asking whether it can see: it is chosen,
    # and the decision says it cannot do the work (validate's default-model-task).
    assert decision.status is RouteStatus.MISFIT and not decision.ok
    assert decision.chosen is not None and decision.chosen.model_id == "llama"
    assert decision.reason == (
        "the bridge sends chat_vision requests to llama on local (task chat_smart), which is "
        "not a vision model (task: vision, or a chat model with supports_vision: true)"
    )


def test_vision_default_with_no_seeing_model_says_so() -> None:
    config = {"llm_providers": [provider("local", 1, model("llava", "vision"))]}
    decision = ProviderRegistry.from_config(config).route_default("chat_vision", "gone")
    assert decision.status is RouteStatus.UNAVAILABLE
    assert decision.reason == "local/llava: does not accept images"


def test_vision_default_with_no_chat_model_at_all_says_so() -> None:
    config = {"llm_providers": [provider("local", 1, model("nomic", "embedding", dimension=768))]}
    decision = ProviderRegistry.from_config(config).route_default("chat_vision", "llava")
    assert decision.reason == "no provider configures a model that accepts images"


def test_embedding_default_with_no_embedding_model_says_so() -> None:
    config = {"llm_providers": [provider("local", 1, model("llama", "chat_smart"))]}
    decision = ProviderRegistry.from_config(config).route_default("embedding", "nomic")
    assert decision.reason == "no provider configures a model for embedding"


def test_dialect_and_unknown_default_model_keys() -> None:
    registry = ProviderRegistry.from_config(hybrid_config())
    decisions = registry.route_defaults({"chat_small": "llama3.1:8b", "chat_tiny": "x"})
    assert decisions[0].key == "chat_small"
    assert decisions[0].status is RouteStatus.PREFERRED
    assert decisions[1].status is RouteStatus.UNKNOWN_KEY
    assert decisions[1].reason.startswith("not a default_models key (known: embedding, chat_fast")


def test_routing_decision_to_dict_is_plain_json(clock: FakeClock) -> None:
    registry = ProviderRegistry.from_config(hybrid_config(), clock=clock)
    open_breaker(registry, "openai_cloud")
    rows = [d.to_dict() for d in registry.route_defaults()]
    assert json.loads(json.dumps(rows)) == rows
    smart = rows[2]
    assert smart["key"] == "chat_smart"
    # No other chat_smart model: the bridge has nowhere to send it (no fallback to chat_large).
    assert smart["status"] == "unavailable"
    assert (smart["provider_id"], smart["model_id"]) == (None, None)
    assert smart["preferred_model"] == "gpt-4o"
    assert set(smart) == {
        "key",
        "preferred_model",
        "status",
        "provider_id",
        "model_id",
        "reason",
        "fallbacks",
        "skipped",
    }
