"""What the program that reads a file will do with it, beyond what the schema says: the
`${VAR}` it takes as literal text, the MCP key it runs with, the file it never reads.
The loaders' rules come from model.loaders; nothing here keeps a copy of them."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sekha_migrate.findings import DataPath, Finding, Mark, Severity, format_path
from sekha_migrate.model import loaders
from sekha_migrate.model.masking import hide_url_credentials
from sekha_migrate.model.placeholders import placeholder_names
from sekha_migrate.sources.yaml_doc import LoadedYaml

MCP_KEY = "mcp_api_key"
MCP_KEY_VARIABLE = loaders.controller_env_name(MCP_KEY)


def controller_hint(key: str) -> str:
    """How to keep one of the controller's values out of its file: its SEKHA__ variable."""
    return (f"set {loaders.controller_env_name(key)} in the controller's environment (compose "
            "environment:, or the .env in its working directory) and remove the key from "
            "this file")


# ---- ${VAR} the consumer takes literally -----------------------------------------------------


def literal_placeholder_paths(data: Any, dialect: str) -> list[DataPath]:
    """Paths of the strings holding a `${VAR}` that the file's consumer never expands: the
    controller's keys in a docker file, anything but a provider's whole-value api_key in a
    bridge file."""
    if not isinstance(data, dict):
        return []
    if dialect == "docker":
        return [path for key in data if key in loaders.CONTROLLER_KEYS
                for path in _placeholder_strings(data[key], (key,))]
    if dialect == "bridge":
        return [path for path in _placeholder_strings(data, ())
                if not loaders.bridge_expands(path, _at(data, path))]
    return []


def _placeholder_strings(value: Any, path: DataPath) -> Iterator[DataPath]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _placeholder_strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _placeholder_strings(item, (*path, index))
    elif placeholder_names(value):
        yield path


def _at(data: Any, path: DataPath) -> Any:
    for part in path:
        data = data[part]
    return data


def check_literal_placeholders(
    data: dict[str, Any], loaded: LoadedYaml, dialect: str, paths: list[DataPath]
) -> Iterator[Finding]:
    for path in paths:
        value = hide_url_credentials(_at(data, path))
        name = loaders.bridge_lookup_name(value) if loaders.bridge_expands(path) else None
        if dialect == "bridge" and name is not None:
            message = (f"the LLM bridge reads {value!r} as one variable named {name!r}, which "
                       "no environment sets: the provider would get no key (it expands ${VAR} "
                       "only as the whole value of a provider's api_key)")
            hint = "write one ${VAR} as the whole value, and set that variable for the bridge"
        elif dialect == "bridge":
            message = (f"the LLM bridge does not expand {value!r} here: it would use this text "
                       "as it stands (it expands ${VAR} only as the whole value of a provider's "
                       "api_key)")
            hint = "write the value itself, or set it in the bridge's environment"
        else:
            key = str(path[0])
            message = (f"the controller never expands ${{VAR}} in its file: it would use the "
                       f"literal text {value!r} as {format_path(path)[2:]}")
            if key in loaders.CONTROLLER_LIST_KEYS:
                hint = ("write the value itself (the controller reads no list from a "
                        "variable) and keep this file private (mode 0600)")
            else:
                message += f", unless {loaders.controller_env_name(key)} is set in its environment"
                hint = controller_hint(key)
        yield _at_path(loaded, Severity.ERROR, "literal-placeholder", message, path, hint)


# ---- the MCP key the controller runs with ----------------------------------------------------


def check_mcp_key(
    data: dict[str, Any],
    loaded: LoadedYaml,
    env: Mapping[str, str],
    *,
    env_file: bool,
    declared: Mapping[str, str],
) -> Iterator[Finding]:
    """The public default key, or a key the MCP auth rejects, in effect. `env_file`: the
    document is an env file's (its own SEKHA__ names are the environment); `declared`: keys
    the file's comments say a variable sets."""
    # Only a file that sets some of the controller's keys is evidently its configuration; a
    # file of the provider registry alone is not judged by the controller's key.
    if not env_file and not any(key in loaders.CONTROLLER_KEYS for key in data):
        return
    path: DataPath = (MCP_KEY,)
    from_environment = not env_file and MCP_KEY_VARIABLE in env
    value = env[MCP_KEY_VARIABLE] if from_environment else data.get(MCP_KEY)
    if value is None:
        if env_file or MCP_KEY in declared:
            return
        root = loaded.mark_for(()) or Mark(1, 1)
        yield Finding(
            Severity.WARNING, "public-default-key",
            f"no {MCP_KEY}: the controller falls back to its public default key "
            f"({loaders.PUBLIC_DEFAULT_KEY!r}), which authenticates every MCP call, unless "
            f"{MCP_KEY_VARIABLE} is set in its environment", path=format_path(path),
            line=root.line, column=root.column, hint=controller_hint(MCP_KEY))
        return
    if not isinstance(value, str) or placeholder_names(value):
        return  # not text (the schema says so), or a ${VAR} (literal-placeholder says so)
    where = f"{MCP_KEY_VARIABLE} in the environment" if from_environment else MCP_KEY
    if value == loaders.PUBLIC_DEFAULT_KEY:
        yield _at_path(
            loaded, Severity.ERROR, "public-default-key",
            f"{where} is the controller's public default key: anyone can use it",
            path, "generate a key of your own: openssl rand -hex 32")
    elif len(value) < loaders.MIN_KEY_LENGTH and from_environment:
        # A short key in the file itself is the schema's minLength error already.
        yield _at_path(
            loaded, Severity.ERROR, "mcp-key-rejected",
            f"{where} is {len(value)} characters long: the controller's MCP auth rejects "
            f"every token shorter than {loaders.MIN_KEY_LENGTH}",
            path, "generate a key of 32 characters or more: openssl rand -hex 32")


def empty_mcp_key(name: str, mark: Mark) -> Finding:
    """`SEKHA__MCP_API_KEY=` in an env file: the controller reads "" (empty is a value)."""
    return Finding(
        Severity.ERROR, "mcp-key-rejected",
        f"{name} is empty: the controller reads \"\" as its key (an empty value is a value, "
        "not unset), and its MCP auth rejects every token",
        line=mark.line, column=mark.column, path=format_path((MCP_KEY,)),
        hint=f"give {name} a key of 32 characters or more, or remove the line",
    )


# ---- the file the controller never reads -----------------------------------------------------


def shadowed_config(path: str) -> Finding | None:
    """A config.* the controller never reads: config-rs takes only the first of
    CONTROLLER_FILE_ORDER that exists in its directory."""
    name = os.path.basename(path)
    order = loaders.CONTROLLER_FILE_ORDER
    if name not in order:
        return None
    directory = Path(path).parent
    winner = next((first for first in order[:order.index(name)]
                   if (directory / first).is_file()), None)
    if winner is None:
        return None
    return Finding(
        Severity.WARNING, "shadowed-config",
        f"the controller never reads {name}: {winner} sits beside it, and the controller "
        f"reads only the first of {', '.join(order[:order.index(name) + 1])} that exists",
        line=1, column=1,
        hint=f"move {winner} away (or put these settings in it), or mount this file where no "
        "other config.* sits beside it",
    )


def _at_path(loaded: LoadedYaml, severity: Severity, code: str, message: str, path: DataPath,
             hint: str | None) -> Finding:
    mark = loaded.mark_for(path) or loaded.mark_for(()) or Mark(1, 1)
    return Finding(severity, code, message, path=format_path(path), line=mark.line,
                   column=mark.column, hint=hint)
