"""What a probe found: one frozen record per provider and model, and the document they make."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from sekha_migrate import errors
from sekha_migrate.findings import Finding, Mark, Severity, place_findings
from sekha_migrate.probe.chroma import StoredVectors


class ProbeStatus(str, Enum):
    """How a provider (or one check against it) answered."""

    OK = "ok"
    AUTH_FAILED = "auth_failed"  # 401 or 403: reachable, but the key was refused
    UNREACHABLE = "unreachable"  # connection refused, DNS failure
    TIMEOUT = "timeout"
    ERROR = "error"  # 5xx, malformed or oversized response, redirect loop
    SKIPPED = "skipped"  # not asked: missing ${VAR}, or the breaker opened


ProbeError = errors.ProbeError  # the probe's error, defined where catching it is cheap


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
    path: str = ""  # where the entry is in the config: $.llm_providers[1]
    api_key_from: str | None = None  # `${OPENAI_API_KEY}`, "the file", or None: no key

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
            "path": self.path,
            "api_key_from": self.api_key_from,
        }


# How a provider that did not answer `ok` is reported, as a finding code.
_STATUS_CODES = {
    ProbeStatus.AUTH_FAILED: "provider-auth-failed",
    ProbeStatus.UNREACHABLE: "provider-unreachable",
    ProbeStatus.TIMEOUT: "provider-timeout",
    ProbeStatus.ERROR: "provider-error",
    ProbeStatus.SKIPPED: "provider-skipped",
}


def provider_findings(provider: ProviderProbe) -> list[Finding]:
    """What one provider's probe found wrong (errors) or worth knowing (warnings)."""
    where = provider.path or "$"
    found: list[Finding] = []
    if provider.status is not ProbeStatus.OK:
        message = f"{provider.id}: {provider.status.value}: {provider.error}"
        hint = None
        if provider.status is ProbeStatus.AUTH_FAILED:
            message, hint = _refused_key(provider, message)
        found.append(Finding(Severity.ERROR, _STATUS_CODES[provider.status], message,
                             path=where, hint=hint))
    for index, model in enumerate(provider.models):
        found.extend(_model_findings(provider, f"{where}.models[{index}]", model))
    found.extend(
        Finding(Severity.WARNING, "probe-warning", f"{provider.id}: {warning}", path=where)
        for warning in provider.warnings
    )
    return found


def _refused_key(provider: ProviderProbe, message: str) -> tuple[str, str]:
    """A refused key: where it came from and what to check, never the key itself."""
    source = provider.api_key_from
    if source is None:
        return message, (f"add api_key: ${{VAR}} to the {provider.id} entry and set VAR to "
                         f"a {provider.type} key")
    message += f" (the key from {source})"
    if source == "the file":
        return message, ("check the key written at api_key is current and meant for this "
                         f"provider ({provider.base_url}); better, write api_key: ${{VAR}} "
                         "and keep the key in the environment")
    names = " / ".join(name.strip("${}") for name in source.split())
    return message, (f"check that {names} holds a current {provider.type} key for "
                     f"{provider.base_url} (not revoked, not another provider's; no quotes "
                     "or spaces around it) in this shell or --env-file, and where the bridge "
                     "runs")


def _model_findings(provider: ProviderProbe, where: str, model: ModelCheck) -> list[Finding]:
    if model.present is False:
        hint = f"ollama pull {model.model_id}" if provider.type == "ollama" else None
        message = (
            f"{provider.id}: model {model.model_id!r} ({model.task}) is not offered by the "
            f"provider" + (f" ({hint})" if hint else "")
        )
        return [Finding(Severity.ERROR, "model-not-offered", message, path=where, hint=hint)]
    if model.dimension_mismatch:
        message = (
            f"{provider.id}: {model.model_id!r} returns {model.dimension_measured}-dimension "
            f"vectors but the config says dimension: {model.dimension_expected}"
        )
        return [Finding(Severity.ERROR, "dimension-mismatch", message, path=f"{where}.dimension")]
    if model.error is not None and provider.status is ProbeStatus.OK:
        message = f"{provider.id}: {model.model_id!r}: {model.error}"
        return [Finding(Severity.ERROR, "model-check-failed", message, path=where)]
    return []


@dataclass(frozen=True)
class ProbeResult:
    """The whole probe: the config's findings, every provider, and where each default model
    would be routed now.

    `config_findings` are validate's findings for the file (and notes on entries not probed);
    `findings` adds what the probe itself found, in one list of one shape.
    """

    providers: tuple[ProviderProbe, ...]
    routing: tuple[dict[str, Any], ...] = ()
    config_findings: tuple[Finding, ...] = ()
    source: str = ""
    readable: bool = True
    probed_at: str | None = None  # ISO 8601 UTC
    duration_secs: float | None = None
    # The vectors Chroma holds (probe.chroma), when it was asked, and what they mean.
    stored: StoredVectors | None = None
    stored_findings: tuple[Finding, ...] = ()
    # Where each document path the findings name is in the file: a finding about a provider
    # points at its entry's line and column.
    positions: Mapping[str, Mark] = field(default_factory=dict, compare=False, repr=False)

    @property
    def probe_findings(self) -> tuple[Finding, ...]:
        found = tuple(f for provider in self.providers for f in provider_findings(provider))
        return place_findings((*found, *self.stored_findings), self.positions)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding, each naming the file it is about: the probed config file."""
        found = (*place_findings(self.config_findings, self.positions), *self.probe_findings)
        return tuple(f if f.file or not self.source else replace(f, file=self.source)
                     for f in found)

    @property
    def ok(self) -> bool:
        return self.readable and not any(f.severity is Severity.ERROR for f in self.findings)

    def problems(self) -> list[str]:
        """Every reason `ok` is False, one sentence each, in the user's words."""
        return [f.message for f in self.findings if f.severity is Severity.ERROR]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "source": self.source,
            "probed_at": self.probed_at,
            "duration_secs": self.duration_secs,
            "findings": [finding.to_dict() for finding in self.findings],
            "providers": [provider.to_dict() for provider in self.providers],
            "routing": list(self.routing),
            "chroma": self.stored.to_dict() if self.stored is not None else None,
        }
