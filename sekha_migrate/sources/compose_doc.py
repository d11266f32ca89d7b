"""Compose files: each service's `environment:` and `env_file:`, interpolated exactly as
docker compose does.

Interpolation covers: `$VAR`, `${VAR}`, `${VAR:-d}`, `${VAR-d}`,
`${VAR:?msg}`, `${VAR?msg}`, `${VAR:+r}`, `${VAR+r}` and `$$` for a literal `$`.

The rules are compose's own (compose-go `template`): `:` forms treat an empty variable as
unset, defaults may themselves hold references, a `$` not followed by a name or `{` stays
a `$`, and a malformed `${...}` is an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from sekha_migrate.findings import DataPath, Mark

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = (":-", ":?", ":+", "-", "?", "+")


class InterpolationError(ValueError):
    """A `${...}` compose would refuse: unclosed, a bad name, or a `?` on an unset variable."""


class Interpolated(NamedTuple):
    value: str
    names: tuple[str, ...]  # every variable the text refers to
    # The variable when the whole text is one reference (`${KEY}`, `${KEY:-}`): a secret
    # read this way is written back as `${KEY}` so it stays outside the file.
    reference: str | None = None
    # The variables that were not set and so gave empty text (`${KEY}`, `${KEY:-}` with
    # KEY unset): what to name when a value comes out empty or incomplete.
    unset: tuple[str, ...] = ()


def interpolate(text: str, variables: Mapping[str, str]) -> Interpolated:
    names: list[str] = []
    unset: list[str] = []
    value = _expand(text, variables, names, unset)
    return Interpolated(value, tuple(dict.fromkeys(names)), _whole_reference(text),
                        tuple(dict.fromkeys(unset)))


def _whole_reference(text: str) -> str | None:
    if text.startswith("${") and text.endswith("}"):
        found = _NAME.match(text, 2)
        if found and (found.end() == len(text) - 1 or _operator_at(text, found.end())):
            end = _closing_brace(text, 2)
            return found.group() if end == len(text) - 1 else None
    if text.startswith("$"):
        found = _NAME.match(text, 1)
        if found and found.end() == len(text):
            return found.group()
    return None


# Errors never quote the value: a `$` is common in generated passwords, and the text from it
# onwards would be the rest of the password.
_LITERAL_DOLLAR = "(the value is not shown; a literal $ is written $$)"


def _expand(text: str, variables: Mapping[str, str], names: list[str], unset: list[str]
            ) -> str:
    out: list[str] = []
    index = 0
    while index < len(text):
        dollar = text.find("$", index)
        if dollar < 0:
            out.append(text[index:])
            break
        out.append(text[index:dollar])
        following = text[dollar + 1 : dollar + 2]
        if following == "$":
            out.append("$")
            index = dollar + 2
        elif following == "{":
            end = _closing_brace(text, dollar + 2)
            if end < 0:
                raise InterpolationError("invalid interpolation format: a ${ is never closed "
                                         f"{_LITERAL_DOLLAR}")
            out.append(_braced(text[dollar + 2 : end], variables, names, unset))
            index = end + 1
        else:
            found = _NAME.match(text, dollar + 1)
            if found is None:
                out.append("$")  # compose keeps a lone $ as it is
                index = dollar + 1
                continue
            names.append(found.group())
            if found.group() not in variables:
                unset.append(found.group())
            out.append(variables.get(found.group(), ""))
            index = found.end()
    return "".join(out)


def _braced(inner: str, variables: Mapping[str, str], names: list[str], unset: list[str]
            ) -> str:
    found = _NAME.match(inner)
    if found is None:
        raise InterpolationError("invalid interpolation format: what follows a ${ is not a "
                                 f"variable name {_LITERAL_DOLLAR}")
    name = found.group()
    names.append(name)
    rest = inner[found.end() :]
    value = variables.get(name)
    if not rest:
        if value is None:
            unset.append(name)
        return value or ""
    operator = _operator_at(inner, found.end())
    if operator is None:
        raise InterpolationError(f"invalid interpolation format after ${{{name}: not an operator "
                                 f"compose knows {_LITERAL_DOLLAR}")
    argument = rest[len(operator) :]
    missing = value is None or (operator.startswith(":") and value == "")
    if operator in (":-", "-"):
        if not missing:
            return str(value)
        default = _expand(argument, variables, names, unset)
        if value is None and not default:  # `${KEY:-}`: empty because KEY is not set
            unset.append(name)
        return default
    if operator in (":?", "?"):
        if missing:
            # The message as written, never expanded: another variable may hold a secret.
            message = "" if not argument else ": required" if "$" in argument else f": {argument}"
            raise InterpolationError(f"required variable {name} is missing a value{message}")
        return str(value)
    return "" if missing else _expand(argument, variables, names, unset)


def _operator_at(text: str, index: int) -> str | None:
    for operator in _OPERATORS:
        if text.startswith(operator, index):
            return operator
    return None


def _closing_brace(text: str, start: int) -> int:
    """The `}` closing a `${` whose content starts at `start`. Every `{` opens a level, not
    only a nested `${`, as compose-go's getFirstBraceClosingIndex counts: `${J:-{"a":1}}`
    is one reference whose default is `{"a":1}`."""
    depth = 1
    index = start
    while index < len(text):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return -1


# ---- compose documents --------------------------------------------------------------------


class ComposeEntry(NamedTuple):
    """One `NAME=value` of a service's environment, interpolated.

    `value` is None for a name given without a value that the variables do not hold
    (compose leaves it unset); `error` says why interpolation failed."""

    name: str
    value: str | None
    mark: Mark | None
    reference: str | None = None
    error: str | None = None
    unset: tuple[str, ...] = ()  # variables it refers to that were not set
    names: tuple[str, ...] = ()  # every variable it refers to


class ComposeService(NamedTuple):
    name: str
    image: str
    build: str  # the build context, which names the component when there is no image
    entries: tuple[ComposeEntry, ...]
    env_files: tuple[tuple[str, bool, Mark | None], ...]  # (path, required, where)
    mark: Mark | None
    # Bind mounts, interpolated: (host path as written, path in the container, where).
    mounts: tuple[tuple[str, str, Mark | None], ...] = ()
    working_dir: str | None = None
    # The names other services reach it by besides its own: container_name and network
    # aliases.
    aliases: tuple[str, ...] = ()
    healthcheck: Healthcheck | None = None
    # `extends:` (the file, None for this one; the service): see effective.environment.
    extends: tuple[str | None, str] | None = None
    image_mark: Mark | None = None  # where `image:` is written, when it is


class Healthcheck(NamedTuple):
    """A healthcheck's test as one text (a list joined by spaces), where it is written, and
    in which file when another one (a service it extends) holds it."""

    test: str
    mark: Mark | None
    file: str | None = None


class LoadedCompose:
    def __init__(self) -> None:
        self.services: list[ComposeService] = []


def is_compose(data: Any) -> bool:
    """A compose file: a mapping whose `services` is a mapping of services."""
    return isinstance(data, dict) and isinstance(data.get("services"), dict)


MarkFor = Callable[[DataPath], "Mark | None"]


def load_compose(data: Mapping[str, Any], mark_for: MarkFor, variables: Mapping[str, str]
                 ) -> LoadedCompose:
    loaded = LoadedCompose()
    for name, spec in data["services"].items():
        if not isinstance(spec, dict):
            continue
        base: DataPath = ("services", name)
        build = spec.get("build")
        context = build.get("context", "") if isinstance(build, dict) else build
        loaded.services.append(ComposeService(
            name=str(name),
            image=_interpolated(str(spec.get("image") or ""), variables),
            build=str(context or ""),
            entries=tuple(_environment(spec.get("environment"), (*base, "environment"),
                                       mark_for, variables)),
            env_files=tuple(_env_files(spec.get("env_file"), (*base, "env_file"), mark_for)),
            mark=mark_for(base),
            mounts=tuple(_mounts(spec.get("volumes"), (*base, "volumes"), mark_for, variables)),
            working_dir=spec.get("working_dir") if isinstance(spec.get("working_dir"), str)
            else None,
            aliases=_aliases(spec),
            healthcheck=_healthcheck(spec.get("healthcheck"), (*base, "healthcheck"), mark_for),
            extends=_extends(spec.get("extends")),
            image_mark=mark_for((*base, "image")) if "image" in spec else None,
        ))
    return loaded


def _interpolated(text: str, variables: Mapping[str, str]) -> str:
    """`text` as compose interpolates it; as written when compose would refuse it (the
    refusal is reported where the value matters)."""
    try:
        return interpolate(text, variables).value
    except InterpolationError:
        return text


def _aliases(spec: Mapping[str, Any]) -> tuple[str, ...]:
    names = [spec["container_name"]] if isinstance(spec.get("container_name"), str) else []
    networks = spec.get("networks")
    if isinstance(networks, dict):
        for network in networks.values():
            aliases = network.get("aliases") if isinstance(network, dict) else None
            names += [a for a in aliases if isinstance(a, str)] if isinstance(aliases,
                                                                               list) else []
    return tuple(dict.fromkeys(names))


def _extends(value: Any) -> tuple[str | None, str] | None:
    if isinstance(value, str):
        return None, value
    if isinstance(value, dict) and isinstance(value.get("service"), str):
        file = value.get("file")
        return (file if isinstance(file, str) else None), value["service"]
    return None


def _healthcheck(value: Any, path: DataPath, mark_for: MarkFor) -> Healthcheck | None:
    test = value.get("test") if isinstance(value, dict) else None
    if isinstance(test, list):
        text = " ".join(str(part) for part in test)
    elif isinstance(test, str):
        text = test
    else:
        return None
    return Healthcheck(text, mark_for((*path, "test")))


def _environment(
    environment: Any, path: DataPath, mark_for: MarkFor, variables: Mapping[str, str]
) -> list[ComposeEntry]:
    pairs: list[tuple[str, str | None, DataPath]] = []
    if isinstance(environment, dict):
        for key, value in environment.items():
            text = None if value is None else _scalar_text(value)
            pairs.append((str(key), text, (*path, key)))
    elif isinstance(environment, list):
        for index, item in enumerate(environment):
            text = _scalar_text(item)
            name, equals, value = text.partition("=")
            pairs.append((name.strip(), value if equals else None, (*path, index)))
    return [_entry(name, value, mark_for(where), variables) for name, value, where in pairs
            if name]


def _scalar_text(value: Any) -> str:
    """Compose passes booleans as `true`/`false` and numbers as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _entry(name: str, value: str | None, mark: Mark | None, variables: Mapping[str, str]
           ) -> ComposeEntry:
    if value is None:  # `NAME` alone: the value comes from the shell, if it has one
        known = variables.get(name)
        reference = name if known is not None else None
        return ComposeEntry(name, known, mark, reference, names=(name,))
    try:
        done = interpolate(value, variables)
    except InterpolationError as exc:
        return ComposeEntry(name, None, mark, error=str(exc))
    return ComposeEntry(name, done.value, mark, done.reference, unset=done.unset,
                        names=done.names)


def _env_files(value: Any, path: DataPath, mark_for: MarkFor
               ) -> list[tuple[str, bool, Mark | None]]:
    items = value if isinstance(value, list) else [value] if value is not None else []
    found = []
    for index, item in enumerate(items):
        where = mark_for((*path, index) if isinstance(value, list) else path)
        if isinstance(item, str):
            found.append((item, True, where))
        elif isinstance(item, dict) and isinstance(item.get("path"), str):
            found.append((item["path"], item.get("required", True) is not False, where))
    return found


def _mounts(value: Any, path: DataPath, mark_for: MarkFor, variables: Mapping[str, str]
            ) -> list[tuple[str, str, Mark | None]]:
    """Bind mounts in both syntaxes: `./config.toml:/app/config.toml:ro` and
    `{type: bind, source: ..., target: ...}`; named volumes are not files of the project."""
    found = []
    for index, item in enumerate(value if isinstance(value, list) else []):
        source = target = None
        if isinstance(item, str):
            try:
                text = interpolate(item, variables).value
            except InterpolationError:
                continue
            parts = text.split(":")
            if len(parts) >= 2:
                source, target = parts[0], parts[1]
        elif isinstance(item, dict) and item.get("type", "bind") == "bind":
            source, target = item.get("source"), item.get("target")
        if (isinstance(source, str) and isinstance(target, str)
                and source.startswith((".", "/", "~"))):
            found.append((source, target, mark_for((*path, index))))
    return found
