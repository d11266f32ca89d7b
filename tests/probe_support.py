"""Building v2 configs around the fake provider servers, for the probe tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sekha_migrate.probe.results import ProbeResult, ProviderProbe


def model(model_id: str, task: str = "chat_small", dimension: int | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"model_id": model_id, "task": task, "context_window": 8192}
    if dimension is not None:
        entry["dimension"] = dimension
    return entry


def provider(
    provider_id: str,
    provider_type: str,
    base_url: str,
    models: list[dict[str, Any]] | None = None,
    *,
    priority: int = 1,
    timeout: int = 5,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": provider_id,
        "type": provider_type,
        "base_url": base_url,
        "priority": priority,
        "timeout": timeout,
        "models": models or [],
        **extra,
    }


def config(
    *providers: dict[str, Any],
    default_models: dict[str, Any] | None = None,
    breaker: dict[str, Any] | None = None,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "version": "2.0",
        "llm_providers": list(providers),
        "default_models": default_models or {},
    }
    if breaker is not None:
        document["routing"] = {"circuit_breaker": breaker}
    return document


def write_config(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def only(result: ProbeResult) -> ProviderProbe:
    """The one provider of a single-provider probe result."""
    (probe,) = result.providers
    return probe
