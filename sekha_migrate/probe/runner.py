"""Probe every provider of a config at once, each through its own circuit breaker.

Each provider gets its `timeout` for all of its checks together (a deadline), so a
provider that hangs costs its timeout and no more, and the whole probe takes as
long as the slowest provider, not the sum of them. The checks of one provider are in
probe.provider.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import httpx

from sekha_migrate.findings import Finding, Severity
from sekha_migrate.model.masking import mask_secret
from sekha_migrate.probe import wire
from sekha_migrate.probe.http import MAX_BODY_BYTES, CheckFailure, raise_for_status, send
from sekha_migrate.probe.provider import probe_provider
from sekha_migrate.probe.results import ProbeError, ProbeResult, ProbeStatus, ProviderProbe
from sekha_migrate.probe.routing import routing_rows
from sekha_migrate.probe.targets import ProviderTarget, build_targets, scrub, secrets_of
from sekha_migrate.registry import ProviderRegistry, RegistryError
from sekha_migrate.resilience import CircuitBreaker, iso_utc, utc_now


def _scrubbed(probe: ProviderProbe, secrets: Mapping[str, str]) -> ProviderProbe:
    """The probe with every API key (and URL credential) masked in its free-text fields."""
    return replace(
        probe,
        base_url=scrub(probe.base_url, secrets),
        version=scrub(probe.version, secrets) if probe.version else probe.version,
        error=scrub(probe.error, secrets) if probe.error else None,
        warnings=tuple(scrub(w, secrets) for w in probe.warnings),
        models=tuple(
            replace(m, error=scrub(m.error, secrets) if m.error else None) for m in probe.models
        ),
        breaker={
            key: scrub(value, secrets) if isinstance(value, str) else value
            for key, value in probe.breaker.items()
        },
    )


@dataclass(frozen=True)
class ProbeProgress:
    """Told to `on_progress` at the start and as each provider finishes (never secrets)."""

    finished: tuple[str, ProbeStatus] | None  # (provider id, status); None at the start
    pending: tuple[tuple[str, float], ...]  # (provider id, its timeout in seconds)


async def probe_config_async(
    data: Mapping[str, Any],
    *,
    env: Mapping[str, str],
    embed: bool = False,
    timeout: float | None = None,
    max_bytes: int = MAX_BODY_BYTES,
    findings: Sequence[Finding] = (),
    source: str = "",
    on_progress: Callable[[ProbeProgress], None] | None = None,
) -> ProbeResult:
    """Probe every well-formed provider entry of a v2 document concurrently.

    `findings` are validate's findings for the document: they travel with the result, and a
    provider entry they report an error in is not probed (a semantic error elsewhere does not
    stop the others). Never raises for anything in the document or any provider's answer.
    """
    started_at, started = iso_utc(utc_now()), time.monotonic()
    notes: list[Finding] = []
    probes: list[ProviderProbe] = []
    routing: tuple[dict[str, Any], ...] = ()
    if isinstance(data, Mapping):
        key = registry_key(data)
        entries, notes = _well_formed_entries(data, findings, key)
        registry, registry_notes = _registry_for(data, [entry for _, entry in entries], key)
        notes += registry_notes
        probes = await _probe_entries(
            entries, registry, env, _Probing(embed, timeout, max_bytes, on_progress), key
        )
        if registry is not None:
            routing = routing_rows(registry, data, probes)
    return ProbeResult(
        providers=tuple(probes),
        routing=routing,
        config_findings=(*findings, *notes),
        source=source,
        probed_at=started_at,
        duration_secs=round(time.monotonic() - started, 3),
    )


@dataclass(frozen=True)
class _Probing:
    """How each provider is probed, and who hears as each one finishes."""

    embed: bool
    timeout: float | None
    max_bytes: int
    on_progress: Callable[[ProbeProgress], None] | None


async def _probe_entries(
    entries: Sequence[tuple[int, Mapping[str, Any]]],
    registry: ProviderRegistry | None,
    env: Mapping[str, str],
    how: _Probing,
    key: str,
) -> list[ProviderProbe]:
    targets = build_targets({key: [entry for _, entry in entries]}, env, how.timeout)
    pending = {target.id: target.timeout for target in targets}
    tell = how.on_progress or (lambda _: None)

    async def tracked(client: httpx.AsyncClient, target: ProviderTarget) -> ProviderProbe:
        breaker = _breaker_for(registry, target.id)
        probe = await probe_provider(
            client, target, breaker, embed=how.embed, max_bytes=how.max_bytes
        )
        pending.pop(target.id, None)
        tell(ProbeProgress((probe.id, probe.status), tuple(pending.items())))
        return probe

    tell(ProbeProgress(None, tuple(pending.items())))
    async with httpx.AsyncClient(follow_redirects=False) as client:
        probes = await asyncio.gather(*(tracked(client, target) for target in targets))
    secrets = secrets_of(targets)
    return [
        replace(_scrubbed(probe, secrets), path=f"$.{key}[{index}]")
        for (index, _entry), probe in zip(entries, probes, strict=True)
    ]


def registry_key(data: Mapping[str, Any]) -> str:
    """Where the document keeps its providers: `providers` in the bridge's dialect."""
    from sekha_migrate.dialects import detect_dialect

    return "providers" if detect_dialect(dict(data)) == "bridge" else "llm_providers"


def _well_formed_entries(
    data: Mapping[str, Any], findings: Sequence[Finding], key: str
) -> tuple[list[tuple[int, Mapping[str, Any]]], list[Finding]]:
    """Provider entries (with their index) that have no error of their own, and a note for
    each entry left out because it has one."""
    providers = data.get(key)
    if not isinstance(providers, list):
        return [], []
    broken = [f.path for f in findings if f.severity is Severity.ERROR]
    kept: list[tuple[int, Mapping[str, Any]]] = []
    notes: list[Finding] = []
    for index, entry in enumerate(providers):
        where = f"$.{key}[{index}]"
        if not isinstance(entry, dict):
            continue  # validate has said what is wrong with it
        if any(path == where or path.startswith((f"{where}.", f"{where}[")) for path in broken):
            name = entry.get("id") if isinstance(entry.get("id"), str) else where
            message = f"{name}: not probed, because this provider entry has errors"
            hint = "fix the errors reported for this entry, then probe again"
            notes.append(
                Finding(Severity.INFO, "provider-not-probed", message, path=where, hint=hint)
            )
            continue
        kept.append((index, entry))
    return kept, notes


def _registry_for(
    data: Mapping[str, Any], entries: list[Mapping[str, Any]], key: str
) -> tuple[ProviderRegistry | None, list[Finding]]:
    """The registry of the entries to probe; with default breakers if the configured
    settings are unusable (validate reports them), None when there is nothing to route."""
    if not entries:
        return None, []
    kept = {**data, key: entries}
    try:
        return ProviderRegistry.from_config(kept), []
    except RegistryError as exc:
        reason = str(exc)
    try:
        registry = ProviderRegistry.from_config({**kept, "routing": {}})
        message = f"probed with the default circuit breaker settings: {reason}"
        return registry, [Finding(Severity.INFO, "default-breaker-used", message, path="$.routing")]
    except RegistryError:
        message = f"default_models routing was not worked out: {reason}"
        return None, [Finding(Severity.INFO, "routing-not-computed", message)]


def _breaker_for(registry: ProviderRegistry | None, provider_id: str) -> CircuitBreaker:
    if registry is not None:
        with contextlib.suppress(RegistryError):  # not routed: probed with a default breaker
            return registry.breaker(provider_id)
    return CircuitBreaker(name=provider_id)


def probe_config(
    data: Mapping[str, Any],
    *,
    env: Mapping[str, str],
    embed: bool = False,
    timeout: float | None = None,
    max_bytes: int = MAX_BODY_BYTES,
    findings: Sequence[Finding] = (),
    source: str = "",
    on_progress: Callable[[ProbeProgress], None] | None = None,
) -> ProbeResult:
    """Blocking form of `probe_config_async`."""
    return asyncio.run(
        probe_config_async(
            data,
            env=env,
            embed=embed,
            timeout=timeout,
            max_bytes=max_bytes,
            findings=findings,
            source=source,
            on_progress=on_progress,
        )
    )


async def measure_embedding_dimension_async(
    provider_type: str,
    base_url: str,
    model_id: str,
    *,
    api_key: str | None = None,
    timeout: float = 30.0,
) -> int:
    """The length of the vectors `model_id` returns; ProbeError if it cannot be measured."""
    secrets = {api_key: mask_secret(api_key)} if api_key else {}
    if provider_type not in wire.EMBEDDING_TYPES:
        raise ProbeError(f"{provider_type} providers have no embeddings API to measure")
    try:
        request = wire.embed_request(provider_type, base_url, model_id, api_key)
        async with httpx.AsyncClient(follow_redirects=False) as client:
            reply = await send(client, request, timeout=timeout)
            raise_for_status(reply)
            return wire.parse_embedding_length(provider_type, reply.json())
    except CheckFailure as failure:
        message = f"cannot measure the dimension of {model_id!r}: {failure.message}"
        raise ProbeError(scrub(message, secrets)) from None


def measure_embedding_dimension(
    provider_type: str,
    base_url: str,
    model_id: str,
    *,
    api_key: str | None = None,
    timeout: float = 30.0,
) -> int:
    """Blocking form of `measure_embedding_dimension_async` (used by `sekha migrate --probe`)."""
    return asyncio.run(
        measure_embedding_dimension_async(
            provider_type, base_url, model_id, api_key=api_key, timeout=timeout
        )
    )
