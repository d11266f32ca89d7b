"""The canonical v2 configuration and the other dialects found in the Sekha repositories.

Used by `validate` (to name the right key) and by `migrate` (to normalise a file).
"""

from __future__ import annotations

from typing import Any, Final

from sekha_migrate.findings import DataPath, format_path, value_at

# Where a mapping sits in a v2 document; the keys of DIALECT_KEYS.
ROOT: Final = "root"
PROVIDER: Final = "provider"
MODEL: Final = "model"
DEFAULT_MODELS: Final = "default_models"
ROUTING: Final = "routing"
CIRCUIT_BREAKER: Final = "circuit_breaker"
VISION_CAPABILITIES: Final = "vision_capabilities"

# Schema definition that describes each context (None is the root).
SCHEMA_DEFINITION: Final[dict[str, str | None]] = {
    ROOT: None,
    PROVIDER: "provider",
    MODEL: "model",
    DEFAULT_MODELS: "defaultModels",
    ROUTING: "routing",
    CIRCUIT_BREAKER: "circuitBreaker",
    VISION_CAPABILITIES: "visionCapabilities",
}

# Keys of other dialects -> the canonical key in the same mapping. The bridge's own
# config (`providers`, `provider_type`, `timeout_secs` on a provider) and keys that
# drifted into Sekha's docs (`enable_fallback`, `cost_limit_per_request`, ...).
DIALECT_KEYS: Final[dict[str, dict[str, str]]] = {
    ROOT: {
        "providers": "llm_providers",
        "llm_provider": "llm_providers",
        "models": "default_models",
        "default_model": "default_models",
        "circuit_breaker": "routing",
        "host": "server_host",
        "port": "server_port",
    },
    PROVIDER: {
        "provider_type": "type",
        "kind": "type",
        "timeout_secs": "timeout",
        "timeout_seconds": "timeout",
        "url": "base_url",
        "api_base": "base_url",
        "endpoint": "base_url",
        "key": "api_key",
        "name": "id",
    },
    MODEL: {
        "id": "model_id",
        "name": "model_id",
        "model": "model_id",
        "type": "task",
        "context_length": "context_window",
        "max_tokens": "context_window",
        "dimensions": "dimension",
        "embedding_dimension": "dimension",
        "vision": "supports_vision",
    },
    DEFAULT_MODELS: {
        "chat_small": "chat_fast",
        "chat": "chat_fast",
        "fast": "chat_fast",
        "chat_large": "chat_smart",
        "smart": "chat_smart",
        "vision": "chat_vision",
        "embeddings": "embedding",
    },
    ROUTING: {
        "enable_fallback": "auto_fallback",
        "fallback": "auto_fallback",
        "cost_limit_per_request": "max_cost_per_request",
        "max_cost": "max_cost_per_request",
        "breaker": "circuit_breaker",
    },
    CIRCUIT_BREAKER: {
        "timeout_seconds": "timeout_secs",
        "timeout": "timeout_secs",
        "reset_timeout": "timeout_secs",
        "failures": "failure_threshold",
        "successes": "success_threshold",
    },
    VISION_CAPABILITIES: {},
}

# Routing keys sometimes written at the top level instead of under `routing:`.
ROOT_ROUTING_KEYS: Final[dict[str, str]] = {
    "auto_fallback": "routing.auto_fallback",
    "enable_fallback": "routing.auto_fallback",
    "max_cost_per_request": "routing.max_cost_per_request",
    "cost_limit_per_request": "routing.max_cost_per_request",
    "require_vision_for_images": "routing.require_vision_for_images",
}

# Keys that other Sekha components read from a shared file; not errors, just not ours.
OTHER_COMPONENT_KEYS: Final[frozenset[str]] = frozenset(
    {"celery_broker_url", "celery_result_backend"}
)


# The same drifted names as the bridge reads them: in a bridge file, the docker schema's
# `type`, `timeout` and `llm_providers` are the ones the bridge silently ignores.
_TO_BRIDGE: Final = {
    "llm_providers": "providers",
    "type": "provider_type",
    "timeout": "timeout_secs",
}
BRIDGE_DIALECT_KEYS: Final[dict[str, dict[str, str]]] = {
    context: {
        wrong: _TO_BRIDGE.get(right, right)
        for wrong, right in table.items()
        if _TO_BRIDGE.get(right, right) != wrong
    }
    | ({right: bridge for right, bridge in _TO_BRIDGE.items() if right in table.values()}
       if context in (ROOT, PROVIDER) else {})
    for context, table in DIALECT_KEYS.items()
}
# What each consumer calls the registry and its other renamed keys, for messages.
CONSUMER_NAMES: Final = {"docker": "the docker schema", "bridge": "the LLM bridge"}


def dialect_keys(dialect: str) -> dict[str, dict[str, str]]:
    """Misspelt or other-dialect key -> the key this dialect's consumer reads, per context."""
    return BRIDGE_DIALECT_KEYS if dialect == "bridge" else DIALECT_KEYS


def describe_path(path: DataPath, document: Any) -> str:
    """What a person calls the value at `path`: providers and models by their ids."""
    if not path:
        return "the document"
    owner, rest = _owner(path, document)
    if owner is None or rest == ("id",):  # a provider named by its own bad id reads badly
        return _dotted(path)
    return f"{_dotted(rest)} of {owner}" if rest else owner


def _owner(path: DataPath, document: Any) -> tuple[str | None, DataPath]:
    """`provider 'x'` or `model 'm' of provider 'x'` for a path inside one, and the rest."""
    if len(path) < 2 or path[0] not in ("llm_providers", "providers") or not isinstance(
        path[1], int
    ):
        return None, path
    provider_id = value_at(document, (*path[:2], "id"))
    if not isinstance(provider_id, str) or not provider_id:
        return None, path
    owner = f"provider '{provider_id}'"
    if len(path) >= 4 and path[2] == "models" and isinstance(path[3], int):
        model_id = value_at(document, (*path[:4], "model_id"))
        if isinstance(model_id, str) and model_id:
            return f"model '{model_id}' of {owner}", path[4:]
    return owner, path[2:]


def _dotted(path: DataPath) -> str:
    text = format_path(path)[1:]
    return text[1:] if text.startswith(".") else text
