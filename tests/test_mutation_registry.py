"""Routing promises the registry's mutation run found unpinned, each by an exact value.

Breakers run on an injected monotonic clock; nothing sleeps.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_registry import FakeClock, model, provider

from sekha_migrate.registry import (
    ProviderRegistry,
    RegistryError,
    RouteStatus,
    Skipped,
    SkipReason,
)
from sekha_migrate.resilience import CircuitState


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def registry_of(*providers: dict[str, Any], clock: FakeClock | None = None) -> ProviderRegistry:
    config = {"llm_providers": list(providers)}
    if clock is None:
        return ProviderRegistry.from_config(config)
    return ProviderRegistry.from_config(config, clock=clock)


def open_breaker(registry: ProviderRegistry, provider_id: str) -> None:
    breaker = registry.breaker(provider_id)
    for _ in range(breaker.failure_threshold):
        breaker.record_failure(ConnectionRefusedError("connection refused"))
    assert breaker.is_open()


# -- the JSON forms ----------------------------------------------------------------------------


def test_a_route_result_as_json_gives_every_field_of_candidates_and_skips() -> None:
    registry = registry_of(
        provider("local", 2, model("llama", "chat_smart"), model("nomic", "embedding"))
    )
    data = registry.route("chat_smart", preferred_model="llama").to_dict()
    assert data == {
        "tasks": ["chat_smart"],
        "require_vision": False,
        "preferred_model": "llama",
        "candidates": [
            {
                "provider_id": "local",
                "model_id": "llama",
                "priority": 2,
                "task": "chat_smart",
                "reason": "preferred model, task chat_smart, priority 2",
            }
        ],
        "skipped": [
            {
                "provider_id": "local",
                "model_id": "nomic",
                "code": "wrong_task",
                "reason": "serves embedding, not chat_smart",
            }
        ],
    }


def test_a_routing_decision_as_json_names_the_chosen_model_and_the_fallbacks() -> None:
    registry = registry_of(
        provider("local", 1, model("llama", "chat_smart")),
        provider("cloud", 2, model("gpt", "chat_smart")),
    )
    data = registry.route_default("chat_smart", "llama").to_dict()
    assert data == {
        "key": "chat_smart",
        "preferred_model": "llama",
        "status": "preferred",
        "provider_id": "local",
        "model_id": "llama",
        "reason": "preferred model, task chat_smart, priority 1",
        "fallbacks": [
            {
                "provider_id": "cloud",
                "model_id": "gpt",
                "priority": 2,
                "task": "chat_smart",
                "reason": "task chat_smart, priority 2",
            }
        ],
        "skipped": [],
    }


# -- the reasons given -------------------------------------------------------------------------


def test_a_half_open_provider_is_offered_with_the_trial_call_in_its_reason(
    clock: FakeClock,
) -> None:
    registry = registry_of(provider("local", 1, model("llama", "chat_smart")), clock=clock)
    open_breaker(registry, "local")
    clock.now += 60  # the default timeout_secs
    assert registry.breaker("local").get_state() is CircuitState.HALF_OPEN
    (candidate,) = registry.route("chat_smart").candidates
    assert candidate.reason == "task chat_smart, priority 1, breaker half-open: trial call"


def test_a_model_that_sees_is_offered_for_images_without_a_warning() -> None:
    registry = registry_of(provider("local", 1, model("llava", "vision", supports_vision=True)))
    (candidate,) = registry.route("vision", require_vision=True).candidates
    assert candidate.reason == "task vision, priority 1"


def test_a_preferred_blind_model_is_offered_for_images_with_a_warning() -> None:
    registry = registry_of(provider("local", 1, model("llama", "chat_smart")))
    result = registry.route("vision", require_vision=True, preferred_model="llama")
    (candidate,) = result.candidates
    assert candidate.reason == (
        "preferred model, task chat_smart, priority 1, does not accept images"
    )


def test_the_preferred_embedding_model_carries_no_warning_its_fallbacks_do() -> None:
    registry = registry_of(
        provider("local", 1, model("nomic", "embedding", dimension=768)),
        provider("cloud", 2, model("te3", "embedding", dimension=3072)),
    )
    decision = registry.route_default("embedding", "nomic")
    assert decision.status is RouteStatus.PREFERRED
    assert decision.reason == "preferred model, task embedding, priority 1"
    assert [c.reason for c in decision.fallbacks] == [
        "task embedding, priority 2; a different embedding model: its vectors do not match "
        "nomic's"
    ]


def test_a_fallback_gives_each_distinct_reason_the_preferred_model_was_passed_over(
    clock: FakeClock,
) -> None:
    registry = registry_of(
        provider("a", 1, model("gpt", "chat_smart")),
        provider("b", 2, model("gpt", "chat_smart")),
        provider("c", 3, model("gpt", "chat_smart")),
        provider("d", 4, model("other", "chat_smart")),
        clock=clock,
    )
    registry.mark_model_missing("a", "gpt")
    open_breaker(registry, "b")
    open_breaker(registry, "c")  # the same reason as b's: given once
    decision = registry.route_default("chat_smart", "gpt")
    assert decision.status is RouteStatus.FALLBACK
    assert decision.reason == (
        "gpt: not listed by a; breaker open, next trial in 60s; "
        "using other (task chat_smart, priority 4)"
    )


def test_a_model_listed_three_times_is_judged_by_its_last_entry() -> None:
    registry = registry_of(
        provider(
            "cloud",
            1,
            model("gpt-4o", "chat_smart"),
            model("gpt-4o", "chat_small"),
            model("gpt-4o", "vision", supports_vision=True),
        )
    )
    (skip,) = registry.route("chat_smart").skipped
    assert skip.reason == (
        "listed again as vision: the bridge keeps only the last entry of a model on a provider"
    )


def test_nothing_available_keeps_what_was_skipped_and_why(clock: FakeClock) -> None:
    registry = registry_of(provider("local", 1, model("nomic", "embedding")), clock=clock)
    open_breaker(registry, "local")
    decision = registry.route_default("embedding", "nomic")
    assert decision.status is RouteStatus.UNAVAILABLE
    assert decision.skipped == (
        Skipped("local", "nomic", SkipReason.BREAKER_OPEN, "breaker open, next trial in 60s"),
    )


# -- order -------------------------------------------------------------------------------------


def test_two_models_of_one_provider_are_offered_in_config_order() -> None:
    registry = registry_of(
        provider("local", 1, model("llama-b", "chat_smart"), model("llama-a", "chat_smart"))
    )
    candidates = registry.route("chat_smart").candidates
    assert [c.model_id for c in candidates] == ["llama-b", "llama-a"]


# -- refusals and unknown names ----------------------------------------------------------------


def test_a_configuration_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(RegistryError) as caught:
        ProviderRegistry.from_config(["llm_providers"])  # type: ignore[arg-type]
    assert str(caught.value) == "the configuration must be a mapping of keys"


def test_a_document_with_both_registries_is_read_as_the_docker_schema() -> None:
    # detect_dialect gives no dialect for such a document (validate reports it); the registry
    # then reads it as the docker schema, `llm_providers`.
    config = {
        "llm_providers": [provider("docker_side", 1, model("llama", "chat_smart"))],
        "providers": [provider("bridge_side", 1, model("llama", "chat_smart"))],
    }
    registry = ProviderRegistry.from_config(config)
    assert [entry.id for entry in registry.providers] == ["docker_side"]


def test_an_unknown_task_is_refused_with_the_known_ones() -> None:
    registry = registry_of(provider("local", 1, model("llama", "chat_smart")))
    with pytest.raises(RegistryError) as caught:
        registry.route("chat_fast")
    assert str(caught.value) == (
        "'chat_fast' is not a model task (known: embedding, chat_small, chat_large, "
        "chat_smart, vision, audio, image_generation)"
    )


def test_an_unknown_default_models_key_keeps_its_name_and_model() -> None:
    registry = registry_of(provider("local", 1, model("llama", "chat_smart")))
    decision = registry.route_default("chat_tiny", " llama ")
    assert decision.key == "chat_tiny"
    assert decision.preferred_model == "llama"
    assert decision.status is RouteStatus.UNKNOWN_KEY
    assert decision.reason == (
        "not a default_models key (known: embedding, chat_fast, chat_smart, chat_vision)"
    )
