"""The checks of one provider (model list, Ollama version, Anthropic aliases, embedding
lengths), run through its circuit breaker against one deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, TypeVar

import httpx

from sekha_migrate.model.masking import is_local_url
from sekha_migrate.probe import wire
from sekha_migrate.probe.http import (
    MAX_BODY_BYTES,
    CheckFailure,
    Reply,
    Request,
    raise_for_status,
    send,
)
from sekha_migrate.probe.results import ModelCheck, ProbeStatus, ProviderProbe
from sekha_migrate.probe.targets import ModelSpec, ProviderTarget
from sekha_migrate.resilience import CircuitBreaker, CircuitOpenError

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
