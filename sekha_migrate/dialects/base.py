"""What the YAML dialects share: reading a document into the model and writing it back,
each under its own spelling of the provider registry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sekha_migrate.findings import DataPath, Finding, Severity, format_path
from sekha_migrate.model import facts
from sekha_migrate.model.config import (
    UNSET,
    BreakerSettings,
    ModelSpec,
    Provider,
    Routing,
    SekhaConfig,
)

MODEL_FIELDS = (
    "model_id",
    "task",
    "context_window",
    "dimension",
    "supports_vision",
    "supports_audio",
    "supports_function_calling",
    "vision_capabilities",
)
ROUTING_FIELDS = ("auto_fallback", "require_vision_for_images", "max_cost_per_request")
BREAKER_FIELDS = ("failure_threshold", "timeout_secs", "success_threshold")


@dataclass(frozen=True)
class Spelling:
    """How one consumer names the registry and which top-level keys it reads."""

    name: str
    providers_key: str  # llm_providers | providers
    type_key: str  # type | provider_type
    timeout_key: str  # timeout | timeout_secs
    model_keys: frozenset[str]  # model fields this consumer reads
    tasks: tuple[str, ...]
    controller_keys: tuple[str, ...]  # top-level keys that are the controller's
    bridge_keys: tuple[str, ...]  # top-level keys that are the bridge's own

    def provider_key(self, field_name: str) -> str:
        return {"type": self.type_key, "timeout": self.timeout_key}.get(field_name, field_name)


@dataclass(frozen=True)
class Dropped:
    """Something the source holds that the target has no place for (reported, not lost)."""

    path: DataPath  # where it was in the source
    message: str


@dataclass(frozen=True)
class Written:
    """One dialect's document, and what writing it left out or filled in."""

    target: str
    document: dict[str, Any]
    dropped: tuple[Dropped, ...] = ()
    filled: tuple[Dropped, ...] = ()  # required by the target, written with the default
    # output key path -> the key path it came from in the source, for marks and comments
    links: Mapping[DataPath, DataPath] = field(default_factory=dict)

    def findings(self) -> tuple[Finding, ...]:
        notes = [
            Finding(Severity.WARNING, "not-carried", d.message, path=format_path(d.path))
            for d in self.dropped
        ]
        notes += [
            Finding(Severity.INFO, "default-written", d.message, path=format_path(d.path))
            for d in self.filled
        ]
        return tuple(notes)


# ---- reading ---------------------------------------------------------------------------------


def read_document(data: Mapping[str, Any], spelling: Spelling) -> SekhaConfig:
    """The model of a document in `spelling`. Malformed entries are left out: validation is
    what reports them, and probe still checks the well-formed ones."""
    providers_raw = data.get(spelling.providers_key)
    providers = tuple(
        provider
        for index, item in enumerate(providers_raw if isinstance(providers_raw, list) else [])
        if (provider := _read_provider(item, (spelling.providers_key, index), spelling))
    )
    known = {"version", spelling.providers_key, "default_models", "routing"}
    controller = {k: data[k] for k in spelling.controller_keys if k in data}
    bridge = {k: data[k] for k in spelling.bridge_keys if k in data}
    extra = {
        k: v for k, v in data.items() if k not in known and k not in controller and k not in bridge
    }
    defaults = data.get("default_models")
    version = data.get("version")
    return SekhaConfig(
        providers=providers,
        default_models=dict(defaults) if isinstance(defaults, Mapping) else {},
        routing=_read_routing(data.get("routing")),
        version=version if isinstance(version, str) else None,
        controller=controller,
        bridge=bridge,
        extra=extra,
        dialect=spelling.name,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def provider_problem(item: Any, path: DataPath, spelling: Spelling) -> str | None:
    """Why a provider entry cannot be read into the model (None: it can). Validation gives
    the full account; this is the first reason, for code that refuses unvalidated input."""
    where = format_path(path)[2:]
    if not isinstance(item, Mapping):
        return f"{where} must be a mapping"
    for key in ("id", spelling.type_key, "base_url"):
        if _text(item.get(key)) is None:
            return f"{where}.{key} must be a non-empty string, got {item.get(key)!r}"
    priority = item.get("priority")
    if priority is not None and _int(priority) is None:
        return f"{where}.priority must be a whole number, got {priority!r}"
    timeout = item.get(spelling.timeout_key)
    if timeout is not None and (_number(timeout) is None or timeout <= 0):
        return f"{where}.{spelling.timeout_key} must be a number of seconds, got {timeout!r}"
    models = item.get("models")
    if models is not None and not isinstance(models, list):
        return f"{where}.models must be a list"
    for index, raw in enumerate(models or []):
        model_where = f"{where}.models[{index}]"
        if not isinstance(raw, Mapping):
            return f"{model_where} must be a mapping"
        for key in ("model_id", "task"):
            if _text(raw.get(key)) is None:
                return f"{model_where}.{key} must be a non-empty string, got {raw.get(key)!r}"
    return None


def _read_provider(item: Any, path: DataPath, spelling: Spelling) -> Provider | None:
    if provider_problem(item, path, spelling) is not None:
        return None
    provider_id = str(item["id"])
    kind = str(item[spelling.type_key])
    base_url = str(item["base_url"])
    models = tuple(
        model
        for index, raw in enumerate(item.get("models") or [])
        if (model := _read_model(raw, (*path, "models", index)))
    )
    fields = {"id", spelling.type_key, "base_url", "api_key", "priority",
              spelling.timeout_key, "models"}
    api_key = item.get("api_key")
    return Provider(
        id=provider_id,
        type=kind,
        base_url=base_url,
        api_key=api_key if isinstance(api_key, str) else None,
        priority=_int(item.get("priority")),
        timeout=_number(item.get(spelling.timeout_key)),
        models=models,
        extra={k: v for k, v in item.items() if k not in fields},
        source_path=path,
    )


def _read_model(raw: Any, path: DataPath) -> ModelSpec | None:
    if not isinstance(raw, Mapping):
        return None
    model_id = _text(raw.get("model_id"))
    task = _text(raw.get("task"))
    if model_id is None or task is None:
        return None
    vision = raw.get("vision_capabilities")
    return ModelSpec(
        model_id=model_id,
        task=task,
        context_window=_int(raw.get("context_window")),
        dimension=_int(raw.get("dimension")),
        supports_vision=_bool(raw.get("supports_vision")),
        supports_audio=_bool(raw.get("supports_audio")),
        supports_function_calling=_bool(raw.get("supports_function_calling")),
        vision_capabilities=dict(vision) if isinstance(vision, Mapping) else None,
        extra={k: v for k, v in raw.items() if k not in MODEL_FIELDS},
        source_path=path,
    )


def _read_routing(raw: Any) -> Routing | None:
    if not isinstance(raw, Mapping):
        return None
    breaker_raw = raw.get("circuit_breaker")
    breaker = None
    if isinstance(breaker_raw, Mapping):
        breaker = BreakerSettings(
            failure_threshold=_int(breaker_raw.get("failure_threshold")),
            timeout_secs=_int(breaker_raw.get("timeout_secs")),
            success_threshold=_int(breaker_raw.get("success_threshold")),
            extra={k: v for k, v in breaker_raw.items() if k not in BREAKER_FIELDS},
        )
    cost = raw.get("max_cost_per_request", UNSET)
    return Routing(
        auto_fallback=_bool(raw.get("auto_fallback")),
        require_vision_for_images=_bool(raw.get("require_vision_for_images")),
        max_cost_per_request=cost if cost is None or _number(cost) is not None else UNSET,
        circuit_breaker=breaker,
        extra={k: v for k, v in raw.items() if k not in (*ROUTING_FIELDS, "circuit_breaker")},
    )


# ---- writing ---------------------------------------------------------------------------------


class DocumentWriter:
    """Builds one dialect's document from the model, noting links, drops and fills."""

    def __init__(
        self,
        config: SekhaConfig,
        spelling: Spelling,
        source: Spelling | None,
        *,
        carry_unknown: bool = True,
    ) -> None:
        self.config = config
        # Keys no consumer reads: carried (validate names them), or left out and reported.
        self.carry_unknown = carry_unknown
        self.spelling = spelling
        self.source = source or spelling
        self.dropped: list[Dropped] = []
        self.filled: list[Dropped] = []
        self.links: dict[DataPath, DataPath] = {}

    def result(self, document: dict[str, Any]) -> Written:
        return Written(self.spelling.name, document, tuple(self.dropped), tuple(self.filled),
                       dict(self.links))

    def drop(self, path: DataPath, message: str) -> None:
        self.dropped.append(Dropped(path, message))

    def link(self, out: DataPath, source: DataPath) -> None:
        if source:
            self.links[out] = source

    def providers(self, fill_required: bool) -> list[dict[str, Any]]:
        written: list[dict[str, Any]] = []
        for provider in self.config.providers:
            out = (self.spelling.providers_key, len(written))
            written.append(self._provider(provider, out, fill_required))
        return written

    def _provider(self, provider: Provider, out: DataPath, fill: bool) -> dict[str, Any]:
        src = provider.source_path
        spell, source = self.spelling, self.source
        entry: dict[str, Any] = {}

        def put(field_name: str, value: Any) -> None:
            key = spell.provider_key(field_name)
            entry[key] = value
            self.link((*out, key), (*src, source.provider_key(field_name)) if src else ())

        put("id", provider.id)
        put("type", provider.type)
        put("base_url", provider.base_url)
        if provider.api_key is not None:
            put("api_key", provider.api_key)
        priority = provider.priority
        if priority is None and fill:
            priority = facts.DEFAULT_PRIORITY
            self.filled.append(Dropped(src, f"provider '{provider.id}': priority "
                                            f"{priority} written (the bridge's default)"))
        if priority is not None:
            put("priority", priority)
        if provider.timeout is not None:
            put("timeout", provider.timeout)
        models: list[dict[str, Any]] = []
        for model in provider.models:
            if model.task not in spell.tasks:
                self.drop(model.source_path, f"model '{model.model_id}' of provider "
                          f"'{provider.id}' has task {model.task}, which the {spell.name} "
                          "config does not know; it is left out")
                continue
            models.append(self._model(model, (*out, "models", len(models)), fill))
        put("models", models)
        for key, value in provider.extra.items():
            self._extra(entry, key, value, out, src, f"provider '{provider.id}'")
        return entry

    def _model(self, model: ModelSpec, out: DataPath, fill: bool) -> dict[str, Any]:
        src = model.source_path
        entry: dict[str, Any] = {}
        for name in MODEL_FIELDS:
            value = getattr(model, name)
            if name == "context_window" and value is None and fill:
                value = facts.DEFAULT_CONTEXT_WINDOW
                self.filled.append(Dropped(src, f"model '{model.model_id}': context_window "
                                                f"{value} written (the bridge's default)"))
            if value is None:
                continue
            if name not in self.spelling.model_keys:
                if value is not False:  # false is every consumer's default: nothing is lost
                    self.drop((*src, name), f"{name} of model '{model.model_id}' has no place "
                              f"in the {self.spelling.name} config")
                continue
            entry[name] = dict(value) if isinstance(value, Mapping) else value
            self.link((*out, name), (*src, name) if src else ())
        for key, value in model.extra.items():
            self._extra(entry, key, value, out, src, f"model '{model.model_id}'")
        return entry

    def _extra(self, entry: dict[str, Any], key: str, value: Any, out: DataPath,
               src: DataPath, owner: str) -> None:
        if not self.carry_unknown:
            self.drop((*src, key), f"{key} of {owner} is not a key the {self.spelling.name} "
                      "config reads; it is left out")
            return
        entry[key] = value
        self.link((*out, key), (*src, key) if src else ())

    def routing(self) -> dict[str, Any] | None:
        routing = self.config.routing
        if routing is None:
            return None
        entry: dict[str, Any] = {}
        for name in ROUTING_FIELDS:
            value = getattr(routing, name)
            if value is UNSET or (value is None and name != "max_cost_per_request"):
                continue
            entry[name] = value
            self.link(("routing", name), ("routing", name))
        breaker = routing.circuit_breaker
        if breaker is not None:
            written = {**breaker.as_mapping(), **breaker.extra}
            entry["circuit_breaker"] = written
            for name in written:
                self.link(("routing", "circuit_breaker", name),
                          ("routing", "circuit_breaker", name))
            self.link(("routing", "circuit_breaker"), ("routing", "circuit_breaker"))
        entry.update(routing.extra)
        self.link(("routing",), ("routing",))
        return entry

    def top_level(self, key: str, value: Any) -> tuple[str, Any]:
        self.link((key,), (key,))
        for sub in _subkeys(value):
            self.link((key, sub), (key, sub))
        return key, value


def _subkeys(value: Any) -> list[str]:
    return [k for k in value if isinstance(k, str)] if isinstance(value, Mapping) else []


def with_dialect(config: SekhaConfig, dialect: str) -> SekhaConfig:
    return replace(config, dialect=dialect)
