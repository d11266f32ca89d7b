"""Which provider would serve a task right now.

Built from a validated v2 configuration: one entry per provider, each with its own circuit
breaker configured from `routing.circuit_breaker`. `route` orders the candidates as
sekha-llm-bridge's `ModelRegistry.route_with_fallback` does, and says why every other model
was passed over:

1. the preferred model, on every provider that lists it, in config order, whatever its task;
2. then every model of exactly the task asked for (with `supports_vision: true` when images
   are required), by provider priority (1 first), config order breaking ties;
3. a provider whose breaker is open is skipped; a half-open one gets the trial call.

There is no fallback to another task. Like the bridge, one provider keeps one entry per
model id: the last one listed. `route_defaults` routes each `default_models` entry with its
model as the preferred one:

- embedding   -> task embedding
- chat_fast   -> task chat_small
- chat_smart  -> task chat_smart
- chat_vision -> task vision, images required
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from sekha_migrate.dialects import detect_dialect
from sekha_migrate.dialects.base import provider_problem
from sekha_migrate.model import facts
from sekha_migrate.model.config import ModelSpec, Provider, SekhaConfig
from sekha_migrate.model.v2 import DEFAULT_MODELS, DIALECT_KEYS
from sekha_migrate.resilience import BreakerState, CircuitBreaker

# default_models key -> the model task its requests are routed as (one: the bridge has no
# fallback to another task).
DEFAULT_MODEL_TASKS: dict[str, tuple[str, ...]] = {
    role: (task,) for role, task in facts.ROLE_ROUTED_TASK.items()
}
VISION_DEFAULT_KEYS = facts.VISION_ROLES


class RegistryError(ValueError):
    """The configuration cannot be turned into a registry (it was not validated first)."""


class SkipReason(str, Enum):
    WRONG_TASK = "wrong_task"
    NO_VISION = "no_vision"
    MODEL_MISSING = "model_missing"
    BREAKER_OPEN = "breaker_open"
    # No longer given: the bridge does fall back to another embedding model, so routing
    # now shows that fallback, with the warning in its reason.
    OTHER_EMBEDDING_MODEL = "other_embedding_model"


@dataclass(frozen=True)
class ModelEntry:
    model_id: str
    task: str
    dimension: int | None = None
    supports_vision: bool = False
    context_window: int | None = None

    @property
    def can_see(self) -> bool:
        return facts.can_see(self.task, self.supports_vision)


@dataclass(frozen=True)
class ProviderEntry:
    id: str
    type: str
    base_url: str
    priority: int
    timeout: float
    models: tuple[ModelEntry, ...]
    breaker: CircuitBreaker = field(compare=False, repr=False)


@dataclass(frozen=True)
class Candidate:
    provider_id: str
    model_id: str
    priority: int
    reason: str
    task: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider_id": self.provider_id,
            "model_id": self.model_id,
            "priority": self.priority,
            "task": self.task,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Skipped:
    provider_id: str
    model_id: str
    code: SkipReason
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider_id": self.provider_id,
            "model_id": self.model_id,
            "code": self.code.value,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class RouteResult:
    tasks: tuple[str, ...]
    require_vision: bool
    preferred_model: str | None
    candidates: tuple[Candidate, ...]
    skipped: tuple[Skipped, ...]

    @property
    def chosen(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "tasks": list(self.tasks),
            "require_vision": self.require_vision,
            "preferred_model": self.preferred_model,
            "candidates": [candidate.to_dict() for candidate in self.candidates],
            "skipped": [skip.to_dict() for skip in self.skipped],
        }


class RouteStatus(str, Enum):
    PREFERRED = "preferred"  # the configured default model serves it
    FALLBACK = "fallback"  # another model serves it
    UNAVAILABLE = "unavailable"  # nothing can serve it right now
    UNSET = "unset"  # the default_models entry is null or empty
    # The default model is routed (the bridge takes it whatever its task) but cannot do the
    # role's work: an embedding model as chat_fast. validate reports it as default-model-task.
    MISFIT = "misfit"
    UNKNOWN_KEY = "unknown_key"  # not a default_models key this tool knows


@dataclass(frozen=True)
class RoutingDecision:
    """Who would serve one `default_models` entry, or why nobody would."""

    key: str
    preferred_model: str | None
    status: RouteStatus
    chosen: Candidate | None
    reason: str
    fallbacks: tuple[Candidate, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status in (RouteStatus.PREFERRED, RouteStatus.FALLBACK, RouteStatus.UNSET)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "preferred_model": self.preferred_model,
            "status": self.status.value,
            "provider_id": self.chosen.provider_id if self.chosen else None,
            "model_id": self.chosen.model_id if self.chosen else None,
            "reason": self.reason,
            "fallbacks": [candidate.to_dict() for candidate in self.fallbacks],
            "skipped": [skip.to_dict() for skip in self.skipped],
        }


class ProviderRegistry:
    def __init__(
        self,
        providers: Iterable[ProviderEntry],
        default_models: Mapping[str, Any] | None = None,
    ) -> None:
        self.providers: tuple[ProviderEntry, ...] = tuple(providers)
        self.default_models: dict[str, Any] = dict(default_models or {})
        self._by_id: dict[str, ProviderEntry] = {}
        for provider in self.providers:
            if provider.id in self._by_id:
                raise RegistryError(f"provider id {provider.id!r} appears more than once")
            self._by_id[provider.id] = provider
        self._missing: set[tuple[str, str]] = set()

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], *, clock: Callable[[], float] = time.monotonic
    ) -> ProviderRegistry:
        """The registry of a v2 document in the docker or bridge dialect. A document that
        was not validated first is refused with the first reason it cannot be read."""
        from sekha_migrate.convert import read_config
        from sekha_migrate.dialects import bridge, docker

        if not isinstance(config, Mapping):
            raise RegistryError("the configuration must be a mapping of keys")
        dialect = detect_dialect(dict(config)) or "docker"
        spelling = bridge.SPELLING if dialect == "bridge" else docker.SPELLING
        providers = config.get(spelling.providers_key)
        if not isinstance(providers, list) or not providers:
            raise RegistryError(f"{spelling.providers_key} must list at least one provider")
        for index, raw in enumerate(providers):
            problem = provider_problem(raw, (spelling.providers_key, index), spelling)
            if problem is not None:
                raise RegistryError(problem)
        return cls.from_model(read_config(config, dialect), clock=clock)

    @classmethod
    def from_model(
        cls, config: SekhaConfig, *, clock: Callable[[], float] = time.monotonic
    ) -> ProviderRegistry:
        """The registry of the typed model: one breaker per provider, from its settings."""
        settings = config.breaker.as_mapping()
        entries = []
        for provider in config.providers:
            try:
                breaker = CircuitBreaker.from_config(settings, clock=clock, name=provider.id)
            except ValueError as exc:
                raise RegistryError(f"routing.circuit_breaker: {exc}") from None
            entries.append(_provider_entry(provider, breaker))
        return cls(entries, config.default_models)

    # -- providers and what probing learned ----------------------------------------------------

    def provider(self, provider_id: str) -> ProviderEntry:
        try:
            return self._by_id[provider_id]
        except KeyError:
            raise RegistryError(f"no provider with id {provider_id!r}") from None

    def breaker(self, provider_id: str) -> CircuitBreaker:
        return self.provider(provider_id).breaker

    def mark_model_missing(self, provider_id: str, model_id: str) -> None:
        """The provider answered but does not list this model; routing passes it over."""
        self.provider(provider_id)
        self._missing.add((provider_id, model_id))

    def mark_model_present(self, provider_id: str, model_id: str) -> None:
        self._missing.discard((provider_id, model_id))

    @property
    def missing_models(self) -> frozenset[tuple[str, str]]:
        """(provider_id, model_id) pairs known to be missing."""
        return frozenset(self._missing)

    # -- routing -------------------------------------------------------------------------------

    def route(
        self,
        task: str,
        require_vision: bool = False,
        preferred_model: str | None = None,
    ) -> RouteResult:
        """Models that can serve `task` now, best first, and the others with reasons."""
        if task not in facts.BRIDGE_TASKS:
            known = ", ".join(facts.BRIDGE_TASKS)
            raise RegistryError(f"{task!r} is not a model task (known: {known})")
        return self._route((task,), require_vision, preferred_model)

    def route_default(self, key: str, model_id: str | None) -> RoutingDecision:
        canonical = DIALECT_KEYS[DEFAULT_MODELS].get(key, key)
        tasks = DEFAULT_MODEL_TASKS.get(canonical)
        if tasks is None:
            known = ", ".join(DEFAULT_MODEL_TASKS)
            reason = f"not a default_models key (known: {known})"
            return RoutingDecision(key, _model_id(model_id), RouteStatus.UNKNOWN_KEY, None, reason)
        preferred = _model_id(model_id)
        if preferred is None:
            return RoutingDecision(key, None, RouteStatus.UNSET, None, "no default model set")
        result = self._route(tasks, canonical in facts.VISION_ROLES, preferred)
        if canonical == "embedding":
            result = _warn_other_embedding_models(result, preferred)
        return self._misfit(canonical, _decide(key, preferred, result))

    def _misfit(self, role: str, decision: RoutingDecision) -> RoutingDecision:
        """A chosen default model that cannot do the role's work (model.facts.serves_role)."""
        chosen = decision.chosen
        if decision.status is not RouteStatus.PREFERRED or chosen is None:
            return decision
        provider = self.provider(chosen.provider_id)
        entry = [m for m in provider.models if m.model_id == chosen.model_id][-1]
        if facts.serves_role(role, entry.task, entry.supports_vision):
            return decision
        reason = (
            f"the bridge sends {role} requests to {chosen.model_id} on {chosen.provider_id} "
            f"(task {entry.task}), which is not {facts.ROLE_NEEDS[role]}"
        )
        return replace(decision, status=RouteStatus.MISFIT, reason=reason)

    def route_defaults(
        self, default_models: Mapping[str, Any] | None = None
    ) -> list[RoutingDecision]:
        """One decision per `default_models` entry (the config's own when not given)."""
        entries = self.default_models if default_models is None else default_models
        return [self.route_default(key, value) for key, value in entries.items()]

    def _route(
        self, tasks: tuple[str, ...], require_vision: bool, preferred_model: str | None
    ) -> RouteResult:
        ranked: list[tuple[tuple[int, int, int], Candidate]] = []
        skipped: list[Skipped] = []
        for position, provider in enumerate(self.providers):
            breaker_state = provider.breaker.get_state()
            for model_id, entries in _models_by_id(provider.models).items():
                preferred = model_id == preferred_model
                verdict = self._judge(
                    provider, breaker_state, entries, tasks[0], require_vision, preferred
                )
                if isinstance(verdict, Skipped):
                    skipped.append(verdict)
                    continue
                priority = provider.priority
                reason = _candidate_reason(
                    verdict, priority, preferred, require_vision, breaker_state
                )
                # The bridge gives preferred candidates priority 0 and sorts stably.
                rank = (0, 0, position) if preferred else (1, priority, position)
                candidate = Candidate(provider.id, model_id, priority, reason, verdict.task)
                ranked.append((rank, candidate))
        ranked.sort(key=lambda item: item[0])
        return RouteResult(
            tasks=tasks,
            require_vision=require_vision,
            preferred_model=preferred_model,
            candidates=tuple(candidate for _, candidate in ranked),
            skipped=tuple(skipped),
        )

    def _judge(
        self,
        provider: ProviderEntry,
        breaker_state: BreakerState,
        entries: list[ModelEntry],
        task: str,
        require_vision: bool,
        preferred: bool,
    ) -> Skipped | ModelEntry:
        """The entry the bridge would use for one model on one provider, or why it would not."""
        model = entries[-1]  # the bridge caches one entry per provider and model id: the last

        def skip(code: SkipReason, reason: str) -> Skipped:
            return Skipped(provider.id, model.model_id, code, reason)

        if not preferred:  # the preferred model is taken whatever its task, as in the bridge
            if model.task != task:
                return skip(SkipReason.WRONG_TASK, _wrong_task_reason(entries, task))
            if require_vision and not model.supports_vision:
                return skip(SkipReason.NO_VISION, "does not accept images")
        if (provider.id, model.model_id) in self._missing:
            return skip(SkipReason.MODEL_MISSING, f"not listed by {provider.id}")
        if breaker_state is BreakerState.OPEN:
            wait = provider.breaker.retry_after_secs()
            return skip(SkipReason.BREAKER_OPEN, f"breaker open, next trial in {wait:.0f}s")
        return model


def _wrong_task_reason(entries: list[ModelEntry], task: str) -> str:
    if any(entry.task == task for entry in entries):
        return (
            f"listed again as {entries[-1].task}: the bridge keeps only the last entry "
            "of a model on a provider"
        )
    served = "/".join(sorted({entry.task for entry in entries}))
    return f"serves {served}, not {task}"


def _warn_other_embedding_models(result: RouteResult, preferred: str) -> RouteResult:
    """The bridge falls back to another embedding model; its vectors cannot be compared with
    the stored ones, whatever their length, so the reason says so."""
    warning = f"a different embedding model: its vectors do not match {preferred}'s"
    return replace(
        result,
        candidates=tuple(
            c if c.model_id == preferred else replace(c, reason=f"{c.reason}; {warning}")
            for c in result.candidates
        ),
    )


def _decide(key: str, preferred: str, result: RouteResult) -> RoutingDecision:
    chosen = result.chosen
    if chosen is None:
        reason = _why_nothing(result)
        return RoutingDecision(
            key, preferred, RouteStatus.UNAVAILABLE, None, reason, skipped=result.skipped
        )
    status = RouteStatus.PREFERRED if chosen.model_id == preferred else RouteStatus.FALLBACK
    reason = chosen.reason
    if status is RouteStatus.FALLBACK:
        reason = f"{_why_not_preferred(preferred, result)}; using {chosen.model_id} ({reason})"
    return RoutingDecision(
        key, preferred, status, chosen, reason, result.candidates[1:], result.skipped
    )


def _why_not_preferred(preferred: str, result: RouteResult) -> str:
    reasons = [skip.reason for skip in result.skipped if skip.model_id == preferred]
    if not reasons:
        return f"{preferred} is not configured on any provider"
    return f"{preferred}: " + "; ".join(dict.fromkeys(reasons))


def _why_nothing(result: RouteResult) -> str:
    # Say what stopped the models that could have served: an open breaker or a missing model
    # first, models without vision only when nothing else was in the way, other tasks never.
    blocked = [
        s
        for s in result.skipped
        if s.code in (SkipReason.BREAKER_OPEN, SkipReason.MODEL_MISSING)
    ] or [s for s in result.skipped if s.code is SkipReason.NO_VISION]
    if not blocked:
        if result.require_vision:
            return "no provider configures a model that accepts images"
        return f"no provider configures a model for {result.tasks[0]}"  # one: no fallback
    return "; ".join(f"{s.provider_id}/{s.model_id}: {s.reason}" for s in blocked)


def _candidate_reason(
    model: ModelEntry,
    priority: int,
    preferred: bool,
    require_vision: bool,
    breaker_state: BreakerState,
) -> str:
    parts = ["preferred model"] if preferred else []
    parts += [f"task {model.task}", f"priority {priority}"]
    if require_vision and not model.supports_vision:
        parts.append("does not accept images")
    if breaker_state is BreakerState.HALF_OPEN:
        parts.append("breaker half-open: trial call")
    return ", ".join(parts)


def _models_by_id(models: tuple[ModelEntry, ...]) -> dict[str, list[ModelEntry]]:
    """The same model may be listed once per task; routing judges it once per provider."""
    grouped: dict[str, list[ModelEntry]] = {}
    for model in models:
        grouped.setdefault(model.model_id, []).append(model)
    return grouped


def _model_id(value: object) -> str | None:
    """A default_models value as a model id; null, blank or non-text means unset."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def _provider_entry(provider: Provider, breaker: CircuitBreaker) -> ProviderEntry:
    return ProviderEntry(
        id=provider.id,
        type=provider.type,
        base_url=provider.base_url,
        priority=provider.effective_priority,
        timeout=provider.effective_timeout,
        models=tuple(_model_entry(model) for model in provider.models),
        breaker=breaker,
    )


def _model_entry(model: ModelSpec) -> ModelEntry:
    return ModelEntry(
        model_id=model.model_id,
        task=model.task,
        dimension=model.dimension,
        supports_vision=model.supports_vision is True,
        context_window=model.context_window,
    )
