"""The v1 configuration: the controller's flat keys, the sectioned TOML tables, the names
the same settings go by in environment files, and how their text values are typed.

Pure data and pure functions; `sources` read the files, `migrate` decides what to do.
"""

from __future__ import annotations

import datetime
import json
import math
from typing import Any, Final

from sekha_migrate.model import facts

# Keys only a v1 file has at its top level; enough to recognise one.
V1_MARKER_KEYS: Final[frozenset[str]] = frozenset(
    {"ollama_url", "embedding_model", "summarization_model", "llm_bridge", "chroma", "database"}
)


def looks_like_v1(data: Any) -> bool:
    """A mapping with v1 keys and no provider registry in any dialect."""
    if not isinstance(data, dict):
        return False
    if "llm_providers" in data or "providers" in data:
        return False
    return any(key in data for key in V1_MARKER_KEYS)


# The controller's flat keys (and the few the bridge and the routing layer added), each
# with the built-in default the v1 loader applied when no source set it. None: no default.
V1_DEFAULTS: Final[dict[str, Any]] = {
    # v1 bound to loopback unless told otherwise; the output must not expose the API.
    "server_host": "127.0.0.1",
    "server_port": 8080,
    "mcp_api_key": None,
    "rest_api_key": None,
    "additional_api_keys": None,
    "database_url": "sqlite://sekha.db",
    "max_connections": 10,
    "ollama_url": "http://localhost:11434",
    "chroma_url": "http://localhost:8000",
    "llm_bridge_url": "http://localhost:5001",
    "llm_bridge_timeout": None,  # how long the controller waits for the bridge
    "ollama_timeout": None,  # the bridge's OLLAMA_TIMEOUT: the provider's timeout
    "embedding_model": "nomic-embed-text:latest",
    "summarization_model": "llama3.1:8b",
    "chat_model": None,
    "vision_model": None,
    "summarization_enabled": True,
    "pruning_enabled": True,
    "log_level": "info",
    "rate_limit_per_minute": 1000,
    "cors_enabled": True,
    "cb_failure_threshold": 3,
    "cb_reset_timeout": 60,
    "cb_success_threshold": 2,
    "cb_half_open_timeout": None,
    "routing_auto_fallback": True,
    "routing_max_cost": None,
    "routing_require_vision": True,
    # v2 values given as JSON in the environment; they replace what v1 keys would build.
    "llm_providers": None,
    "default_models": None,
    # Cloud keys in the environment file: each adds a provider that refers to it.
    "openai_api_key": None,
    "anthropic_api_key": None,
    "openrouter_api_key": None,
}
FLAT_KEYS: Final[frozenset[str]] = frozenset(V1_DEFAULTS)
# Flat keys of a v1 release that later ones renamed (rest_rate_limit_per_minute: f726760).
FLAT_KEY_ALIASES: Final[dict[str, str]] = {
    "rest_rate_limit_per_minute": "rate_limit_per_minute",
}

INT_KEYS: Final = frozenset(
    {
        "server_port",
        "max_connections",
        "rate_limit_per_minute",
        "llm_bridge_timeout",
        "ollama_timeout",
        "cb_half_open_timeout",
        "cb_failure_threshold",
        "cb_reset_timeout",
        "cb_success_threshold",
    }
)
BOOL_KEYS: Final = frozenset(
    {
        "summarization_enabled",
        "pruning_enabled",
        "cors_enabled",
        "routing_auto_fallback",
        "routing_require_vision",
    }
)
FLOAT_KEYS: Final = frozenset({"routing_max_cost"})
LIST_KEYS: Final = frozenset({"additional_api_keys"})
JSON_KEYS: Final = frozenset({"llm_providers", "default_models"})
# The controller's access keys (facts.py) and v1's per-provider keys.
SECRET_V1_KEYS: Final = facts.CONTROLLER_SECRET_KEYS | frozenset(
    {"openai_api_key", "anthropic_api_key", "openrouter_api_key"}
)

# Sectioned TOML: table -> {key in that table -> flat key}. None: known, but v2 has no place.
SECTION_KEYS: Final[dict[str, dict[str, str | None]]] = {
    "server": {"host": "server_host", "port": "server_port", "cors_origins": None},
    "database": {"url": "database_url", "max_connections": "max_connections"},
    "chroma": {"url": "chroma_url", "collection_name": None},
    "llm_bridge": {"url": "llm_bridge_url", "timeout_secs": "llm_bridge_timeout"},
    "api": {
        "api_keys": "additional_api_keys",
        "rate_limit_per_minute": "rate_limit_per_minute",
        "cors_enabled": "cors_enabled",
    },
    # sekha-docker's config.prod.toml and install script wrote these tables.
    "ollama": {
        "url": "ollama_url",
        "model": "summarization_model",
        "embedding_model": "embedding_model",
        "timeout": "ollama_timeout",
    },
    "logging": {"level": "log_level"},
    "redis": {"url": None},
    # The compose names SEKHA__ROUTING__* and SEKHA__CIRCUIT_BREAKER__* (consumers.md 5).
    "routing": {
        "auto_fallback": "routing_auto_fallback",
        "max_cost_per_request": "routing_max_cost",
        "require_vision_for_images": "routing_require_vision",
    },
    "circuit_breaker": {
        "failure_threshold": "cb_failure_threshold",
        "reset_timeout": "cb_reset_timeout",
        "timeout_secs": "cb_reset_timeout",
        "success_threshold": "cb_success_threshold",
        "half_open_timeout": "cb_half_open_timeout",
    },
}

# The table a flat key would sit in if it were written in a sectioned file; a flat key found
# in any other table is still mapped, with a warning that names where it was.
HOME_SECTION: Final[dict[str, str]] = {
    flat: table for table, keys in SECTION_KEYS.items() for flat in keys.values() if flat
}

# Why a known key has no v2 home (said in the report next to the key).
UNMAPPABLE_REASONS: Final[dict[str, str]] = {
    "server.cors_origins": "v2 has cors_enabled only; the origin list has no v2 key",
    "chroma.collection_name": "v2 has no collection setting; Sekha uses its own collections",
    "redis.url": "the controller has no Redis setting; the bridge's Celery URLs are its own",
}

# Settings that are read and typed but have no key in the docker schema.
NO_HOME_REASONS: Final[dict[str, str]] = {
    "llm_bridge_timeout": "the controller's wait for the bridge: not a provider timeout, "
    "and the docker schema has no key for it",
    "cb_half_open_timeout": "the breaker's half-open timeout has no key in either v2 schema",
}

# Environment names that are not SEKHA_-prefixed: docker compose, the bridge, routing.
BARE_ENV_NAMES: Final[dict[str, str]] = {
    "OLLAMA_URL": "ollama_url",
    "OLLAMA_BASE_URL": "ollama_url",
    "BRIDGE_URL": "llm_bridge_url",  # docker-compose.v2.yml's controller service
    "SERVER_HOST": "server_host",
    "SERVER_PORT": "server_port",
    "LLM_PROVIDERS": "llm_providers",
    "DEFAULT_MODELS": "default_models",
    "EMBEDDING_MODEL": "embedding_model",
    "SUMMARIZATION_MODEL": "summarization_model",
    "CHAT_MODEL": "chat_model",
    "VISION_MODEL": "vision_model",
    "MCP_API_KEY": "mcp_api_key",
    "REST_API_KEY": "rest_api_key",
    "DATABASE_URL": "database_url",
    "CHROMA_URL": "chroma_url",
    "LLM_BRIDGE_URL": "llm_bridge_url",
    "LOG_LEVEL": "log_level",
    "CORS_ENABLED": "cors_enabled",
    "RATE_LIMIT_PER_MINUTE": "rate_limit_per_minute",
    "MAX_CONNECTIONS": "max_connections",
    "SUMMARIZATION_ENABLED": "summarization_enabled",
    "PRUNING_ENABLED": "pruning_enabled",
    "CB_FAILURE_THRESHOLD": "cb_failure_threshold",
    "CB_RESET_TIMEOUT": "cb_reset_timeout",
    "CB_SUCCESS_THRESHOLD": "cb_success_threshold",
    "CB_HALF_OPEN_TIMEOUT": "cb_half_open_timeout",
    "ROUTING_AUTO_FALLBACK": "routing_auto_fallback",
    "ROUTING_MAX_COST": "routing_max_cost",
    "ROUTING_REQUIRE_VISION_FOR_IMAGES": "routing_require_vision",
    "OPENAI_API_KEY": "openai_api_key",
    "ANTHROPIC_API_KEY": "anthropic_api_key",
    "OPENROUTER_API_KEY": "openrouter_api_key",
}

# SEKHA_ names that are not simply the flat key upper-cased.
SEKHA_ENV_ALIASES: Final[dict[str, str]] = {
    "api_key": "mcp_api_key",  # the docker examples' SEKHA_API_KEY
    "host": "server_host",
    "port": "server_port",
}

LOG_LEVELS: Final = ("debug", "info", "warn", "error")
_LOG_LEVEL_ALIASES: Final = {"warning": "warn", "trace": "debug", "critical": "error"}
_TRUE: Final = frozenset({"true", "1", "yes", "on"})
_FALSE: Final = frozenset({"false", "0", "no", "off"})


def flat_key_for_env(name: str) -> str | None:
    """The flat v1 key an environment variable sets, in any of the forms Sekha uses.

    `SEKHA__SERVER_PORT`, `SEKHA_SERVER_PORT`, `SEKHA__SERVER__PORT` (section form),
    bare compose names such as `OLLAMA_URL`, the bridge's `OLLAMA_BASE_URL`, and so on.
    """
    upper = name.upper()
    if upper in BARE_ENV_NAMES:
        return BARE_ENV_NAMES[upper]
    for prefix in ("SEKHA__", "SEKHA_"):
        if upper.startswith(prefix):
            rest = upper[len(prefix) :].lower()
            if "__" in rest:
                table, _, key = rest.partition("__")
                return SECTION_KEYS.get(table, {}).get(key)
            if rest in FLAT_KEYS:
                return rest
            return SEKHA_ENV_ALIASES.get(rest)
    return None



class V1ValueError(ValueError):
    """A v1 value that cannot be read as the type its key needs."""


def coerce_value(key: str, value: Any) -> Any:
    """Type a v1 value the way the controller's loader did: text from .env files becomes
    integers, booleans, lists and JSON; log levels land in the v2 enum."""
    if key in INT_KEYS:
        return _as_int(value)
    if key in BOOL_KEYS:
        return _as_bool(value)
    if key in FLOAT_KEYS:
        return _as_float(value)
    if key in LIST_KEYS:
        return _as_list(value)
    if key in JSON_KEYS:
        return _as_json(key, value)
    if key == "log_level":
        return normalise_log_level(value)
    if not isinstance(value, str):
        raise V1ValueError(f"expected text, got {_describe(value)}")
    return value


def normalise_log_level(value: Any) -> str:
    if not isinstance(value, str):
        raise V1ValueError(f"expected a log level, got {_describe(value)}")
    text = str(value).strip().lower()
    text = _LOG_LEVEL_ALIASES.get(text, text)
    if text not in LOG_LEVELS:
        raise V1ValueError(
            f"log level {_shown(value)} is not one of {', '.join(LOG_LEVELS)} (or warning, trace)"
        )
    return text


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise V1ValueError(f"expected a whole number, got {_describe(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip().replace("_", ""))
        except ValueError:
            raise V1ValueError(f"expected a whole number, got {_shown(value)}") from None
    raise V1ValueError(f"expected a whole number, got {_shown(value)}")


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise V1ValueError(f"expected true or false, got {_shown(value)}")


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        raise V1ValueError(f"expected a number, got {_describe(value)}")
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("", "none", "null"):
            return None
        try:
            number = float(text)
        except ValueError:
            raise V1ValueError(f"expected a number, got {_shown(value)}") from None
        if math.isfinite(number):
            return number
    raise V1ValueError(f"expected a number, got {_shown(value)}")


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            parsed = _parse_json(text)
            if isinstance(parsed, list) and all(isinstance(item, str) for item in parsed):
                return parsed
            raise V1ValueError("expected a JSON list of strings")
        return [item.strip() for item in text.split(",") if item.strip()]
    raise V1ValueError(f"expected a list of strings, got {_describe(value)}")


def _as_json(key: str, value: Any) -> Any:
    parsed = _parse_json(value) if isinstance(value, str) else value
    want = list if key == "llm_providers" else dict
    if not isinstance(parsed, want):
        kind = "a JSON list of providers" if want is list else "a JSON object"
        raise V1ValueError(f"expected {kind}, got {_describe(parsed)}")
    return parsed


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise V1ValueError(
            f"invalid JSON at character {exc.pos + 1}: {exc.msg}"
        ) from None
    except RecursionError:
        raise V1ValueError("the JSON is nested too deeply to read") from None
    except ValueError:  # int() refuses integers over 4300 digits
        raise V1ValueError("invalid JSON: a number with more than 4300 digits") from None


def _shown(value: Any) -> str:
    """A value for a message: short, and never failing (an integer of 5000 digits cannot
    even be turned into text)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return "a number far too large"
    text = repr(value)
    return text if len(text) <= 60 else text[:50] + "... (" + str(len(text)) + " characters)"


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if is_toml_datetime(value):
        return "a TOML date or time (quote it if it is meant as text)"
    return _shown(value)


def is_toml_datetime(value: Any) -> bool:
    return isinstance(value, (datetime.date, datetime.time))
