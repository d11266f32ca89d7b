"""The v1 configuration: the controller's flat keys, the sectioned TOML tables, the names
the same settings go by in environment files, and how their text values are typed.

Pure data and pure functions; `sources` read the files, `migrate` decides what to do.
"""

from __future__ import annotations

import datetime
import json
import math
from dataclasses import dataclass, field
from typing import Any, Final

from sekha_migrate.model import loaders
from sekha_migrate.model.loaders import BRIDGE, COMPONENTS, CONTROLLER, PROXY

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
SECRET_V1_KEYS: Final = frozenset(
    {
        "mcp_api_key",
        "rest_api_key",
        "additional_api_keys",
        "openai_api_key",
        "anthropic_api_key",
        "openrouter_api_key",
    }
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


# ---- components: which Sekha program reads a name ----------------------------------------

# Settings each program has for itself: from a bridge or proxy source they are that
# program's, never the controller's (the bridge's SEKHA_PORT=5001 is not server_port).
LOCAL_SETTINGS: Final = frozenset({"server_host", "server_port", "log_level", "max_connections"})

# Component keys that have a home in that component's v2 file (the bridge YAML, section 4).
COMPONENT_HOMES: Final[dict[str, frozenset[str]]] = {
    CONTROLLER: frozenset(),
    BRIDGE: frozenset({"server_host", "server_port", "log_level", "max_connections",
                       "celery_broker_url", "celery_result_backend"}),
    PROXY: frozenset(),
}

# The bridge's own names, in every era (consumers.md section 2): name -> (flat setting it
# shares with the docker document, or None; key of the bridge's own settings, or None).
BRIDGE_ENV_NAMES: Final[dict[str, tuple[str | None, str | None]]] = {
    "HOST": (None, "server_host"),
    "PORT": (None, "server_port"),
    "WORKERS": (None, "workers"),
    "OLLAMA_BASE_URL": ("ollama_url", None),
    "OLLAMA_TIMEOUT": ("ollama_timeout", None),
    "CHAT_MODEL": ("chat_model", None),
    "VISION_MODEL": ("vision_model", None),
    "EXTRACTION_MODEL": (None, "extraction_model"),
    "CONFIG_PATH": (None, "config_path"),
    "REDIS_URL": (None, "redis_url"),
    "CELERY_BROKER_URL": (None, "celery_broker_url"),
    "CELERY_RESULT_BACKEND": (None, "celery_result_backend"),
    "SEKHA_OLLAMA_HOST": ("ollama_url", None),
    "SEKHA_OLLAMA_BASE_URL": ("ollama_url", None),
    "SEKHA_DEFAULT_EMBED_MODEL": ("embedding_model", None),
    "SEKHA_DEFAULT_SUMMARIZE_MODEL": ("summarization_model", None),
    "SEKHA_DEFAULT_IMPORTANCE_MODEL": (None, "importance_model"),
    "SEKHA_REDIS_URL": (None, "redis_url"),
    "SEKHA_CELERY_BROKER_URL": (None, "celery_broker_url"),
    "SEKHA_CELERY_RESULT_BACKEND": (None, "celery_result_backend"),
    "SEKHA_ENABLE_CELERY": (None, "enable_celery"),
    "BRIDGE_LOG_LEVEL": (None, "log_level"),  # docker-compose.full.yml
    "BRIDGE_WORKERS": (None, "workers"),
}
# Generic names that are the bridge's only in a bridge's own file or service.
_GENERIC_BRIDGE_NAMES: Final = frozenset({
    "HOST", "PORT", "WORKERS", "CONFIG_PATH", "REDIS_URL", "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
})
# Names that mean the bridge's Ollama only inside a bridge service (Ollama's own server
# reads OLLAMA_HOST as its listen address).
BRIDGE_CONTEXT_NAMES: Final[dict[str, str]] = {"OLLAMA_HOST": "ollama_url"}

# Names seen in Sekha's files that no Sekha program reads: dead configuration.
DEAD_NAMES: Final[dict[str, str]] = {
    "SEKHA_API_KEYS": "no Sekha program reads SEKHA_API_KEYS (the v1 controller read "
    "SEKHA__ADDITIONAL_API_KEYS), so v1 ran without these keys; add them to "
    "additional_api_keys if they are meant",
}

# sekha-proxy's names (sekha-proxy config.py, and the MEMORY_ forms of the compose files).
# Names whose program depends on who reads them: a proxy's LLM_BRIDGE_URL is its own.
_CONTEXT_NAMES: Final = frozenset({"LLM_BRIDGE_URL"})
# sekha-proxy's names (loaders.PROXY_ENV), and the older LLM_ / MEMORY_ forms of the
# compose files.
PROXY_ENV_NAMES: Final = (frozenset(loaders.PROXY_ENV) - _CONTEXT_NAMES) | frozenset({
    "LLM_URL", "LLM_PROVIDER", "MEMORY_AUTO_INJECT_CONTEXT", "MEMORY_DEFAULT_FOLDER",
    "MEMORY_CONTEXT_TOKEN_BUDGET", "MEMORY_EXCLUDED_FOLDERS",
})
INDEXED_SETTINGS: Final = frozenset({"llm_providers", "default_models"})


@dataclass(frozen=True)
class EnvMeaning:
    """What an environment name sets, for which program, and whether v1 read it."""

    setting: str | None = None  # the flat setting of the docker document
    component: str = CONTROLLER
    component_key: str | None = None  # a setting the component keeps for itself
    index_path: tuple[str | int, ...] = ()  # SEKHA__LLM_PROVIDERS__0__API_KEY: (0, "api_key")
    never_read: bool = False  # a name the v1 controller never read (SEKHA_SERVER_PORT)


def meaning_of_env(name: str, component: str = CONTROLLER) -> EnvMeaning:
    """The meaning of `name` in a source that belongs to `component`."""
    upper = name.upper()
    if upper in PROXY_ENV_NAMES or (component == PROXY and upper in _CONTEXT_NAMES):
        return EnvMeaning(component=PROXY, component_key=upper.lower())
    if upper in _GENERIC_BRIDGE_NAMES and component != BRIDGE:
        return EnvMeaning(component=component)  # the controller's REDIS_URL is not Sekha's
    if upper in BRIDGE_ENV_NAMES:
        setting, key = BRIDGE_ENV_NAMES[upper]
        return EnvMeaning(setting, BRIDGE, key)
    if component == BRIDGE and upper in BRIDGE_CONTEXT_NAMES:
        return EnvMeaning(BRIDGE_CONTEXT_NAMES[upper], BRIDGE)
    indexed = _indexed(upper)
    if indexed is not None:
        return indexed
    setting = flat_key_for_env(upper)
    if setting is None:
        return EnvMeaning(component=component)
    if component != CONTROLLER and setting in LOCAL_SETTINGS:
        return EnvMeaning(component=component, component_key=setting)
    never_read = (component == CONTROLLER and setting in loaders.CONTROLLER_KEYS
                  and loaders.controller_env_key(upper) is None)
    return EnvMeaning(setting, component, never_read=never_read)


def _indexed(upper: str) -> EnvMeaning | None:
    rest = upper[len("SEKHA__"):] if upper.startswith("SEKHA__") else upper
    parts = rest.lower().split("__")
    if len(parts) < 2 or parts[0] not in INDEXED_SETTINGS or not all(parts):
        return None
    path = tuple(int(part) if part.isdigit() else part for part in parts[1:])
    return EnvMeaning(parts[0], index_path=path)


# ---- an environment read without its service name ------------------------------------------

# Names each program reads as written (loaders.py holds each loader's own names; the older
# eras of the bridge and proxy add theirs). The controller reads SEKHA__<KEY> only.
_BRIDGE_READS: Final = frozenset({
    *BRIDGE_ENV_NAMES, *loaders.BRIDGE_FROM_ENV_DEFAULTS,
    "SEKHA_HOST", "SEKHA_PORT",  # the bridge of 868d13d, with its SEKHA_ prefix
    "SUMMARIZATION_MODEL",  # the bridge of da6b9b2
}) - _GENERIC_BRIDGE_NAMES
_PROXY_READS: Final = PROXY_ENV_NAMES | frozenset(loaders.PROXY_ENV)
# SEKHA__HOST / SEKHA__PORT name no field of the controller and are not the bridge's HOST /
# PORT either, yet docker-compose.v2.yml gives them to the bridge: beside names of both
# programs, nothing says whose port they are.
_EITHER_SERVER: Final = frozenset({"server_host", "server_port"})


def readers_of_env_name(name: str) -> tuple[frozenset[str], frozenset[str]]:
    """The programs that read `name` as written, and, when none does, the programs whose
    setting it names (SEKHA_SERVER_PORT names the controller's port, which it never read).
    Both empty: the name says nothing of its program (provider JSON, CB_*, unrelated names)."""
    upper = name.upper()
    readers = {program for program, reads in (
        (CONTROLLER, loaders.controller_env_key(upper) is not None),
        (BRIDGE, upper in _BRIDGE_READS),
        (PROXY, upper in _PROXY_READS),
    ) if reads}
    if readers:
        return frozenset(readers), frozenset()
    setting = flat_key_for_env(upper)
    alias = upper.startswith("SEKHA__") and upper[len("SEKHA__"):].lower() in SEKHA_ENV_ALIASES
    if alias and setting in _EITHER_SERVER:
        return frozenset(), frozenset({CONTROLLER, BRIDGE})
    if setting in loaders.CONTROLLER_KEYS:
        return frozenset(), frozenset({CONTROLLER})
    return frozenset(), frozenset()


@dataclass(frozen=True)
class EnvComponents:
    """Which program an environment file read without its service name is for, decided
    from the names it holds, and why (said in the output, never assumed)."""

    component: str | None  # the one program it is for; None: split by name, or no Sekha name
    reason: str  # why, for the report; "" when there is nothing to say
    by_name: dict[str, str] = field(default_factory=dict)  # a split file: name -> program
    ambiguous: tuple[str, ...] = ()  # names more than one program could mean; refused

    def component_of(self, name: str) -> str:
        """The program whose meaning of `name` applies. Names that say nothing of their
        program (provider JSON, CB_*) set the v2 document whatever the program."""
        return self.by_name.get(name.upper(), self.component or CONTROLLER)


def components_of_env(names: list[str]) -> EnvComponents:
    """Each name to the program that reads it: one program for the whole file when its
    names agree, else a split by name. Names of a setting every program has for itself
    (a port, a log level) follow the file's other names; alone, they decide by who reads
    them. A name that two programs could mean, where the file does not say which, is
    ambiguous."""
    decided: dict[str, str] = {}
    local: dict[str, frozenset[str]] = {}
    unsure: list[str] = []
    for name in dict.fromkeys(name.upper() for name in names):
        readers, aims = readers_of_env_name(name)
        candidates = readers or aims
        if name in _GENERIC_BRIDGE_NAMES or flat_key_for_env(name) in LOCAL_SETTINGS:
            local[name] = candidates or frozenset({BRIDGE})
        elif len(candidates) == 1:
            decided[name] = next(iter(candidates))
        elif candidates:
            unsure.append(name)
    programs = {*decided.values()}
    if len(programs) == 1:
        decided.update(dict.fromkeys(local, next(iter(programs))))
    else:
        for name, candidates in local.items():
            if len(candidates) == 1:
                decided[name] = next(iter(candidates))
            else:
                unsure.append(name)
    programs = {*decided.values()}
    owned = {p: [n for n, o in decided.items() if o == p] for p in COMPONENTS if p in programs}
    if len(owned) == 1:
        [(program, shown)] = owned.items()
        return EnvComponents(program, f"is read as the {program}'s environment: "
                             f"{_names(shown)} {_are(shown)} the {program}'s",
                             ambiguous=tuple(unsure))
    if not owned:
        return EnvComponents(None, "", ambiguous=tuple(unsure))
    parts = [f"the {p}'s ({_names(shown)})" for p, shown in owned.items()]
    return EnvComponents(None, "holds names of " + _listed(parts) + ": each name is read "
                         "as the program that reads it", decided, tuple(unsure))


def env_spellings(setting: str) -> dict[str, str]:
    """The names each program reads for `setting` from its environment: SEKHA__SERVER_PORT
    for the controller, PORT for the bridge (its from_env names)."""
    spelled = {}
    if setting in loaders.CONTROLLER_KEYS:
        spelled[CONTROLLER] = loaders.CONTROLLER_ENV_PREFIX + setting.upper()
    for name, (_, key) in BRIDGE_ENV_NAMES.items():
        if key == setting and name in loaders.BRIDGE_FROM_ENV_DEFAULTS:
            spelled[BRIDGE] = name
    if setting == "log_level":
        spelled[BRIDGE] = "LOG_LEVEL"
    return spelled


def _names(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _are(names: list[str]) -> str:
    return "is" if len(names) == 1 else "are"


def _listed(parts: list[str]) -> str:
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


def component_of_service(name: str, image: str, build: str) -> str | None:
    """A compose service's program, by its name, image or build context; None: not Sekha."""
    text = f"{name} {image} {build}".lower()
    if "proxy" in text:
        return PROXY
    if "bridge" in text or "sekha-mcp" in text:
        return BRIDGE
    if "controller" in text or "sekha-core" in text:
        return CONTROLLER
    return None


def is_sekha_env_name(name: str) -> bool:
    """The names the controller itself reads from its process environment."""
    return name.upper().startswith("SEKHA_")


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
