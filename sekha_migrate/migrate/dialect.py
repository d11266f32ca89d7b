"""v2 files written in another dialect (the bridge's, or keys that drifted into the docs)
brought to the canonical keys of `schema/`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sekha_migrate.findings import DataPath, format_path
from sekha_migrate.model import v2


@dataclass(frozen=True)
class Rename:
    path: DataPath  # where the key was, e.g. ("llm_providers", 0, "provider_type")
    canonical: str  # what it is called now
    conflict: bool = False  # the canonical key was there too; the dialect key was dropped

    def describe(self) -> str:
        where = format_path(self.path)
        if self.conflict:
            return (
                f"{where}: both {self.path[-1]} and {self.canonical} are set; "
                f"kept {self.canonical} (the other value stays in the backup)"
            )
        return f"{where} -> {self.canonical}"


def looks_like_v2(data: Any) -> bool:
    """A mapping with a provider registry, in any dialect."""
    return isinstance(data, dict) and any(
        key in data for key in ("llm_providers", "providers", "llm_provider")
    )


def normalise_document(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[Rename]]:
    """A canonical copy of `data` and every rename it took. No renames: already canonical."""
    renames: list[Rename] = []
    source = dict(data)
    breaker = source.pop("circuit_breaker", None)
    root = _rename_keys(source, v2.ROOT, (), renames)
    moved: dict[str, tuple[str, Any]] = {}
    if breaker is not None:
        moved["circuit_breaker"] = ("circuit_breaker", breaker)
    for key, target in v2.ROOT_ROUTING_KEYS.items():
        if key in root:
            moved.setdefault(target.split(".", 1)[1], (key, root.pop(key)))
    routing = root.get("routing")
    if moved and (routing is None or isinstance(routing, dict)):
        routing = dict(routing or {})
        for canonical, (key, value) in moved.items():
            if canonical in routing:
                renames.append(Rename((key,), f"routing.{canonical}", conflict=True))
            else:
                routing[canonical] = value
                renames.append(Rename((key,), f"routing.{canonical}"))
        root["routing"] = routing
    if isinstance(root.get("routing"), dict):
        root["routing"] = _normalise_routing(root["routing"], renames)
    providers = root.get("llm_providers")
    if isinstance(providers, list):
        root["llm_providers"] = [
            _normalise_provider(item, ("llm_providers", index), renames)
            for index, item in enumerate(providers)
        ]
    defaults = root.get("default_models")
    if isinstance(defaults, dict):
        root["default_models"] = _rename_keys(
            defaults, v2.DEFAULT_MODELS, ("default_models",), renames
        )
    return root, renames


def normalise_providers(providers: list[Any], path: DataPath) -> tuple[list[Any], list[Rename]]:
    renames: list[Rename] = []
    result = [
        _normalise_provider(item, (*path, index), renames) for index, item in enumerate(providers)
    ]
    return result, renames


def normalise_default_models(
    defaults: Mapping[str, Any], path: DataPath
) -> tuple[dict[str, Any], list[Rename]]:
    renames: list[Rename] = []
    return _rename_keys(defaults, v2.DEFAULT_MODELS, path, renames), renames


def _normalise_provider(item: Any, path: DataPath, renames: list[Rename]) -> Any:
    if not isinstance(item, dict):
        return item
    provider = _rename_keys(item, v2.PROVIDER, path, renames)
    models = provider.get("models")
    if isinstance(models, list):
        provider["models"] = [
            _rename_keys(model, v2.MODEL, (*path, "models", index), renames)
            if isinstance(model, dict)
            else model
            for index, model in enumerate(models)
        ]
    return provider


def _normalise_routing(routing: dict[str, Any], renames: list[Rename]) -> dict[str, Any]:
    result = _rename_keys(routing, v2.ROUTING, ("routing",), renames)
    breaker = result.get("circuit_breaker")
    if isinstance(breaker, dict):
        result["circuit_breaker"] = _rename_keys(
            breaker, v2.CIRCUIT_BREAKER, ("routing", "circuit_breaker"), renames
        )
    return result


def _rename_keys(
    mapping: Mapping[str, Any], context: str, path: DataPath, renames: list[Rename]
) -> dict[str, Any]:
    """Keys of `mapping` renamed by DIALECT_KEYS[context], in their original order.

    A canonical key already present wins over its dialect spelling."""
    table = v2.DIALECT_KEYS[context]
    result: dict[str, Any] = {}
    for key, value in mapping.items():
        target = table.get(key) if isinstance(key, str) else None
        if target is None:
            result.setdefault(key, value)
            continue
        if target in mapping:
            renames.append(Rename((*path, key), target, conflict=True))
            continue
        result[target] = value
        renames.append(Rename((*path, key), target))
    return result
