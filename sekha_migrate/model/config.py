"""The typed model of a Sekha configuration: what every dialect reads into and writes from.

A field left `None` was not written by the source; each consumer then applies its own
default (see `facts`), and a writer fills in only what its consumer requires. Values
that are placeholders (`${VAR}`) are kept as written. Keys no consumer knows stay in
`extra`, so that a conversion can name them instead of dropping them silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sekha_migrate.findings import DataPath, Finding
from sekha_migrate.model import facts


@dataclass(frozen=True)
class ModelSpec:
    """One model a provider offers for one task."""

    model_id: str
    task: str
    context_window: int | None = None
    dimension: int | None = None
    supports_vision: bool | None = None
    supports_audio: bool | None = None
    supports_function_calling: bool | None = None
    vision_capabilities: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    source_path: DataPath = ()  # where the reader found it, for marks and comments

    @property
    def can_see(self) -> bool:
        return facts.can_see(self.task, self.supports_vision)

    def serves(self, role: str) -> bool:
        """Whether this model can be the default model for `role` (embedding, chat_fast...)."""
        return facts.serves_role(role, self.task, self.supports_vision)


@dataclass(frozen=True)
class Provider:
    """One LLM provider entry of the registry."""

    id: str
    type: str
    base_url: str
    api_key: str | None = None
    priority: int | None = None
    timeout: int | float | None = None  # seconds
    models: tuple[ModelSpec, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    source_path: DataPath = ()

    @property
    def effective_priority(self) -> int:
        return self.priority if self.priority is not None else facts.DEFAULT_PRIORITY

    @property
    def effective_timeout(self) -> float:
        return float(self.timeout if self.timeout is not None else facts.DEFAULT_PROVIDER_TIMEOUT)


@dataclass(frozen=True)
class BreakerSettings:
    failure_threshold: int | None = None
    timeout_secs: int | None = None
    success_threshold: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def as_mapping(self) -> dict[str, Any]:
        """The settings that were written (for `CircuitBreaker.from_config`)."""
        written = {
            "failure_threshold": self.failure_threshold,
            "timeout_secs": self.timeout_secs,
            "success_threshold": self.success_threshold,
        }
        return {key: value for key, value in written.items() if value is not None}


# `max_cost_per_request: null` (no limit) differs from not writing the key at all.
UNSET: Any = type("Unset", (), {"__repr__": lambda self: "UNSET", "__bool__": lambda self: False})()


@dataclass(frozen=True)
class Routing:
    auto_fallback: bool | None = None
    require_vision_for_images: bool | None = None
    max_cost_per_request: Any = UNSET  # a number, None (no limit) or UNSET
    circuit_breaker: BreakerSettings | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SekhaConfig:
    """A Sekha v2 configuration, whichever component's spelling it was read from.

    `controller` holds the controller's own top-level settings (server_host, database_url,
    access keys ...), `bridge` the bridge's own (its server_host/server_port, Celery URLs):
    the two components both call their port `server_port`, and they are not the same port.
    """

    providers: tuple[Provider, ...] = ()
    default_models: Mapping[str, Any] = field(default_factory=dict)
    routing: Routing | None = None
    version: str | None = None
    controller: Mapping[str, Any] = field(default_factory=dict)
    bridge: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)
    dialect: str | None = None  # the dialect it was read from
    findings: tuple[Finding, ...] = ()  # what validating the source found (load_config)
    path: str | None = None  # the file it was read from

    @property
    def valid(self) -> bool:
        return not any(f.severity.value == "error" for f in self.findings)

    def provider(self, provider_id: str) -> Provider | None:
        return next((p for p in self.providers if p.id == provider_id), None)

    def models_by_id(self) -> dict[str, list[ModelSpec]]:
        """Every entry of each model_id across providers (a model may be listed per task)."""
        offered: dict[str, list[ModelSpec]] = {}
        for provider in self.providers:
            for model in provider.models:
                offered.setdefault(model.model_id, []).append(model)
        return offered

    @property
    def breaker(self) -> BreakerSettings:
        routing = self.routing or Routing()
        return routing.circuit_breaker or BreakerSettings()
