"""Domain facts about a Sekha configuration, in one place.

Validation, the registry, probe and migrate all ask this module; none keeps its own copy.
Where the consumers disagree (the docker schema and the bridge), each fact names its
consumer.
"""

from __future__ import annotations

from typing import Final

PROVIDER_TYPES: Final = ("ollama", "litellm", "openrouter", "openai", "anthropic")

# Model tasks each consumer accepts. The bridge (config.py ModelTask) knows two more.
DOCKER_TASKS: Final = ("embedding", "chat_small", "chat_large", "chat_smart", "vision", "audio")
BRIDGE_TASKS: Final = (*DOCKER_TASKS, "image_generation")
# Tasks of models that answer chat requests (a vision model chats about images too).
CHAT_TASKS: Final = frozenset({"chat_small", "chat_large", "chat_smart", "vision"})

DEFAULT_ROLES: Final = ("embedding", "chat_fast", "chat_smart", "chat_vision")

# default_models role -> the task its requests are routed as (sekha-llm-bridge: the default
# model goes first whatever its task; after it only models of exactly this task are tried).
ROLE_ROUTED_TASK: Final[dict[str, str]] = {
    "embedding": "embedding",
    "chat_fast": "chat_small",
    "chat_smart": "chat_smart",
    "chat_vision": "vision",
}
VISION_ROLES: Final = frozenset({"chat_vision"})

# What a role needs of its default model, in words, for messages.
ROLE_NEEDS: Final[dict[str, str]] = {
    "embedding": "an embedding model (task: embedding)",
    "chat_fast": "a chat model (task: chat_small, chat_large, chat_smart or vision)",
    "chat_smart": "a chat model (task: chat_small, chat_large, chat_smart or vision)",
    "chat_vision": "a vision model (task: vision, or a chat model with supports_vision: true)",
}


def can_see(task: object, supports_vision: object) -> bool:
    """A model accepts images: task `vision`, or a chat model that says it supports vision."""
    return task == "vision" or (supports_vision is True and task in CHAT_TASKS)


def serves_role(role: str, task: object, supports_vision: object) -> bool:
    """Whether a model with this task can do a role's work as its default model. The bridge
    sends the role's requests to its default model whatever the task, so this is what keeps
    an embedding model from being asked to chat. Validate and the registry both ask here."""
    if role == "embedding":
        return task == "embedding"
    if role in VISION_ROLES:
        return can_see(task, supports_vision)
    return task in CHAT_TASKS


# Where secrets live: a provider's api_key, and the controller's access keys.
PROVIDER_SECRET_KEYS: Final = frozenset({"api_key"})
CONTROLLER_SECRET_KEYS: Final = frozenset({"mcp_api_key", "rest_api_key", "additional_api_keys"})
SECRET_KEYS: Final = PROVIDER_SECRET_KEYS | CONTROLLER_SECRET_KEYS

# Defaults each consumer applies when a key is absent.
DEFAULT_PRIORITY: Final = 1  # bridge config.py ProviderConfig.priority
DEFAULT_PROVIDER_TIMEOUT: Final = 120  # seconds; the bridge's timeout_secs, the schema's timeout
DEFAULT_CONTEXT_WINDOW: Final = 8192  # bridge config.py ModelConfig.context_window
DEFAULT_BREAKER: Final[dict[str, int]] = {
    "failure_threshold": 3,
    "timeout_secs": 60,
    "success_threshold": 2,
}
DEFAULT_ROUTING: Final[dict[str, object]] = {
    "auto_fallback": True,
    "require_vision_for_images": True,
    "max_cost_per_request": None,
}

# The controller's own top-level settings in a docker-dialect file, in the order they are
# written.
CONTROLLER_SETTINGS: Final = (
    "server_host",
    "server_port",
    "max_connections",
    "log_level",
    "database_url",
    "chroma_url",
    "llm_bridge_url",
    # Read from its file by the controller though the docker schema does not list them: its
    # Ollama (for embeddings) and its summarization model. Written only when a source set them.
    "ollama_url",
    "summarization_model",
    "mcp_api_key",
    "rest_api_key",
    "additional_api_keys",
    "rate_limit_per_minute",
    "cors_enabled",
    "summarization_enabled",
    "pruning_enabled",
)
# The bridge's own top-level settings (config.py Settings), with its defaults.
BRIDGE_SETTINGS: Final[dict[str, object]] = {
    "server_host": "0.0.0.0",
    "server_port": 5001,
    "max_connections": 10,
    "log_level": "info",
    "celery_broker_url": "redis://localhost:6379/0",
    "celery_result_backend": "redis://localhost:6379/0",
}
