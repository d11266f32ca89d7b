"""The controller's loader (sekha-controller `src/config.rs`, HEAD 9e9dca0, unchanged since
f44a1b0; config-rs 0.15), as it runs: the same for a v1 TOML and a v2 YAML.

Lowest precedence first: the `set_default`s; the first `config.*` in the working directory;
the first `~/.sekha/config.*`; the environment, where only `SEKHA__<KEY>` is read (an empty
value is a value) and dotenvy has added the `.env` of the working directory or a parent
without overriding what was set. Nothing is expanded in a file value.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

from sekha_migrate.effective.environment import read_env_file
from sekha_migrate.effective.files import FileView
from sekha_migrate.effective.values import (
    Collected,
    EffectiveConfig,
    Environment,
    Layers,
    Unread,
    Variable,
)
from sekha_migrate.findings import Finding, Severity
from sekha_migrate.model import loaders
from sekha_migrate.model.placeholders import placeholder_names
from sekha_migrate.origin import Origin

DEFAULT_ORIGIN = Origin(None, key="the controller's default (config.rs)")
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_RUST_UNSIGNED = re.compile(r"\+?[0-9]+")


def resolve_controller(
    files: FileView,
    environment: Environment,
    *,
    home: Path | None = None,
    service: str | None = None,
) -> EffectiveConfig:
    """What the controller runs with, started in `files`' working directory with
    `environment` (dotenvy's `.env` already merged in: see `with_dotenv`), and `home` as
    its $HOME (None: no ~/.sekha/config.* to read)."""
    layers = Layers(loaders.CONTROLLER_SECRET_KEYS)
    found = Collected()
    for key, value in loaders.CONTROLLER_DEFAULTS.items():
        layers.set(key, value, DEFAULT_ORIGIN)
    _first_config(files, layers, found, "the working directory")
    if home is not None:
        _first_config(FileView(home / ".sekha"), layers, found, "~/.sekha")
    _environment(environment, layers, found)
    _derived(layers)
    return EffectiveConfig(
        "controller",
        layers.result(),
        mode="config.* files, then SEKHA__ variables",
        files_read=tuple(found.files_read),
        unread=tuple(found.unread),
        findings=tuple(found.findings),
        service=service,
    )


def _first_config(files: FileView, layers: Layers, found: Collected, place: str) -> None:
    """config-rs reads the first `config.*` that exists in a place, and only that one."""
    present = [name for name in loaders.CONTROLLER_FILE_ORDER if files.exists(name)]
    if not present:
        return
    first, *rest = present
    for name in rest:
        found.unread.append(Unread(files.shown(name),
                                   f"{files.shown(first)} is read first; config-rs reads only "
                                   f"the first config.* in {place}"))
    if first not in loaders.CONTROLLER_READABLE:
        found.files_read.append(files.shown(first))
        found.unread.append(Unread(files.shown(first), "read by the controller, but not in a "
                                   "format this tool reads (its values are not shown)"))
        return
    read = files.read(first)
    assert read is not None
    found.files_read.append(read.path)
    if read.problem is not None:
        found.findings.append(_would_not_start(read.problem.message, read.path,
                                               read.problem.line, read.problem.column))
        return
    if not isinstance(read.data, dict):
        if read.data is not None:
            found.findings.append(_would_not_start("the file is not a mapping of keys",
                                                   read.path, 1, 1))
        return
    for key, value in read.data.items():
        mark = read.mark_for((key,))
        origin = Origin(read.path, mark.line if mark else None, mark.column if mark else None,
                        str(key))
        if isinstance(value, (datetime.date, datetime.time)):
            value = _toml_datetime_text(value)
        if key in loaders.CONTROLLER_KEYS:
            layers.set(key, value, origin, _file_value_note(key, value))
        else:
            found.unread.append(Unread(str(key), _unread_key_reason(value), origin))


def _toml_datetime_text(value: datetime.date | datetime.time) -> str:
    """config-rs keeps a TOML date or time as text: the toml crate's Display of it
    (toml_datetime: `T` between date and time, seconds always, a fraction without trailing
    zeros, `Z` for UTC). tomllib cannot tell `Z` from `+00:00`, nor `.0` from no fraction."""
    if isinstance(value, datetime.datetime):
        return _toml_datetime_text(value.date()) + "T" + _toml_datetime_text(value.timetz())
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = f"{value.hour:02}:{value.minute:02}:{value.second:02}"
    if value.microsecond:
        text += "." + f"{value.microsecond:06}".rstrip("0")
    offset = value.utcoffset()
    if offset is None:
        return text
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return text + "Z"
    sign = "-" if minutes < 0 else "+"
    return text + f"{sign}{abs(minutes) // 60:02}:{abs(minutes) % 60:02}"


def _file_value_note(key: str, value: Any) -> str | None:
    if isinstance(value, str) and placeholder_names(value):
        return ("taken literally: the controller expands no ${VAR} in a file; set "
                f"{loaders.CONTROLLER_ENV_PREFIX}{key.upper()} in its environment instead")
    return None


def _unread_key_reason(value: Any) -> str:
    if isinstance(value, dict):
        return "a table: the controller's flat settings never read keys inside tables"
    return "not a controller setting (another component's, or unknown)"


def _environment(environment: Environment, layers: Layers, found: Collected) -> None:
    for name in sorted(environment):
        variable = environment[name]
        key = loaders.controller_env_key(name)
        if key is None:
            reason = _unread_name_reason(name)
            if reason is not None:
                found.unread.append(Unread(name, reason, variable.origin))
            continue
        try:
            value = _typed(key, variable.value)
        except ValueError as exc:
            found.findings.append(_would_not_start(
                f"{name}={variable.value!r} cannot be read as {key}: {exc}",
                variable.origin.file, variable.origin.line, variable.origin.column))
            continue
        layers.set(key, value, variable.origin,
                   "empty: an empty variable is a value, not unset" if value == "" else None)


def _unread_name_reason(name: str) -> str | None:
    """Why a Sekha-looking name does not reach the controller; None for unrelated names."""
    upper = name.upper()
    if upper.startswith(loaders.CONTROLLER_ENV_PREFIX):
        return "names no controller setting (config-rs reads SEKHA__ + a flat key)"
    if upper.startswith("SEKHA_"):
        rest = upper[len("SEKHA_"):].lower()
        if rest in loaders.CONTROLLER_KEYS:
            return f"one underscore: never read; the controller reads SEKHA__{rest.upper()}"
    if upper.lower() in loaders.CONTROLLER_KEYS:
        return f"no SEKHA__ prefix: never read; the controller reads SEKHA__{upper}"
    return None


def _typed(key: str, text: str) -> Any:
    """config-rs turns an environment string into the field's type when deserializing
    (value.rs into_uint / into_bool, 0.15.19): nothing is trimmed; a number is Rust's
    `str::parse::<u64>` (ASCII digits, an optional `+`), and true/on/yes and false/off/no
    (any case) are read as 1 and 0 too; a bool is 1/true/on/yes or 0/false/off/no."""
    lowered = text.lower()
    if key in loaders.CONTROLLER_INT_KEYS:
        if lowered in _TRUE - {"1"} or lowered in _FALSE - {"0"}:
            return int(lowered in _TRUE)
        if not _RUST_UNSIGNED.fullmatch(text):
            raise ValueError("not a whole number")
        bits = loaders.CONTROLLER_INT_BITS[key]
        if int(text) >= 1 << bits:
            raise ValueError(f"too large for an unsigned {bits}-bit number")
        return int(text)
    if key in loaders.CONTROLLER_BOOL_KEYS:
        if lowered in _TRUE | _FALSE:
            return lowered in _TRUE
        raise ValueError("not true or false")
    if key in loaders.CONTROLLER_LIST_KEYS:
        raise ValueError("a list cannot be given in one variable (config-rs reads a string)")
    return text


def _derived(layers: Layers) -> None:
    """rest_api_key falls back to mcp_api_key (config.rs get_rest_api_key); what the
    running controller does with its keys, said beside them."""
    key = layers.get("mcp_api_key")
    assert key is not None
    if key.value == loaders.PUBLIC_DEFAULT_KEY:
        layers.note("mcp_api_key", "the public default key: anyone can authenticate with it")
    elif isinstance(key.value, str) and len(key.value) < loaders.MIN_KEY_LENGTH:
        layers.note("mcp_api_key", f"{len(key.value)} characters: the MCP auth rejects every "
                    f"token shorter than {loaders.MIN_KEY_LENGTH}, so every MCP call fails")
    rest = layers.get("rest_api_key")
    if rest is not None and rest.value is None:
        layers.replace("rest_api_key", key.value, key.origin, "falls back to mcp_api_key")
    for unused, why in loaders.CONTROLLER_UNUSED.items():
        layers.note(unused, why)


def _would_not_start(message: str, file: str | None, line: int | None,
                     column: int | None) -> Finding:
    return Finding(Severity.ERROR, "would-not-start",
                   f"the controller would stop at start: {message}",
                   file=file, line=line, column=column)


def with_dotenv(files: FileView, environment: Environment
                ) -> tuple[dict[str, Variable], str | None, list[Finding]]:
    """The environment after dotenvy (`src/main.rs`): the `.env` of the working directory
    or a parent, its `${VAR}` expanded, never overriding a variable already set. Returns
    the merged environment, the .env read (if any) and its problems."""
    path = _find_dotenv(files)
    if path is None:
        return dict(environment), None, []
    base = {name: variable.value for name, variable in environment.items()}
    read, problems = read_env_file(path, base, via=".env read by dotenvy")
    return {**read, **environment}, str(path), problems


def _find_dotenv(files: FileView) -> Path | None:
    found = files.find(".env")
    if found is not None or files.directory is None:
        return found
    for parent in files.directory.resolve().parents:
        candidate = parent / ".env"
        if candidate.is_file():
            return candidate
    return None
