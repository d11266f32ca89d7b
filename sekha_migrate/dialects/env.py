"""The `env` dialect: the docker compose environment form (sekha-docker docker-compose.v2.yml
and .env.v2.example). The registry travels as JSON in `SEKHA__LLM_PROVIDERS` and
`SEKHA__DEFAULT_MODELS` (docker-schema objects; the compose file hands them to the
controller as LLM_PROVIDERS / DEFAULT_MODELS), routing and breaker as `SEKHA__ROUTING__*`
and `SEKHA__CIRCUIT_BREAKER__*`, and the controller's own settings as `SEKHA__<KEY>`
(read by the controller's environment loader)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from typing import Any, Final

from sekha_migrate.dialects import docker
from sekha_migrate.dialects.base import Dropped, Spelling, Written
from sekha_migrate.model import facts, loaders
from sekha_migrate.model.config import SekhaConfig
from sekha_migrate.model.placeholders import placeholder_names

PROVIDERS: Final = "SEKHA__LLM_PROVIDERS"
DEFAULT_MODELS: Final = "SEKHA__DEFAULT_MODELS"
# Routing and breaker names, as docker-compose.v2.yml spells them -> (section, key).
ROUTING_NAMES: Final[dict[str, tuple[str, str]]] = {
    "SEKHA__ROUTING__AUTO_FALLBACK": ("routing", "auto_fallback"),
    "SEKHA__ROUTING__MAX_COST_PER_REQUEST": ("routing", "max_cost_per_request"),
    "SEKHA__CIRCUIT_BREAKER__FAILURE_THRESHOLD": ("circuit_breaker", "failure_threshold"),
    "SEKHA__CIRCUIT_BREAKER__RESET_TIMEOUT": ("circuit_breaker", "timeout_secs"),
}
CONTROLLER_PREFIX: Final = "SEKHA__"


def controller_name(key: str) -> str:
    return f"{CONTROLLER_PREFIX}{key.upper()}"


def write(config: SekhaConfig, source: Spelling | None = None) -> Written:
    """The names and values, in order, as a `Written` whose document maps name -> value
    (`render` turns it into .env text). Built on the docker writer: the JSON values are
    docker-schema objects."""
    base = docker.write(config, source)
    doc = base.document
    dropped = list(base.dropped)
    values: dict[str, Any] = {PROVIDERS: doc.get("llm_providers", [])}
    if "default_models" in doc:
        values[DEFAULT_MODELS] = doc["default_models"]
    routing = doc.get("routing") or {}
    breaker = routing.get("circuit_breaker") or {}
    for name, (section, key) in ROUTING_NAMES.items():
        holder = breaker if section == "circuit_breaker" else routing
        if holder.get(key) is not None:
            values[name] = holder[key]
    for key in routing:
        if key not in ("auto_fallback", "max_cost_per_request", "circuit_breaker"):
            dropped.append(Dropped(("routing", key), f"routing.{key} has no name in the compose "
                                   "environment; the consumer's default applies"))
    for key in breaker:
        if key not in ("failure_threshold", "timeout_secs"):
            dropped.append(Dropped(("routing", "circuit_breaker", key),
                                   f"routing.circuit_breaker.{key} has no name in the compose "
                                   "environment; the consumer's default applies"))
    for key in (*facts.CONTROLLER_SETTINGS, *config.extra):
        if key in loaders.CONTROLLER_LIST_KEYS and key in doc:
            dropped.append(Dropped((key,), f"{key} cannot be given as {controller_name(key)}: "
                                   "the controller reads a variable as text and stops at start "
                                   "on a list; keep it in the controller's config file"))
        elif key in doc and key not in ("version",):
            values[controller_name(key)] = doc[key]
    for key in config.bridge:
        if key in doc:  # the Celery URLs: the bridge reads them from its own environment
            dropped.append(Dropped((key,), f"{key} is the bridge's setting; give it to the "
                                   "bridge's service, not in the compose environment"))
    return Written("env", values, tuple(dropped), base.filled, {})


def render(
    values: Mapping[str, Any], header: list[str], absent: Mapping[str, str] | None = None
) -> str:
    """.env text: JSON in single quotes (taken literally by compose and python-dotenv, so
    `${VAR}` inside reaches the consumer as written); other values plain or double-quoted
    (so compose expands a `${VAR}` reference). `absent`: settings left out on purpose, each
    with the comment that says where they are set instead."""
    lines = [f"# {line}" if line else "#" for line in header]
    group = None
    for name, value in values.items():
        if _group(name) != group:
            group = _group(name)
            lines += ["", *(f"# {line}" for line in _READERS[group])]
        lines.append(f"{name}={_env_value(value)}")
    if absent:
        lines += ["", "# Set elsewhere, so left out here:"]
        lines += [f"# {note}" for note in absent.values()]
    return "\n".join(lines) + "\n"


# Who reads each group of names (consumers.md section 5: it is not settled upstream for all).
_READERS: dict[str, tuple[str, ...]] = {
    "registry": (
        "The provider registry, docker-schema JSON. docker-compose.v2.yml passes these to the",
        "controller as LLM_PROVIDERS and DEFAULT_MODELS.",
    ),
    "routing": (
        "Routing and the circuit breaker, as docker-compose.v2.yml names them (which service",
        "reads them is not settled upstream; routing.* in config.yaml is read by the bridge).",
    ),
    "controller": ("The controller's own settings (SEKHA__ names, as the controller reads them).",),
}


def _group(name: str) -> str:
    if name in (PROVIDERS, DEFAULT_MODELS):
        return "registry"
    return "routing" if name in ROUTING_NAMES else "controller"


def _env_value(value: Any) -> str:
    if isinstance(value, (list, dict)):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return "'" + text.replace("'", "\\'") + "'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    text = str(value)
    if all(c.isalnum() or c in "._:/@+-" for c in text):
        return text
    if placeholder_names(text) or any(c in text for c in " #'\"\\$"):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def to_document(
    values: Mapping[str, str | None],
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The docker-dialect document an env-dialect file describes, and (name, problem) for
    the values it could not use (JSON that does not parse)."""
    document: dict[str, Any] = {"version": "2.0"}
    problems: list[tuple[str, str]] = []
    for name, key in ((PROVIDERS, "llm_providers"), (DEFAULT_MODELS, "default_models")):
        raw = values.get(name)
        if raw:
            try:
                document[key] = json.loads(raw)
            except (ValueError, RecursionError) as exc:
                problems.append((name, f"{name} is not valid JSON: {str(exc)[:120]}"))
    for name, (section, key) in ROUTING_NAMES.items():
        raw = values.get(name)
        if raw:
            routing = document.setdefault("routing", {})
            holder = routing.setdefault("circuit_breaker", {}) if section != "routing" else routing
            holder[key] = _scalar(raw)
    for key in facts.CONTROLLER_SETTINGS:
        raw = values.get(controller_name(key))
        if raw:
            document[key] = _scalar(raw) if key != "additional_api_keys" else raw.split(",")
    return document, problems


def _scalar(raw: str) -> Any:
    lowered = raw.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("null", "none"):
        return None
    for number in (int, float):  # "8080" is a port, "0.5" a cost; anything else stays text
        with contextlib.suppress(ValueError):
            return number(raw)
    return raw


def read(values: Mapping[str, str | None]) -> SekhaConfig:
    document, _ = to_document(values)
    config = docker.read(document)
    return SekhaConfig(**{**config.__dict__, "dialect": "env"})



