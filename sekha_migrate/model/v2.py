"""The canonical v2 configuration and the other dialects found in the Sekha repositories.

Used by `validate` (to name the right key) and by `migrate` (to normalise a file).
"""

from __future__ import annotations

from typing import Final

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

MODEL_TASKS: Final = ("embedding", "chat_small", "chat_large", "chat_smart", "vision", "audio")
CHAT_TASKS: Final = frozenset({"chat_small", "chat_large", "chat_smart", "vision"})
PROVIDER_TYPES: Final = ("ollama", "litellm", "openrouter", "openai", "anthropic")
SECRET_KEYS: Final = frozenset({"api_key", "mcp_api_key", "rest_api_key", "additional_api_keys"})
