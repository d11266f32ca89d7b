"""The bridge's loader (sekha-llm-bridge `config.py` and `main.py`, HEAD bd54220; config
unchanged since 2d4f6fc), as it runs.

`CONFIG_PATH` (default `config.yaml`, relative to the working directory) names a YAML read
with `yaml.safe_load` into `Settings(**data)`; when that file does not exist, `from_env`
builds one Ollama provider from OLLAMA_BASE_URL, EMBEDDING_MODEL, CHAT_MODEL and
VISION_MODEL. The bridge loads no `.env`. In its YAML only a provider's api_key written as
exactly `${VAR}` is expanded (to None when VAR is unset).
"""

from __future__ import annotations

from typing import Any

from sekha_migrate.effective.files import FileView, ReadFile
from sekha_migrate.effective.values import Collected, EffectiveConfig, Environment, Layers, Unread
from sekha_migrate.findings import Finding, Severity, format_path
from sekha_migrate.model import facts, loaders
from sekha_migrate.model.placeholders import placeholder_names
from sekha_migrate.origin import Origin

DEFAULT_ORIGIN = Origin(None, key="the bridge's default (config.py)")
FROM_ENV_ORIGIN = Origin(None, key="the bridge's from_env")
_PROVIDER_DEFAULTS = {"api_key": None, "priority": facts.DEFAULT_PRIORITY,
                      "timeout_secs": facts.DEFAULT_PROVIDER_TIMEOUT}
_MODEL_DEFAULTS = {"context_window": facts.DEFAULT_CONTEXT_WINDOW, "dimension": None,
                   "supports_vision": False, "supports_audio": False,
                   "supports_function_calling": False}
_REQUIRED_PROVIDER = ("id", "provider_type", "base_url", "models")


def resolve_bridge(files: FileView, environment: Environment, *,
                   service: str | None = None) -> EffectiveConfig:
    """What the bridge runs with, started in `files`' working directory with
    `environment` (nothing else: it reads no .env)."""
    found = Collected()
    config_path = environment.get(loaders.BRIDGE_CONFIG_PATH_VARIABLE)
    name = config_path.value if config_path else loaders.BRIDGE_DEFAULT_CONFIG_PATH
    if not name or not files.exists(name):
        layers = _from_env(environment, found)
        if config_path is not None:
            found.unread.append(Unread(files.shown(name), "CONFIG_PATH names a file that does "
                                       "not exist: the bridge builds its settings from_env",
                                       config_path.origin))
        mode = "from_env (no YAML at CONFIG_PATH)"
    else:
        read = files.read(name)
        assert read is not None
        layers = _from_yaml(read, environment, found)
        mode = f"YAML at CONFIG_PATH ({name})"
        for variable in ("OLLAMA_BASE_URL", "EMBEDDING_MODEL", "CHAT_MODEL", "VISION_MODEL",
                         "HOST", "PORT", "LOG_LEVEL"):
            if variable in environment:
                found.unread.append(Unread(variable, "read only by from_env, which does not "
                                           "run while the YAML exists",
                                           environment[variable].origin))
    for key in ("server_host", "server_port"):
        if layers.get(key) is not None:
            layers.note(key, "the published image runs uvicorn --host 0.0.0.0 --port 5001 "
                        "whatever this says; it applies to `python main.py` only")
    return EffectiveConfig("bridge", layers.result(), mode=mode,
                           files_read=tuple(found.files_read), unread=tuple(found.unread),
                           findings=tuple(found.findings), service=service)


# ---- from_env -------------------------------------------------------------------------------


def _from_env(environment: Environment, found: Collected) -> Layers:
    layers = Layers()
    read: dict[str, tuple[str, Origin]] = {}
    for name, default in loaders.BRIDGE_FROM_ENV_DEFAULTS.items():
        variable = environment.get(name)
        read[name] = ((variable.value, variable.origin) if variable is not None
                      else (default, FROM_ENV_ORIGIN))
    url, chat, embed = read["OLLAMA_BASE_URL"], read["CHAT_MODEL"], read["EMBEDDING_MODEL"]
    vision_text, vision_origin = read["VISION_MODEL"]
    vision = vision_text if vision_text.strip() and vision_text.lower() != "none" else None
    layers.set("version", "2.0", FROM_ENV_ORIGIN)
    base = "providers[0]"
    for key, value in (("id", "ollama"), ("provider_type", "ollama"), ("priority", 1),
                       ("timeout_secs", 120), ("api_key", None)):
        layers.set(f"{base}.{key}", value, FROM_ENV_ORIGIN)
    layers.set(f"{base}.base_url", url[0], url[1])
    models = [(embed, "embedding"), (chat, "chat_small"), (chat, "chat_smart")]
    if vision is not None:
        models.append(((vision, vision_origin), "vision"))
    for index, ((model_id, origin), task) in enumerate(models):
        at = f"{base}.models[{index}]"
        layers.set(f"{at}.model_id", model_id, origin)
        layers.set(f"{at}.task", task, FROM_ENV_ORIGIN)
        layers.set(f"{at}.context_window", 8192, FROM_ENV_ORIGIN)
        for field_name, field_default in _MODEL_DEFAULTS.items():
            if field_name != "context_window":
                layers.set(f"{at}.{field_name}", field_default, DEFAULT_ORIGIN)
        if task == "embedding":
            layers.set(f"{at}.dimension", loaders.BRIDGE_FROM_ENV_DIMENSION, FROM_ENV_ORIGIN,
                       "from_env writes 768 whatever the model makes")
        elif task == "vision":
            layers.set(f"{at}.supports_vision", True, FROM_ENV_ORIGIN)
    layers.set("default_models.embedding", embed[0], embed[1])
    layers.set("default_models.chat_fast", chat[0], chat[1], "CHAT_MODEL serves both chat roles")
    layers.set("default_models.chat_smart", chat[0], chat[1], "CHAT_MODEL serves both chat roles")
    layers.set("default_models.chat_vision", vision_text or None, vision_origin)
    _routing(layers, {})
    for key, name in (("server_host", "HOST"), ("log_level", "LOG_LEVEL"),
                      ("celery_broker_url", "CELERY_BROKER_URL"),
                      ("celery_result_backend", "CELERY_RESULT_BACKEND")):
        layers.set(key, read[name][0], read[name][1])
    port_text, port_origin = read["PORT"]
    try:
        layers.set("server_port", int(port_text), port_origin)
    except ValueError:
        layers.set("server_port", port_text, port_origin)
        found.findings.append(_would_not_start(f"PORT={port_text!r} is not a whole number",
                                               port_origin))
    layers.set("max_connections", facts.BRIDGE_SETTINGS["max_connections"], FROM_ENV_ORIGIN)
    for name in ("OLLAMA_BASE_URL", "CHAT_MODEL", "EMBEDDING_MODEL"):
        variable = environment.get(name)
        if variable is not None and not variable.value.strip():
            layers.note(_FROM_ENV_KEYS[name], f"{name} is set but empty: the bridge uses \"\", "
                        "not its default")
    return layers


_FROM_ENV_KEYS = {"OLLAMA_BASE_URL": "providers[0].base_url",
                  "CHAT_MODEL": "default_models.chat_fast",
                  "EMBEDDING_MODEL": "default_models.embedding"}


# ---- the YAML -------------------------------------------------------------------------------


def _from_yaml(read: ReadFile, environment: Environment, found: Collected) -> Layers:
    layers = Layers()
    path = read.path
    found.files_read.append(path)
    if read.problem is not None:
        found.findings.append(_would_not_start(read.problem.message, Origin(
            path, read.problem.line, read.problem.column)))
        return layers
    data = read.data if isinstance(read.data, dict) else {}
    if not isinstance(read.data, dict):
        found.findings.append(_would_not_start("the YAML is not a mapping", Origin(path, 1, 1)))

    def origin(at: tuple[str | int, ...]) -> Origin:
        mark = read.mark_for(at)
        return Origin(path, mark.line if mark else None, mark.column if mark else None,
                      format_path(at)[2:])

    def put(key: str, at: tuple[str | int, ...], container: Any, field: str,
            default: Any, default_origin: Origin = DEFAULT_ORIGIN) -> None:
        if isinstance(container, dict) and field in container:
            layers.set(key, container[field], origin((*at, field)))
        else:
            layers.set(key, default, default_origin)

    put("version", (), data, "version", "2.0")
    _providers(data, layers, environment, found, origin, put, path)
    defaults = data.get("default_models")
    for role in facts.DEFAULT_ROLES:
        put(f"default_models.{role}", ("default_models",), defaults, role, None)
    _routing(layers, data, origin)
    for key, default in facts.BRIDGE_SETTINGS.items():
        put(key, (), data, key, default)
    for key in data:
        if key not in {"version", "providers", "default_models", "routing",
                       *facts.BRIDGE_SETTINGS}:
            found.unread.append(Unread(str(key), "pydantic ignores keys the bridge does not "
                                       "declare", origin((key,))))
    return layers


def _providers(data: dict[str, Any], layers: Layers, environment: Environment,
               found: Collected, origin: Any, put: Any, path: str) -> None:
    providers = data.get("providers")
    if not isinstance(providers, list) or not providers:
        why = ("`providers` is missing" if "providers" not in data else
               "`providers` must be a non-empty list")
        if "llm_providers" in data:
            why += " (this file is in the docker dialect: the bridge reads providers / " \
                   "provider_type, and ignores llm_providers)"
        found.findings.append(_would_not_start(why, origin(("providers",)) if "providers" in
                                               data else Origin(path, 1, 1)))
        return
    for index, provider in enumerate(providers):
        at: tuple[str | int, ...] = ("providers", index)
        base = f"providers[{index}]"
        if not isinstance(provider, dict):
            found.findings.append(_would_not_start(f"{base} is not a mapping", origin(at)))
            continue
        missing = [key for key in _REQUIRED_PROVIDER if key not in provider]
        if missing:
            found.findings.append(_would_not_start(
                f"{base} has no {', '.join(missing)}"
                + (" (it says `type`: the bridge needs provider_type)" if "type" in provider
                   else ""), origin(at)))
        elif provider["provider_type"] not in facts.PROVIDER_TYPES:
            found.findings.append(_would_not_start(
                f"{base}.provider_type {provider['provider_type']!r} is not one of "
                f"{', '.join(facts.PROVIDER_TYPES)}", origin((*at, "provider_type"))))
        for key in ("id", "provider_type", "base_url"):
            if key in provider:
                layers.set(f"{base}.{key}", provider[key], origin((*at, key)))
        for key, default in _PROVIDER_DEFAULTS.items():
            put(f"{base}.{key}", at, provider, key, default)
        _expand_api_key(layers, base, provider, environment)
        for m_index, model in enumerate(provider.get("models") or []):
            _model(layers, found, origin, put, (*at, "models", m_index), model)


def _expand_api_key(layers: Layers, base: str, provider: dict[str, Any],
                    environment: Environment) -> None:
    """`${VAR}` as the whole value becomes os.getenv(VAR); any other `${` stays text."""
    value = provider.get("api_key")
    key = f"{base}.api_key"
    if not isinstance(value, str) or not placeholder_names(value):
        return
    setting = layers.get(key)
    assert setting is not None
    name = loaders.bridge_lookup_name(value)
    if name is None:
        layers.note(key, "taken literally: the bridge expands only a whole-value ${VAR}")
        return
    variable = None if "${" in name else environment.get(name)
    if variable is not None:
        layers.set(key, variable.value, variable.origin, f"expanded from {value}")
    elif "${" in name:
        layers.set(key, None, setting.origin,
                   f"the bridge looks up one variable named {name!r} (it expands only a "
                   "whole-value ${VAR}): the provider gets no key")
    else:
        layers.set(key, None, setting.origin,
                   f"{name} is not set where the bridge runs: the provider gets no key")


def _model(layers: Layers, found: Collected, origin: Any, put: Any,
           at: tuple[str | int, ...], model: Any) -> None:
    base = format_path(at)[2:]
    if not isinstance(model, dict):
        found.findings.append(_would_not_start(f"{base} is not a mapping", origin(at)))
        return
    for key in ("model_id", "task"):
        if key in model:
            layers.set(f"{base}.{key}", model[key], origin((*at, key)))
        else:
            found.findings.append(_would_not_start(f"{base} has no {key}", origin(at)))
    if "task" in model and model["task"] not in facts.BRIDGE_TASKS:
        found.findings.append(_would_not_start(f"{base}.task {model['task']!r} is not one of "
                                               f"{', '.join(facts.BRIDGE_TASKS)}",
                                               origin((*at, "task"))))
    if model.get("task") == "embedding" and "dimension" in model and model["dimension"] is None:
        found.findings.append(_would_not_start(f"{base}.dimension is null: pydantic requires "
                                               "a dimension for an embedding model",
                                               origin((*at, "dimension"))))
    for key, default in _MODEL_DEFAULTS.items():
        put(f"{base}.{key}", at, model, key, default)


def _routing(layers: Layers, data: dict[str, Any], origin: Any = None) -> None:
    routing = data.get("routing") if isinstance(data.get("routing"), dict) else {}
    assert isinstance(routing, dict)
    breaker = routing.get("circuit_breaker")
    breaker = breaker if isinstance(breaker, dict) else {}
    for key, default in facts.DEFAULT_ROUTING.items():
        if key in routing and origin is not None:
            layers.set(f"routing.{key}", routing[key], origin(("routing", key)))
        else:
            layers.set(f"routing.{key}", default, DEFAULT_ORIGIN)
    for key, default in facts.DEFAULT_BREAKER.items():
        if key in breaker and origin is not None:
            layers.set(f"routing.circuit_breaker.{key}", breaker[key],
                       origin(("routing", "circuit_breaker", key)))
        else:
            layers.set(f"routing.circuit_breaker.{key}", default, DEFAULT_ORIGIN)


def _would_not_start(message: str, origin: Origin) -> Finding:
    return Finding(Severity.ERROR, "would-not-start",
                   f"the bridge would stop at start: {message}",
                   file=origin.file, line=origin.line, column=origin.column)
