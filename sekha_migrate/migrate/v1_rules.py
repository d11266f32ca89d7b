"""v1's own rules, applied to the reads of a migration: which program each value belongs
to, the indexed JSON overrides, the names v1 never read, and the sources it refuses."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sekha_migrate.findings import Finding, Severity, format_path
from sekha_migrate.migrate.build import Built
from sekha_migrate.migrate.discover import home_configs
from sekha_migrate.migrate.readings import RawRead, SourceReading
from sekha_migrate.migrate.results import ENVIRONMENT, KeyRead, KeyStatus, Origin
from sekha_migrate.model import v1, v1_components

# A secret written as ${VAR} stays a reference, even when VAR is unset where we run.
REFERENCED_SECRETS = frozenset({"mcp_api_key", "rest_api_key"})
_INT_FIELDS = frozenset({"priority", "timeout", "timeout_secs", "context_window", "dimension"})
_BOOL_FIELDS = frozenset({"supports_vision", "supports_audio", "supports_function_calling"})


def is_empty(value: Any) -> bool:
    """Empty means unset, as every Sekha loader treats it (VISION_MODEL= is "none"); so
    does a name given without a value, and a YAML null."""
    return value is None or (isinstance(value, str) and not value.strip())


def keeps_reference(read: RawRead) -> bool:
    return read.reference is not None and read.setting in REFERENCED_SECRETS


def typing_key(read: RawRead) -> str | None:
    """The key whose type the value must have; None when it is not a Sekha setting or
    there is nothing to type (empty, or an indexed override typed on its own)."""
    if read.index_path or (is_empty(read.value) and not keeps_reference(read)):
        return None
    return read.setting or read.component_key


def effective_value(read: RawRead, typed: Any) -> Any:
    if keeps_reference(read):
        return f"${{{read.reference}}}"
    return typed


def reportable(value: Any) -> Any:
    """A value every renderer can print: TOML dates as their text, giant integers and
    very deep nesting described instead of shown."""
    try:
        return _reportable(value)
    except RecursionError:
        return "(nested too deeply to show)"


def _reportable(value: Any) -> Any:
    if v1.is_toml_datetime(value):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return "(a number far too large to show)"
    if isinstance(value, list):
        return [_reportable(item) for item in value]
    if isinstance(value, dict):
        return {key: _reportable(item) for key, item in value.items()}
    return value


def counts_for_docker(read: RawRead) -> bool:
    """Whether the read sets a value of the docker document (not a program's own one)."""
    return read.setting is not None and not read.index_path


# ---- component settings -------------------------------------------------------------------


@dataclass
class ComponentSettings:
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    origins: dict[str, dict[str, Origin]] = field(default_factory=dict)
    overridden: dict[int, int] = field(default_factory=dict)
    owner: dict[int, tuple[str, str]] = field(default_factory=dict)  # read -> (component, key)


def component_settings(raw: Sequence[RawRead], typed: Mapping[int, Any]) -> ComponentSettings:
    """Values each program keeps for itself (the bridge's port, the controller's bridge
    timeout, the proxy's settings), later reads winning, each with its origin."""
    result = ComponentSettings()
    winners: dict[tuple[str, str], int] = {}
    for index, read in enumerate(raw):
        key = read.component_key
        if key is None and read.setting in v1.NO_HOME_REASONS:
            key = read.setting
        if key is None or index not in typed:
            continue
        slot = (read.component, key)
        result.owner[index] = slot
        if slot in winners:
            result.overridden[winners[slot]] = index
        winners[slot] = index
        result.values.setdefault(read.component, {})[key] = typed[index]
        result.origins.setdefault(read.component, {})[key] = read.origin
    return result


def component_status(read: RawRead, component: str, key: str) -> tuple[KeyStatus, tuple[str, ...],
                                                                        str | None]:
    if key in v1_components.COMPONENT_HOMES.get(component, frozenset()):
        return KeyStatus.MAPPED, (f"{component}.{key}",), None
    reason = v1.NO_HOME_REASONS.get(key) or f"a setting of the {component} with no v2 key"
    return KeyStatus.UNMAPPABLE, (), f"{reason}; reported as the {component}'s {key}"


# ---- indexed overrides (SEKHA__LLM_PROVIDERS__0__API_KEY) ---------------------------------


def apply_indexed(built: Built, raw: Sequence[RawRead]) -> tuple[dict[int, str], list[Finding]]:
    """Set the fields the indexed names address, as config-rs merges them into the list."""
    targets: dict[int, str] = {}
    issues: list[Finding] = []
    for index, read in enumerate(raw):
        if not read.index_path or read.setting is None or is_empty(read.value):
            continue
        node: Any = built.document.get(read.setting)
        *parents, last = read.index_path
        for part in parents:
            node = _child(node, part)
        origin = read.origin
        if not _settable(node, last):
            issues.append(Finding(
                Severity.WARNING, "indexed-target-missing",
                f"{origin.key}: {read.setting} has no entry at "
                f"{format_path(read.index_path)}; the value is not carried",
                file=origin.file, line=origin.line, column=origin.column,
                hint=f"give the whole {read.setting} value, or fix the index"))
            continue
        node[last] = _field_value(read, str(last))
        where = format_path((read.setting, *read.index_path))
        built.provenance[where] = origin
        targets[index] = where
    return targets, issues


def _child(node: Any, part: str | int) -> Any:
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    if isinstance(node, dict) and isinstance(part, str):
        return node.get(part)
    return None


def _settable(node: Any, last: str | int) -> bool:
    return isinstance(node, dict) and isinstance(last, str)


def _field_value(read: RawRead, key: str) -> Any:
    value = read.value
    if key == "api_key" and (read.reference or read.origin.file == ENVIRONMENT):
        return f"${{{read.reference or read.origin.key}}}"
    if not isinstance(value, str):
        return value
    text = value.strip()
    if key in _INT_FIELDS and text.lstrip("-").isdigit() and len(text) < 20:
        return int(text)
    if key in _BOOL_FIELDS and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return value


# ---- what to say about the reads ----------------------------------------------------------


def values_read(raw: Sequence[RawRead], env_sources: Collection[str]) -> dict[str, str]:
    """Each variable of an environment with the value it was read with (interpolated),
    and the variable a whole-value reference named with the same value: what a `${VAR}`
    in the output stands for. Later reads win, as they do for the settings."""
    values: dict[str, str] = {}
    for read in raw:
        if read.reference is not None and read.reference in read.unset:
            continue  # `${KEY:-}` with KEY set nowhere: the value is not known here
        if read.origin.file in env_sources and isinstance(read.value, str):
            values[read.origin.key] = read.value
            if read.reference:
                values[read.reference] = read.value
    return values


def unset_variable_issues(raw: Sequence[RawRead]) -> list[Finding]:
    """A Sekha setting built from a variable that is set nowhere (`${REST_API_KEY:-}`, a
    `${POSTGRES_PASSWORD}` inside a URL): name the variable, since the value read is not
    what the file means once it is set."""
    issues = []
    for read in raw:
        if not read.unset or not read.is_sekha:
            continue
        names = ", ".join(read.unset)
        one = len(read.unset) == 1
        # An empty optional value (`VISION_MODEL=${VISION_MODEL:-}`) is what the service
        # ran with too: only said. A kept reference or a half-built value is warned about.
        severity = Severity.WARNING
        if keeps_reference(read):
            result = f"the output keeps ${{{read.reference}}}, unchecked until it is set"
        elif is_empty(read.value):
            result = "its value is empty, and the setting is not carried"
            severity = Severity.INFO
        else:
            result = "its value was read without " + ("it" if one else "them")
        origin = read.origin
        issues.append(Finding(
            severity, "unset-variable",
            f"{origin.key} refers to {names}, which {'is' if one else 'are'} set nowhere "
            f"(not in the shell, nor earlier in its file): {result}",
            file=origin.file, line=origin.line, column=origin.column,
            hint=f"set {names} where the migration runs, as for the service, and run again"))
    return issues


def never_read_issue(read: KeyRead) -> Finding | None:
    """A name v1 never read now takes effect: say so, louder when the value changes."""
    if read.status is not KeyStatus.MAPPED or read.setting is None:
        return None
    origin = read.origin
    default = v1.V1_DEFAULTS.get(read.setting)
    changes = read.value != default
    shown = "" if read.secret else f" ({default!r}); v2 will use {_short(read.value)}"
    return Finding(
        Severity.WARNING if changes else Severity.INFO, "v1-never-read",
        f"{origin.key}: the v1 controller never read this name, so it ran with the "
        f"default{shown}" + (": a change of behaviour" if changes else ""),
        file=origin.file, line=origin.line, column=origin.column,
        path=read.targets[0] if read.targets else "$",
        hint="check that v2 should use this value; remove it from the v2 file if not",
    )


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except ValueError:  # an integer too long to print
        return "a very long number"
    return text if len(text) <= 60 else text[:57] + "..."


def no_settings_issue(readings: Sequence[SourceReading]) -> Finding | None:
    """A source set with no Sekha setting in it would migrate to a defaults-only config."""
    for reading in readings:
        if any(r.is_sekha and (not is_empty(r.value) or keeps_reference(r))
               for r in reading.reads):
            return None
    names = ", ".join(reading.source.name for reading in readings)
    skipped = [name for reading in readings for name in reading.skipped_services]
    unset = [name for reading in readings for r in reading.reads if r.is_sekha
             for name in r.unset]
    detail = f" (services {', '.join(skipped)} are not Sekha's)" if skipped else ""
    if unset:
        detail += f" (its values are empty: {', '.join(dict.fromkeys(unset))} set nowhere)"
    return Finding(
        Severity.ERROR, "no-sekha-settings", f"no Sekha settings in {names}{detail}",
        file=readings[0].source.name if readings else None, line=None, column=None,
        hint="name the file that holds the Sekha configuration (config.toml, .env, or a "
        "compose file with a Sekha service)",
    )


def layout_issues(
    readings: Sequence[SourceReading], output: Path, home: Path, include_home: bool
) -> list[Finding]:
    issues = []
    if not include_home:
        for path in home_configs(home):
            issues.append(Finding(
                Severity.WARNING, "home-config-not-included",
                f"{path} exists: a v1 controller run as this user read it over ./config.*, "
                "but it is not part of this migration", file=str(path),
                hint="pass --include-home to migrate it too"))
    beside = output.parent / "config.toml"
    if output.name in ("config.yaml", "config.yml") and beside.is_file():
        issues.append(Finding(
            Severity.WARNING, "beside-v1-config",
            f"{output} is written beside {beside}: a v1 controller started in "
            f"{output.parent} keeps reading config.toml (it reads config.*), not this file",
            file=str(beside),
            hint="stop the v1 controller, or move config.toml away once v2 runs"))
    return issues
