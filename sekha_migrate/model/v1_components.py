"""Which Sekha program reads an environment name: the controller, the bridge or the proxy,
in a source that belongs to one of them or in one read without its service name.

Pure data and pure functions over the v1 names (model/v1.py) and each loader's own names
(model/loaders.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from sekha_migrate.model import loaders
from sekha_migrate.model.loaders import BRIDGE, COMPONENTS, CONTROLLER, PROXY
from sekha_migrate.model.v1 import SEKHA_ENV_ALIASES, flat_key_for_env

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


TOOL_ENV_PREFIX = "SEKHA_MIGRATE_"  # this tool's own switches (SEKHA_MIGRATE_NO_CACHE)


def is_sekha_env_name(name: str) -> bool:
    """The names the controller itself reads from its process environment; this tool's own
    switches share the prefix and are no Sekha setting."""
    upper = name.upper()
    return upper.startswith("SEKHA_") and not upper.startswith(TOOL_ENV_PREFIX)
