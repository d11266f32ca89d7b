"""Sekha's own rules, beyond what the JSON schema can say."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import SplitResult, urlsplit

from sekha_migrate.findings import DataPath, Finding, Severity, format_path, value_at
from sekha_migrate.model.facts import BRIDGE_TASKS, ROLE_NEEDS, serves_role
from sekha_migrate.model.loaders import CONTROLLER_KEYS
from sekha_migrate.model.masking import hide_url_credentials, is_local_host
from sekha_migrate.model.placeholders import placeholder_names
from sekha_migrate.model.v2 import (
    CIRCUIT_BREAKER,
    CONSUMER_NAMES,
    DEFAULT_MODELS,
    MODEL,
    OTHER_COMPONENT_KEYS,
    PROVIDER,
    ROOT,
    ROOT_ROUTING_KEYS,
    ROUTING,
    SCHEMA_DEFINITION,
    VISION_CAPABILITIES,
    describe_path,
    dialect_keys,
)
from sekha_migrate.schema import definition_properties, is_uri
from sekha_migrate.sources.yaml_doc import LoadedYaml
from sekha_migrate.validate.consumers import controller_hint


class _Located:
    """Builds findings located by the document's marks."""

    def __init__(self, loaded: LoadedYaml) -> None:
        self.loaded = loaded

    def finding(
        self,
        severity: Severity,
        code: str,
        message: str,
        path: DataPath,
        *,
        hint: str | None = None,
        at_key: bool = False,
    ) -> Finding:
        mark = self.loaded.mark_for(path, prefer_key=at_key)
        return Finding(
            severity,
            code,
            message,
            path=format_path(path),
            line=mark.line if mark else None,
            column=mark.column if mark else None,
            hint=hint,
        )


def _providers(data: Mapping[str, Any]) -> list[tuple[DataPath, dict[str, Any]]]:
    key = "llm_providers" if "llm_providers" in data else "providers"
    items = data.get(key)
    if not isinstance(items, list):
        return []
    return [((key, i), p) for i, p in enumerate(items) if isinstance(p, dict)]


def _models(
    provider_path: DataPath, provider: dict[str, Any]
) -> list[tuple[DataPath, dict[str, Any]]]:
    models = provider.get("models")
    if not isinstance(models, list):
        return []
    return [((*provider_path, "models", i), m) for i, m in enumerate(models) if isinstance(m, dict)]


# ---- unknown keys and dialects -------------------------------------------------------------


def check_keys(
    data: dict[str, Any], loaded: LoadedYaml, dialect: str = "docker"
) -> Iterator[Finding]:
    """Keys the dialect's consumer does not read: another dialect's name, or unknown."""
    at = _Located(loaded)
    check = _KeyCheck(at, dialect)
    yield from check.mapping(data, (), ROOT)
    for provider_path, provider in _providers(data):
        yield from check.mapping(provider, provider_path, PROVIDER)
        for model_path, model in _models(provider_path, provider):
            yield from check.mapping(model, model_path, MODEL)
            vision = model.get("vision_capabilities")
            if isinstance(vision, dict):
                yield from check.mapping(
                    vision, (*model_path, "vision_capabilities"), VISION_CAPABILITIES
                )
    for key, context in (("default_models", DEFAULT_MODELS), ("routing", ROUTING)):
        if isinstance(data.get(key), dict):
            yield from check.mapping(data[key], (key,), context)
    routing = data.get("routing")
    if isinstance(routing, dict) and isinstance(routing.get("circuit_breaker"), dict):
        yield from check.mapping(
            routing["circuit_breaker"], ("routing", "circuit_breaker"), CIRCUIT_BREAKER
        )


# As in docker compose: `x-` keys are the user's own (often anchor holders), never warned.
EXTENSION_PREFIX = "x-"
# A JSON config names its schema for editors this way (YAML uses a modeline comment).
SCHEMA_KEY = "$schema"


class _KeyCheck:
    def __init__(self, at: _Located, dialect: str) -> None:
        self.at = at
        self.dialect = dialect
        self.renames = dialect_keys(dialect)
        self.consumer = CONSUMER_NAMES.get(dialect, dialect)

    def mapping(self, mapping: dict[str, Any], path: DataPath, context: str) -> Iterator[Finding]:
        known = definition_properties(SCHEMA_DEFINITION[context], self.dialect)
        if context == ROOT and self.dialect == "docker":
            # The controller reads its own keys from this file, listed by the schema or not.
            known = known | CONTROLLER_KEYS
        where = "at the top level" if context == ROOT else f"in {format_path(path)[2:] or context}"
        for key in mapping:
            if key in known or (isinstance(key, str) and key.startswith(EXTENSION_PREFIX)):
                continue
            if context == ROOT and key == SCHEMA_KEY:
                continue
            yield self._unread_key(key, (*path, key), context, where, known)

    def _unread_key(
        self, key: Any, key_path: DataPath, context: str, where: str, known: frozenset[str]
    ) -> Finding:
        at = self.at
        right = self.renames[context].get(key)
        if right is not None:
            return at.finding(
                Severity.WARNING,
                "dialect-key",
                f"{self.consumer} does not read '{key}' {where}; it reads '{right}'",
                key_path,
                hint=f"rename '{key}' to '{right}' (sekha migrate does this for you)",
                at_key=True,
            )
        if context == ROOT and key in ROOT_ROUTING_KEYS:
            target = ROOT_ROUTING_KEYS[key]
            return at.finding(
                Severity.WARNING,
                "misplaced-key",
                f"'{key}' belongs under routing: as '{target.split('.')[1]}'",
                key_path,
                hint=f"move it to {target}",
                at_key=True,
            )
        if context == ROOT and key in OTHER_COMPONENT_KEYS:
            return at.finding(
                Severity.INFO,
                "other-component-key",
                f"'{key}' is read by the LLM bridge's own config, not by the controller",
                key_path,
                at_key=True,
            )
        close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
        return at.finding(
            Severity.WARNING,
            "unknown-key",
            f"unknown key '{key}' {where}; {self.consumer} ignores it",
            key_path,
            hint=f"did you mean '{close[0]}'?" if close else None,
            at_key=True,
        )


# ---- the provider registry -----------------------------------------------------------------


def check_providers(data: dict[str, Any], loaded: LoadedYaml) -> Iterator[Finding]:
    at = _Located(loaded)
    first_seen: dict[str, DataPath] = {}
    for provider_path, provider in _providers(data):
        provider_id = provider.get("id")
        if not isinstance(provider_id, str):
            continue
        id_path = (*provider_path, "id")
        if provider_id in first_seen:
            first = loaded.mark_for(first_seen[provider_id])
            on_line = f" on line {first.line}" if first else ""
            yield at.finding(
                Severity.ERROR,
                "duplicate-provider-id",
                f"provider id '{provider_id}' is already used{on_line}; ids must be unique",
                id_path,
                hint="give each provider its own id",
            )
        else:
            first_seen[provider_id] = id_path


def _fits_role(role: str, model: dict[str, Any]) -> bool:
    """The registry's rule (model.facts), so that validate and routing cannot disagree."""
    task = model.get("task")
    return isinstance(task, str) and serves_role(role, task, model.get("supports_vision"))


def check_default_models(data: dict[str, Any], loaded: LoadedYaml) -> Iterator[Finding]:
    defaults = data.get("default_models")
    if not isinstance(defaults, dict):
        return
    at = _Located(loaded)
    offered: dict[str, list[dict[str, Any]]] = {}
    for provider_path, provider in _providers(data):
        for _, model in _models(provider_path, provider):
            if isinstance(model.get("model_id"), str):
                offered.setdefault(model["model_id"], []).append(model)
    # A model_id that is an unset ${VAR} could be any model: then a default we cannot find
    # is only noted, not an error.
    unknowable = any(placeholder_names(model_id) for model_id in offered)
    for role, needs in ROLE_NEEDS.items():
        model_id = defaults.get(role)
        if not isinstance(model_id, str) or placeholder_names(model_id):
            continue
        path = ("default_models", role)
        entries = offered.get(model_id)
        if not entries:
            fitting = sorted(
                m
                for m, es in offered.items()
                if not placeholder_names(m) and any(_fits_role(role, e) for e in es)
            )
            choices = ", ".join(fitting[:6])
            message = f"default_models.{role} names '{model_id}', which no provider offers"
            if unknowable:
                message += " (unless an unset ${VAR} model_id turns out to be it)"
            yield at.finding(
                Severity.INFO if unknowable else Severity.ERROR,
                "unknown-default-model",
                message,
                path,
                hint=f"add it to a provider's models, or use one of: {choices}"
                if choices
                else "add it to a provider's models",
            )
        elif not any(_fits_role(role, entry) for entry in entries):
            tasks = ", ".join(sorted({e["task"] for e in entries if e.get("task") in BRIDGE_TASKS}))
            if not tasks:
                continue  # no entry has a valid task; the schema already says which is wrong
            yield at.finding(
                Severity.ERROR,
                "default-model-task",
                f"default_models.{role} needs {needs}, but '{model_id}' is offered only "
                f"for: {tasks}",
                path,
            )


# ---- security -----------------------------------------------------------------------------

def check_security(
    data: dict[str, Any], expanded: dict[str, Any], loaded: LoadedYaml, *, env_file: bool = False
) -> Iterator[Finding]:
    """Keys and URL passwords written into the file, and keys sent in the clear. In an env
    file (`env_file`) the controller's own SEKHA__ names are where its secrets belong."""
    at = _Located(loaded)
    for provider_path, provider in _providers(data):
        api_key = provider.get("api_key")
        if isinstance(api_key, str) and api_key:
            yield from _provider_key(provider_path, provider, expanded, at)
        base_url = provider.get("base_url")
        if _has_password(base_url):
            yield at.finding(
                Severity.WARNING, "literal-secret",
                f"provider '{provider.get('id', provider_path[-1])}' has a password in its "
                "base_url, written into the file", (*provider_path, "base_url"),
                hint="keep this file private (mode 0600) and out of version control: no "
                "Sekha component expands ${VAR} in a base_url")
    if not env_file:
        yield from _controller_keys(data, at)


def _has_password(value: Any) -> bool:
    """A URL with a password in it (`postgres://sekha:hunter2@db/sekha`), not a ${VAR}."""
    if not isinstance(value, str) or "@" not in value or placeholder_names(value):
        return False
    parts = _split_url(value)
    return parts is not None and bool(parts.password)


def _provider_key(
    path: DataPath, provider: dict[str, Any], expanded: dict[str, Any], at: _Located
) -> Iterator[Finding]:
    name = provider.get("id", path[-1])
    if not placeholder_names(provider["api_key"]):
        kind = provider.get("type") or provider.get("provider_type") or "PROVIDER"
        variable = f"{str(kind).upper()}_API_KEY"
        yield at.finding(
            Severity.WARNING,
            "literal-secret",
            f"provider '{name}' has its API key written into the file",
            (*path, "api_key"),
            hint=f"write api_key: ${{{variable}}} and set {variable} in the environment",
        )
    base_url = value_at(expanded, (*path, "base_url"))
    if not isinstance(base_url, str) or not base_url.lower().startswith("http://"):
        return
    parts = _split_url(base_url)
    host = (parts.hostname or "") if parts else ""  # unsplittable: check_urls says so
    if host and not is_local_host(host):
        yield at.finding(
            Severity.WARNING,
            "insecure-transport",
            f"provider '{name}' sends its API key over plain http:// to {host}",
            (*path, "base_url"),
            hint="use https://",
        )


def _controller_keys(data: dict[str, Any], at: _Located) -> Iterator[Finding]:
    for key in ("mcp_api_key", "rest_api_key"):
        value = data.get(key)
        if isinstance(value, str) and value and not placeholder_names(value):
            yield at.finding(Severity.WARNING, "literal-secret",
                             f"{key} is written into the file", (key,),
                             hint=controller_hint(key))
    extra = data.get("additional_api_keys")
    for index, value in enumerate(extra if isinstance(extra, list) else []):
        if isinstance(value, str) and value and not placeholder_names(value):
            yield at.finding(
                Severity.WARNING,
                "literal-secret",
                f"additional_api_keys[{index}] is written into the file",
                ("additional_api_keys", index),
                hint="the controller reads no list from a variable, so this key can live in a "
                "file only: keep the file private (mode 0600) and out of version control",
            )
    for key, value in data.items():
        if key in CONTROLLER_KEYS and _has_password(value):
            yield at.finding(Severity.WARNING, "literal-secret",
                             f"{key} holds a password, written into the file", (key,),
                             hint=controller_hint(key))


# ---- URLs ---------------------------------------------------------------------------------


def check_urls(expanded: dict[str, Any], loaded: LoadedYaml) -> Iterator[Finding]:
    """The schema accepts any URI; Sekha talks HTTP to providers, Chroma and the bridge."""
    at = _Located(loaded)
    targets: list[DataPath] = [(key,) for key in ("chroma_url", "llm_bridge_url")]
    targets += [(*path, "base_url") for path, _ in _providers(expanded)]
    for path in targets:
        value = value_at(expanded, path)
        if not isinstance(value, str) or placeholder_names(value) or not is_uri(value):
            continue  # unresolved, or already reported by the schema's format rule
        subject = describe_path(path, expanded)
        parts = _split_url(value)
        if parts is None:
            yield at.finding(
                Severity.ERROR,
                "url-invalid",
                f"{subject} ({hide_url_credentials(value)!r}) is not a valid URL",
                path,
                hint="an IPv6 address goes in brackets, e.g. http://[::1]:11434",
            )
            continue
        if parts.scheme.lower() in ("http", "https") and parts.hostname:
            continue
        value = hide_url_credentials(value)
        if parts.scheme.lower() in ("http", "https"):
            message = f"{subject} ({value!r}) has no host"
            hint = "e.g. http://localhost:11434"
        else:
            message = f"{subject} ({value!r}) is not an http:// or https:// URL"
            hint = f"write http://{value}" if "://" not in value else "use http:// or https://"
        yield at.finding(Severity.ERROR, "url-scheme", message, path, hint=hint)


def _split_url(value: str) -> SplitResult | None:
    """`urlsplit`, or None for what it refuses (an unclosed `[` of an IPv6 host)."""
    try:
        parts = urlsplit(value)
        parts.hostname  # noqa: B018 - parsed lazily; raises here for a bad host part
    except ValueError:
        return None
    return parts
