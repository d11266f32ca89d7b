"""Each Sekha component's loader, as data: which files it reads, which names, with which
defaults, and what it expands. The effective-configuration engine applies these rules, and
validate and migrate ask here; no other module keeps a copy of a loader rule.

Sources, with the upstream commit each fact was read at (see ../shared/reference/consumers.md):
- controller: sekha-controller `src/config.rs` (HEAD 9e9dca0, unchanged since f44a1b0) on
  config-rs 0.15, `src/main.rs` (dotenvy), `src/auth.rs` (the key length);
- bridge: sekha-llm-bridge `src/sekha_llm_bridge/config.py` and `main.py` (HEAD bd54220,
  config unchanged since 2d4f6fc);
- proxy: sekha-proxy `src/sekha_proxy/config.py` (HEAD 747975c).
"""

from __future__ import annotations

from typing import Any, Final

from sekha_migrate.model import facts

CONTROLLER, BRIDGE, PROXY = "controller", "bridge", "proxy"
COMPONENTS: Final = (CONTROLLER, BRIDGE, PROXY)

# ---- the controller (config-rs) ------------------------------------------------------------

# config-rs `File::with_name("config")` reads only the FIRST of these that exists, in each of
# the two places (the working directory, then ~/.sekha/, which overrides it).
CONTROLLER_FILE_ORDER: Final = (
    "config",
    "config.toml",
    "config.json",
    "config.yaml",
    "config.yml",
    "config.ini",
    "config.ron",
    "config.json5",
)
# The file formats this tool can read of them (the others are named, not parsed).
CONTROLLER_READABLE: Final = frozenset({"config.toml", "config.json", "config.yaml", "config.yml"})
CONTROLLER_WORKDIR: Final = "/app"  # the published image's working directory

# `Environment::with_prefix("SEKHA").separator("__")`: the prefix separator is `__` too, so
# only SEKHA__<KEY> is read; keys are lower-cased, and an empty value is a value ("").
CONTROLLER_ENV_PREFIX: Final = "SEKHA__"

# The public default key in config.rs: a controller given no key runs with it, and it
# authenticates every MCP call.
PUBLIC_DEFAULT_KEY: Final = "dev_default_key_change_me_1234567890"
# Keys Sekha's own repositories publish as examples, long enough to be accepted: a controller
# that runs with one authenticates anyone who has read them. sekha-docker docker/config.prod.toml
# (88fc155) and sekha-controller config.toml (e7ea985 and later): test_key_...; sekha-controller
# config.toml 3bfee75: dev_api_key_...; sekha-docker docker/.env.example (a218215): CHANGE_ME_...
PUBLISHED_KEYS: Final = frozenset({
    "test_key_12345678901234567890123456789012",
    "dev_api_key_12345678901234567890123456789012",
    "CHANGE_ME_32_CHARS_MINIMUM_REQUIRED",
})
# src/auth.rs: an MCP token is accepted only when it equals mcp_api_key and is 32+ long.
MIN_KEY_LENGTH: Final = 32

# `set_default` in config.rs, in its order; rest_api_key and additional_api_keys are
# serde-optional (rest falls back to mcp_api_key, additional to []).
CONTROLLER_DEFAULTS: Final[dict[str, Any]] = {
    "server_host": "127.0.0.1",
    "server_port": 8080,
    "max_connections": 10,
    "log_level": "info",
    "database_url": "sqlite://sekha.db",
    "ollama_url": "http://localhost:11434",
    "chroma_url": "http://localhost:8000",
    "llm_bridge_url": "http://localhost:5001",
    "embedding_model": "nomic-embed-text:latest",
    "summarization_model": "llama3.1:8b",
    "summarization_enabled": True,
    "pruning_enabled": True,
    "rate_limit_per_minute": 1000,
    "cors_enabled": True,
    "mcp_api_key": PUBLIC_DEFAULT_KEY,
    "rest_api_key": None,
    "additional_api_keys": [],
}
CONTROLLER_KEYS: Final = frozenset(CONTROLLER_DEFAULTS)
CONTROLLER_INT_KEYS: Final = frozenset({"server_port", "max_connections", "rate_limit_per_minute"})
# Their Rust types (config.rs: server_port u16, the others u32): config-rs 0.15.19 reads the
# text as a u64 and then narrows it, refusing a value too large for the field.
CONTROLLER_INT_BITS: Final[dict[str, int]] = {"server_port": 16, "max_connections": 32,
                                              "rate_limit_per_minute": 32}
CONTROLLER_BOOL_KEYS: Final = frozenset({"summarization_enabled", "pruning_enabled",
                                         "cors_enabled"})
# The controller's access keys: one list, in facts.py, for every reader.
CONTROLLER_SECRET_KEYS: Final = facts.CONTROLLER_SECRET_KEYS
# Lists: config-rs reads SEKHA__<KEY> as text (no list separator is set), and a text cannot
# become a list, so the controller stops at start. A list can only come from a file.
CONTROLLER_LIST_KEYS: Final = frozenset({"additional_api_keys"})
# Keys the controller holds but no code path uses (consumers.md section 1).
CONTROLLER_UNUSED: Final[dict[str, str]] = {
    "embedding_model": "read nowhere: the controller embeds with nomic-embed-text:latest",
}
# config-rs reads no ${VAR} in file values; dotenvy expands them inside a .env only.
CONTROLLER_EXPANDS_FILE_VALUES: Final = False
# dotenvy reads this file name in the working directory (or a parent), never `.env.example`.
CONTROLLER_DOTENV: Final = ".env"


def controller_env_key(name: str) -> str | None:
    """The controller key an environment name sets (`SEKHA__SERVER_PORT` -> server_port), or
    None when config-rs would give it to no field (one underscore, a section, a bare name)."""
    if not name.startswith(CONTROLLER_ENV_PREFIX):
        return None
    key = name[len(CONTROLLER_ENV_PREFIX):].lower()
    return key if key in CONTROLLER_KEYS else None


def controller_env_name(key: str) -> str:
    """The variable the controller reads for a key (mcp_api_key -> SEKHA__MCP_API_KEY)."""
    return f"{CONTROLLER_ENV_PREFIX}{key.upper()}"


# ---- the bridge (pydantic Settings) --------------------------------------------------------

BRIDGE_WORKDIR: Final = "/app"
BRIDGE_CONFIG_PATH_VARIABLE: Final = "CONFIG_PATH"
BRIDGE_DEFAULT_CONFIG_PATH: Final = "config.yaml"  # relative to the working directory
# Settings.from_env: the names it reads and the defaults it applies when CONFIG_PATH's file
# does not exist. CHAT_MODEL serves chat_small and chat_smart, and both chat defaults.
BRIDGE_FROM_ENV_DEFAULTS: Final[dict[str, str]] = {
    "OLLAMA_BASE_URL": "http://ollama:11434",
    "EMBEDDING_MODEL": "nomic-embed-text",
    "CHAT_MODEL": "llama3.1:8b",
    "VISION_MODEL": "",
    "HOST": "0.0.0.0",
    "PORT": "5001",
    "LOG_LEVEL": "INFO",
    "CELERY_BROKER_URL": "redis://localhost:6379/0",
    "CELERY_RESULT_BACKEND": "redis://localhost:6379/0",
}
BRIDGE_FROM_ENV_DIMENSION: Final = 768  # from_env writes 768 whatever the model
# The names only from_env reads: once CONFIG_PATH's file exists they configure nothing.
BRIDGE_FROM_ENV_ONLY: Final = ("OLLAMA_BASE_URL", "EMBEDDING_MODEL", "CHAT_MODEL",
                               "VISION_MODEL")
# The image runs `uvicorn ... --host 0.0.0.0 --port 5001`: server_host/server_port (YAML or
# HOST/PORT) apply only to `python main.py`.
BRIDGE_IMAGE_LISTEN: Final = ("0.0.0.0", 5001)
# A provider's api_key of exactly `${VAR}` is replaced by os.getenv(VAR) (None when unset);
# nothing else in the bridge's YAML is expanded.
BRIDGE_EXPANDS: Final = "a provider's api_key written as exactly ${VAR}"


def bridge_expands(path: tuple[str | int, ...], value: object = None) -> bool:
    """Whether the bridge expands `${VAR}` at this path of its YAML (and, given the value,
    whether it is written as exactly one `${VAR}`, the only form it expands as meant)."""
    at_key = len(path) == 3 and path[0] == "providers" and path[2] == "api_key"
    if value is None or not at_key:
        return at_key
    name = bridge_lookup_name(value)
    return name is not None and "${" not in name


def bridge_lookup_name(value: object) -> str | None:
    """The name the bridge passes to os.getenv for a provider's api_key, or None when it
    keeps the text. Its test is only `v.startswith("${") and v.endswith("}")` (config.py,
    ProviderConfig.expand_env_vars, 2d4f6fc), so `${A}${B}` looks up one variable named
    `A}${B`, which no environment sets: the provider runs with no key."""
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        return value[2:-1]
    return None


# ---- the proxy (dataclasses from os.getenv, after python-dotenv's load_dotenv) -------------

# name -> (setting, default text). load_dotenv() never overrides a variable already set.
PROXY_ENV: Final[dict[str, tuple[str, str | None]]] = {
    "PROXY_HOST": ("proxy.host", "0.0.0.0"),
    "PROXY_PORT": ("proxy.port", "8081"),
    "LLM_BRIDGE_URL": ("llm.bridge_url", "http://localhost:5001"),
    "LLM_TIMEOUT": ("llm.timeout", "120"),
    "PREFERRED_CHAT_MODEL": ("llm.preferred_chat_model", None),
    "PREFERRED_EMBEDDING_MODEL": ("llm.preferred_embedding_model", None),
    "PREFERRED_VISION_MODEL": ("llm.preferred_vision_model", None),
    "CONTROLLER_URL": ("controller.url", "http://localhost:8080"),
    "CONTROLLER_API_KEY": ("controller.api_key", ""),
    "CONTROLLER_TIMEOUT": ("controller.timeout", "30"),
    "AUTO_INJECT_CONTEXT": ("memory.auto_inject_context", "true"),
    "CONTEXT_TOKEN_BUDGET": ("memory.context_token_budget", "2000"),
    "CONTEXT_LIMIT": ("memory.context_limit", "5"),
    "DEFAULT_FOLDER": ("memory.default_folder", "/auto-captured"),
    "PREFERRED_LABELS": ("memory.preferred_labels", ""),
    "EXCLUDED_FOLDERS": ("memory.excluded_folders", ""),
    "EXCLUDE_FROM_AI_CONTEXT": ("privacy.exclude_from_ai_context", "false"),
}
PROXY_INT_NAMES: Final = frozenset({"PROXY_PORT", "LLM_TIMEOUT", "CONTROLLER_TIMEOUT",
                                    "CONTEXT_TOKEN_BUDGET", "CONTEXT_LIMIT"})
PROXY_BOOL_NAMES: Final = frozenset({"AUTO_INJECT_CONTEXT", "EXCLUDE_FROM_AI_CONTEXT"})
PROXY_LIST_NAMES: Final = frozenset({"PREFERRED_LABELS", "EXCLUDED_FOLDERS"})
PROXY_SECRET_NAMES: Final = frozenset({"CONTROLLER_API_KEY"})

# What each consumer expands of `${VAR}` in the files it reads, in words for messages.
EXPANDS: Final[dict[str, str]] = {
    CONTROLLER: "nothing: a ${VAR} in its file is taken as literal text",
    BRIDGE: BRIDGE_EXPANDS,
    PROXY: "nothing (it reads its environment only)",
}


def reads_name(component: str, name: str) -> bool:
    """Whether `component` reads the environment variable `name` at all."""
    if component == CONTROLLER:
        return controller_env_key(name) is not None
    if component == BRIDGE:
        return name in BRIDGE_FROM_ENV_DEFAULTS or name == BRIDGE_CONFIG_PATH_VARIABLE
    return name in PROXY_ENV
