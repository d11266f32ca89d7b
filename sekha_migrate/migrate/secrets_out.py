"""Secrets written where their consumer reads them.

The controller never expands `${VAR}` in its file (loaders.CONTROLLER_EXPANDS_FILE_VALUES):
one of its secrets goes literally into the file it reads, or into the `SEKHA__<KEY>` variable
of an env file it reads (the secrets file beside the output), the YAML saying so in a
comment. The bridge expands a provider's api_key written as exactly `${VAR}`
(loaders.bridge_expands): a provider key may become such a reference.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from sekha_migrate.findings import format_path
from sekha_migrate.model import loaders
from sekha_migrate.model.masking import hide_url_credentials
from sekha_migrate.model.placeholders import placeholder_names
from sekha_migrate.model.secret_notes import set_by_comment
from sekha_migrate.origin import ENVIRONMENT, Origin, origin_at

LITERAL, SECRETS_FILE, KEPT = "literal", "secrets file", "kept"
_WHOLE_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


class Placed(NamedTuple):
    """Where one secret of the v2 configuration went."""

    path: str  # its v2 path, "$.mcp_api_key"
    component: str  # loaders.CONTROLLER or loaders.BRIDGE
    how: str  # LITERAL (in the output), SECRETS_FILE (a variable there), KEPT (left in a source)
    name: str | None = None  # the variable that holds it, when not LITERAL
    where: str | None = None  # where that variable is set: the secrets file or a source


class SecretPlacement(NamedTuple):
    document: dict[str, Any]  # the v2 document, without the keys a variable now sets
    secrets: tuple[tuple[str, str], ...]  # (NAME, value) for the secrets file
    notes: Mapping[str, str]  # a root key left out -> the comment written in its place
    placed: tuple[Placed, ...]


class Sources(NamedTuple):
    """What placing a secret needs to know about where the values came from."""

    environments: Collection[str]  # origin files that are environments (.env, compose, process)
    # origin files whose SEKHA__ names reach the controller as they are (the process, a
    # `.env` dotenvy reads, a compose service's environment)
    controller_environments: Collection[str]
    secrets_file: str  # the secrets file's name, for comments
    base: Path = Path(".")  # the output's directory: comments name files relative to it


def place_secrets(
    document: Mapping[str, Any],
    provenance: Mapping[str, Origin],
    sources: Sources,
    *,
    target: str,
    externalize: bool,
) -> SecretPlacement:
    """`document` with each secret placed where its consumer reads it.

    A controller secret stays literal in the output when it came from a file (and
    `externalize` is off) or when the output is itself the env file the controller reads
    (`target` env); it is left out when the variable the controller reads already holds it;
    otherwise it moves to `SEKHA__<KEY>` in the secrets file. A provider key from an
    environment variable becomes `${VAR}`; with `externalize`, or from inside a JSON value,
    it moves to the secrets file under a variable named after the provider."""
    placer = _Placer(copy.deepcopy(dict(document)), provenance, sources)
    for key in [k for k in placer.document if _is_controller_secret(k, placer.document[k])]:
        placer.controller(key, target=target, externalize=externalize)
    for index, provider in enumerate(placer.document.get("llm_providers") or []):
        if isinstance(provider, dict) and _is_literal(provider.get("api_key")):
            placer.provider(index, provider, externalize=externalize)
        elif isinstance(provider, dict) and placeholder_names(provider.get("api_key")):
            path = format_path(("llm_providers", index, "api_key"))
            name = placeholder_names(provider["api_key"])[0]
            placer.placed.append(Placed(path, loaders.BRIDGE, KEPT, name, None))
    return SecretPlacement(placer.document, tuple(placer.secrets.items()), placer.notes,
                           tuple(placer.placed))


class _Placer:
    def __init__(self, document: dict[str, Any], provenance: Mapping[str, Origin],
                 sources: Sources) -> None:
        self.document = document
        self.provenance = provenance
        self.sources = sources
        self.secrets: dict[str, str] = {}
        self.notes: dict[str, str] = {}
        self.placed: list[Placed] = []

    def controller(self, key: str, *, target: str, externalize: bool) -> None:
        path = format_path((key,))
        value = self.document[key]
        origin = self.provenance.get(path)
        name = loaders.controller_env_name(key)
        if key in loaders.CONTROLLER_LIST_KEYS:
            if target != "bridge":  # the bridge's file has no place for it: not-carried says so
                self.placed.append(Placed(path, loaders.CONTROLLER, LITERAL))
            return
        if origin is not None and origin.key == name and (
            origin.file in self.sources.controller_environments
        ):
            del self.document[key]
            where = where_set(origin, self.sources.base)
            self.notes[key] = set_by_comment(key, name, where)
            self.placed.append(Placed(path, loaders.CONTROLLER, KEPT, name, where))
            return
        from_environment = origin is not None and origin.file in self.sources.environments
        # A ${VAR} from a v1 file was never expanded there either; in the secrets file
        # dotenvy expands it, as its author meant.
        literal = not externalize and (
            target == "env" or (target == "docker" and not from_environment
                                and not placeholder_names(value))
        )
        if literal or not isinstance(value, str):
            self.placed.append(Placed(path, loaders.CONTROLLER, LITERAL))
            return
        del self.document[key]
        self.secrets[name] = value
        where = self.sources.secrets_file
        self.notes[key] = set_by_comment(key, name, where)
        self.placed.append(Placed(path, loaders.CONTROLLER, SECRETS_FILE, name, where))

    def provider(self, index: int, provider: dict[str, Any], *, externalize: bool) -> None:
        path = format_path(("llm_providers", index, "api_key"))
        own = self.provenance.get(path)  # set only for a key read from a variable of its own
        origin = own or origin_at(path, self.provenance)
        from_environment = origin is not None and origin.file in self.sources.environments
        if own is not None and from_environment and _is_variable_name(own.key):
            # The variable that held it (OPENAI_API_KEY in a .env): the bridge reads it there.
            provider["api_key"] = f"${{{own.key}}}"
            where = where_set(own, self.sources.base)
            self.placed.append(Placed(path, loaders.BRIDGE, KEPT, own.key, where))
            return
        if not (externalize or from_environment):
            self.placed.append(Placed(path, loaders.BRIDGE, LITERAL))
            return
        label = re.sub(r"[^A-Z0-9]+", "_", str(provider.get("id", "provider")).upper())
        name = self._free_name(f"{label.strip('_') or 'PROVIDER'}_API_KEY", provider["api_key"])
        self.secrets[name] = provider["api_key"]
        provider["api_key"] = f"${{{name}}}"
        self.placed.append(Placed(path, loaders.BRIDGE, SECRETS_FILE, name,
                                  self.sources.secrets_file))

    def _free_name(self, wanted: str, value: str) -> str:
        """`wanted`, or `wanted_2`...: the same value keeps one name, another gets its own."""
        name, suffix = wanted, 2
        while name in self.secrets and self.secrets[name] != value:
            name, suffix = f"{wanted}_{suffix}", suffix + 1
        return name


def where_set(origin: Origin, base: Path) -> str:
    """A source as a comment names it: `docker-compose.yml:19`, `the process environment`."""
    if origin.file is None or origin.file == ENVIRONMENT:
        return origin.via or "the process environment"
    file = Path(origin.file)
    if file.is_absolute() and file.is_relative_to(base.absolute()):
        file = file.relative_to(base.absolute())
    shown = os.fspath(file)
    return f"{shown}:{origin.line}" if origin.line else shown


def _is_literal(value: Any) -> bool:
    return isinstance(value, str) and value != "" and not placeholder_names(value)


def _is_variable_name(name: str) -> bool:
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is not None


def _has_credentials(value: Any) -> bool:
    return isinstance(value, str) and hide_url_credentials(value) != value


def _is_controller_secret(key: str, value: Any) -> bool:
    """The controller's keys, and any of its URLs holding a password (database_url)."""
    if key not in loaders.CONTROLLER_KEYS:
        return False
    if key in loaders.CONTROLLER_SECRET_KEYS:
        return value not in (None, "", [])
    return _has_credentials(value)


def holds_literal_secrets(document: Mapping[str, Any]) -> bool:
    """Whether the document holds a key or a URL password as text (its file is then 0600)."""
    for key, value in document.items():
        if key in loaders.CONTROLLER_SECRET_KEYS:
            items = value if isinstance(value, list) else [value]
            if any(_is_literal(item) for item in items):
                return True
        elif _has_credentials(value):
            return True
    providers = document.get("llm_providers")
    return isinstance(providers, list) and any(
        isinstance(p, dict)
        and (_is_literal(p.get("api_key")) or _has_credentials(p.get("base_url")))
        for p in providers
    )


def secrets_file_text(pairs: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> str:
    """The env file holding `pairs`, one `VAR='value'` a line, for the shell, dotenvy,
    python-dotenv and docker compose alike; "" when there is nothing to hold."""
    if not pairs:
        return ""
    lines = ["# Secrets sekha migrate placed here; keep this file private (mode 0600).",
             "# SEKHA__ names are the controller's: give it this file (compose env_file:, or",
             "# its .env); the other names are referred to as ${NAME} in the bridge's file."]
    lines += [f"{name}={_env_quote(value)}" for name, value in pairs]
    return "\n".join(lines) + "\n"


def _env_quote(value: str) -> str:
    # A whole ${VAR} (a compose reference kept as one) is double-quoted: dotenvy and compose
    # expand it there. Single quotes keep any other value literal; a value holding one needs
    # double quotes and escapes.
    if _WHOLE_REFERENCE.fullmatch(value) or ("'" in value or "\n" in value):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    return f"'{value}'"
