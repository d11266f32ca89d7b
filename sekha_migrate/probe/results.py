"""What a probe found: one frozen record per provider and model, and the document they make."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


class ProbeStatus(str, Enum):
    """How a provider (or one check against it) answered."""

    OK = "ok"
    AUTH_FAILED = "auth_failed"  # 401 or 403: reachable, but the key was refused
    UNREACHABLE = "unreachable"  # connection refused, DNS failure
    TIMEOUT = "timeout"
    ERROR = "error"  # 5xx, malformed or oversized response, redirect loop
    SKIPPED = "skipped"  # not asked: missing ${VAR}, or the breaker opened


class ProbeError(Exception):
    """A probe could not produce an answer; the message says what to do about it."""


@dataclass(frozen=True)
class ModelCheck:
    """One configured model as the provider reported it.

    `present` is None when the provider's listing could not be read, and
    `dimension_measured` is None unless an embedding request was made and answered.
    """

    model_id: str
    task: str
    present: bool | None
    dimension_expected: int | None = None
    dimension_measured: int | None = None
    error: str | None = None

    @property
    def dimension_mismatch(self) -> bool:
        return (
            self.dimension_expected is not None
            and self.dimension_measured is not None
            and self.dimension_expected != self.dimension_measured
        )

    @property
    def ok(self) -> bool:
        return self.present is True and self.error is None and not self.dimension_mismatch

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "task": self.task,
            "present": self.present,
            "dimension_expected": self.dimension_expected,
            "dimension_measured": self.dimension_measured,
            "error": self.error,
        }


@dataclass(frozen=True)
class ProviderProbe:
    """Everything learnt about one provider. `error` is None exactly when status is ok."""

    id: str
    type: str
    base_url: str
    status: ProbeStatus
    latency_ms: float | None
    error: str | None
    breaker: dict[str, Any]
    models: tuple[ModelCheck, ...] = ()
    warnings: tuple[str, ...] = ()
    version: str | None = None
    skipped_checks: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status is ProbeStatus.OK and all(model.ok for model in self.models)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "base_url": self.base_url,
            "status": self.status.value,
            "latency_ms": self.latency_ms,
            "error": self.error,
            "breaker": self.breaker,
            "models": [model.to_dict() for model in self.models],
            "warnings": list(self.warnings),
            "version": self.version,
            "skipped_checks": list(self.skipped_checks),
        }


@dataclass(frozen=True)
class ProbeResult:
    """The whole probe: every provider, and where each default model would be routed now."""

    providers: tuple[ProviderProbe, ...]
    routing: tuple[dict[str, Any], ...] = ()

    @property
    def ok(self) -> bool:
        return all(provider.ok for provider in self.providers)

    def problems(self) -> list[str]:
        """Every reason `ok` is False, one sentence each, in the user's words."""
        found: list[str] = []
        for provider in self.providers:
            if provider.status is not ProbeStatus.OK:
                found.append(f"{provider.id}: {provider.status.value}: {provider.error}")
            for model in provider.models:
                if model.present is False:
                    hint = f" (ollama pull {model.model_id})" if provider.type == "ollama" else ""
                    found.append(
                        f"{provider.id}: model {model.model_id!r} ({model.task}) is not "
                        f"offered by the provider{hint}"
                    )
                elif model.dimension_mismatch:
                    found.append(
                        f"{provider.id}: {model.model_id!r} returns "
                        f"{model.dimension_measured}-dimension vectors but the config says "
                        f"dimension: {model.dimension_expected}"
                    )
                elif model.error is not None and provider.status is ProbeStatus.OK:
                    found.append(f"{provider.id}: {model.model_id!r}: {model.error}")
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "providers": [provider.to_dict() for provider in self.providers],
            "routing": list(self.routing),
            "problems": self.problems(),
        }
