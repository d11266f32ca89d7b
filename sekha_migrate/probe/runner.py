"""Probe every provider of a config at once, each through its own circuit breaker.

Each provider gets its `timeout` for all of its checks together (a deadline), so a
provider that hangs costs its timeout and no more, and the whole probe takes as
long as the slowest provider, not the sum of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, TypeVar

import httpx

from sekha_migrate.findings import Finding, Severity
from sekha_migrate.model.masking import is_local_url, mask_secret
from sekha_migrate.probe import wire
from sekha_migrate.probe.http import (
    MAX_BODY_BYTES,
    CheckFailure,
    Reply,
    Request,
    raise_for_status,
    send,
)
from sekha_migrate.probe.results import (
    ModelCheck,
    ProbeError,
    ProbeResult,
    ProbeStatus,
    ProviderProbe,
)
from sekha_migrate.probe.routing import routing_rows
from sekha_migrate.probe.targets import (
    ModelSpec,
    ProviderTarget,
    build_targets,
    scrub,
    secrets_of,
)
from sekha_migrate.registry import ProviderRegistry, RegistryError
from sekha_migrate.resilience import CircuitBreaker, CircuitOpenError, iso_utc, utc_now

T = TypeVar("T")
MAX_LISTING_PAGES = 20


@dataclass(frozen=True)
class _Listing:
    names: frozenset[str]
    latency_ms: float
    warnings: tuple[str, ...]


@dataclass
class _Checks:
    """The checks of one provider, run through its breaker against one deadline."""

    client: httpx.AsyncClient
    target: ProviderTarget
    breaker: CircuitBreaker
    deadline: float
    max_bytes: int
    failures: list[tuple[str, CheckFailure]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def _remaining(self) -> float:
        return self.deadline - asyncio.get_running_loop().time()

    async def _send_raw(self, request: Request) -> Reply:
        return await send(
            self.client,
            request,
            timeout=self._remaining(),
            max_bytes=self.max_bytes,
            budget=self.target.timeout,
        )

    async def _send(self, request: Request) -> tuple[Reply, Any]:
        reply = await self._send_raw(request)
        raise_for_status(reply)
        return reply, reply.json()

    async def guarded(self, name: str, check: Callable[[], Awaitable[T]]) -> T | None:
        """Run `check` through the breaker; None when it failed or the breaker was open."""
        try:
            return await self.breaker.call(check)
        except CircuitOpenError:
            self.skipped.append(name)
        except CheckFailure as failure:
            self.failures.append((name, failure))
        return None

    async def listing(self) -> _Listing:
        target = self.target
        names: set[str] = set()
        latency = 0.0
        warnings: list[str] = []
        after: str | None = None
        for _page in range(MAX_LISTING_PAGES):
            request = wire.listing_request(target.type, target.base_url, target.api_key, after)
            reply, payload = await self._send(request)
            latency += reply.elapsed_ms
            names.update(wire.parse_listing(target.type, payload))
            if reply.credentials_withheld_from:
                warnings.append(
                    f"redirected to {reply.credentials_withheld_from}: the API key was not "
                    "sent to that other host"
                )
            after = wire.next_page(target.type, payload)
            if after is None:
                break
        return _Listing(frozenset(names), round(latency, 1), tuple(dict.fromkeys(warnings)))

    async def alias_exists(self, model_id: str) -> bool:
        """Anthropic lists dated ids only; an alias like claude-3-5-sonnet-latest is looked up."""
        request = wire.model_request(self.target.base_url, model_id, self.target.api_key)
        reply = await self._send_raw(request)
        if reply.status_code == 404:
            return False
        raise_for_status(reply)
        return True

    async def version(self) -> str:
        _reply, payload = await self._send(
            wire.version_request(self.target.base_url, self.target.api_key)
        )
        version = payload.get("version") if isinstance(payload, dict) else None
        if not isinstance(version, str):
            raise CheckFailure(ProbeStatus.ERROR, "unexpected answer: no 'version' string")
        return version

    async def embedding_length(self, model_id: str) -> int:
        request = wire.embed_request(
            self.target.type, self.target.base_url, model_id, self.target.api_key
        )
        _reply, payload = await self._send(request)
        return wire.parse_embedding_length(self.target.type, payload)


def _skipped(target: ProviderTarget, breaker: CircuitBreaker, reason: str) -> ProviderProbe:
    return ProviderProbe(
        id=target.id,
        type=target.type,
        base_url=target.display_url,
        status=ProbeStatus.SKIPPED,
        latency_ms=None,
        error=reason,
        breaker=breaker.get_stats(),
        models=tuple(ModelCheck(m.model_id, m.task, None, m.dimension) for m in target.models),
    )


def key_exposure_warnings(target: ProviderTarget) -> list[str]:
    """A key sent unencrypted beyond this machine or network can be read on the way."""
    if target.api_key and target.base_url.startswith("http://") and not is_local_url(
        target.base_url
    ):
        return [
            f"the API key is sent over plain http to {target.display_url}; "
            "use https for a provider outside this machine or network"
        ]
    return []


def _model_checks(
    target: ProviderTarget,
    listing: _Listing | None,
    lengths: Mapping[str, int | None],
    embed_errors: Mapping[str, str],
) -> tuple[ModelCheck, ...]:
    checks = []
    for spec in target.models:
        present = (
            None if listing is None else wire.is_listed(target.type, spec.model_id, listing.names)
        )
        measured = lengths.get(spec.model_id)
        error = embed_errors.get(spec.model_id)
        if measured is not None and spec.dimension is not None and measured != spec.dimension:
            error = f"measured {measured} dimensions, the config says {spec.dimension}"
        checks.append(
            ModelCheck(spec.model_id, spec.task, present, spec.dimension, measured, error)
        )
    return tuple(checks)


def _summary_error(checks: _Checks) -> tuple[ProbeStatus, str | None]:
    if not checks.failures:
        if checks.skipped:
            return ProbeStatus.SKIPPED, "skipped: the circuit breaker is open"
        return ProbeStatus.OK, None
    name, first = checks.failures[0]
    message = f"{name}: {first.message}"
    if len(checks.failures) > 1:
        message += f" (and {len(checks.failures) - 1} more failed checks)"
    if checks.skipped:
        message += "; circuit breaker open, not tried: " + ", ".join(checks.skipped)
    return first.status, message


async def probe_provider(
    client: httpx.AsyncClient,
    target: ProviderTarget,
    breaker: CircuitBreaker,
    *,
    embed: bool = False,
    max_bytes: int = MAX_BODY_BYTES,
) -> ProviderProbe:
    """Every check of one provider; never raises for anything the provider does."""
    if target.missing_variables:
        names = ", ".join(target.missing_variables)
        verb = "is" if len(target.missing_variables) == 1 else "are"
        reason = f"{names} {verb} not set; set it in the environment or pass --env-file"
        return _skipped(target, breaker, reason)
    if target.literal_fields:
        fields = ", ".join(target.literal_fields)
        reason = (f"not probed: the LLM bridge takes the ${{VAR}} in {fields} literally (it "
                  "expands only an api_key written as exactly ${VAR}); write the value itself")
        return _skipped(target, breaker, reason)
    if target.type not in wire.PROVIDER_TYPES:
        return _skipped(target, breaker, f"not probed: unknown provider type {target.type!r}")

    loop = asyncio.get_running_loop()
    checks = _Checks(client, target, breaker, loop.time() + target.timeout, max_bytes)
    warnings = key_exposure_warnings(target)
    listing, version = await _list_models(checks, target, warnings)
    measured = await _measure_embeddings(checks, target, listing) if embed else _Measured()
    status, error = _summary_error(checks)
    if status is ProbeStatus.AUTH_FAILED and not target.api_key:
        error = f"{error} (no api_key is configured for this provider)"
    return ProviderProbe(
        id=target.id,
        type=target.type,
        base_url=target.display_url,
        status=status,
        latency_ms=listing.latency_ms if listing is not None else None,
        error=error,
        breaker=breaker.get_stats(),
        models=_model_checks(target, listing, measured.lengths, measured.errors),
        warnings=tuple(warnings),
        version=version,
        skipped_checks=tuple(checks.skipped),
        api_key_from=target.api_key_from,
    )


async def _list_models(
    checks: _Checks, target: ProviderTarget, warnings: list[str]
) -> tuple[_Listing | None, str | None]:
    """The provider's model list (and Ollama's version); adds what it warns about."""
    version: str | None = None
    if target.type == "ollama":
        listing, version = await asyncio.gather(
            checks.guarded("list models", checks.listing),
            checks.guarded("version", checks.version),
        )
        # The version is a courtesy: its failure alone does not fail the provider.
        for name, failure in [item for item in checks.failures if item[0] == "version"]:
            checks.failures.remove((name, failure))
            if listing is not None:
                warnings.append(f"could not read the Ollama version: {failure.message}")
    else:
        listing = await checks.guarded("list models", checks.listing)
    if listing is not None:
        warnings.extend(listing.warnings)
        if target.type == "anthropic":
            listing = await _with_aliases(checks, listing)
    return listing, version


@dataclass
class _Measured:
    """Vector lengths measured per embedding model, and why a measurement failed."""

    lengths: dict[str, int | None] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


async def _measure_embeddings(
    checks: _Checks, target: ProviderTarget, listing: _Listing | None
) -> _Measured:
    measured = _Measured()
    for spec in _embedding_models(target, listing):
        if target.type not in wire.EMBEDDING_TYPES:
            measured.errors[spec.model_id] = f"{target.type} has no embeddings API to measure"
            continue
        failures_before = len(checks.failures)
        measured.lengths[spec.model_id] = await checks.guarded(
            f"embed {spec.model_id}",
            partial(checks.embedding_length, spec.model_id),
        )
        if len(checks.failures) > failures_before:
            measured.errors[spec.model_id] = checks.failures[-1][1].message
    return measured


async def _with_aliases(checks: _Checks, listing: _Listing) -> _Listing:
    """The listing plus each configured id Anthropic resolves although it does not list it."""
    unlisted = [
        model_id
        for model_id in dict.fromkeys(spec.model_id for spec in checks.target.models)
        if model_id not in listing.names
    ]
    found = []
    for model_id in unlisted:
        exists = await checks.guarded(
            f"look up {model_id}", partial(checks.alias_exists, model_id)
        )
        if exists:
            found.append(model_id)
    return replace(listing, names=listing.names | frozenset(found))


def _embedding_models(target: ProviderTarget, listing: _Listing | None) -> list[ModelSpec]:
    """Each listed embedding model once (a model may appear under several tasks)."""
    if listing is None:
        return []
    chosen: dict[str, ModelSpec] = {}
    for spec in target.models:
        if spec.task == "embedding" and wire.is_listed(target.type, spec.model_id, listing.names):
            chosen.setdefault(spec.model_id, spec)
    return list(chosen.values())


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
