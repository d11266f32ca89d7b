"""`${VAR}` references: expanding the ones we can, listing the ones we cannot."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sekha_migrate.findings import DataPath

# A `${VAR}` reference (group 1), or `$$`, an escaped `$` (group 1 is None): matching `$$`
# first is what keeps `$${VAR}` a literal, as compose writes it. The schemas' own pattern
# is simpler and also accepts `$${VAR}`.
PLACEHOLDER = re.compile(r"\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)\})")


def expand_placeholders(
    data: Any, env: Mapping[str, str]
) -> tuple[Any, list[tuple[DataPath, str]]]:
    """A copy of `data` with every resolvable `${VAR}` replaced by its value.

    A string is expanded only when all of its variables are set; otherwise it is kept as
    written (so the schema checks it as a placeholder) and each missing name is returned.
    """
    unresolved: list[tuple[DataPath, str]] = []

    def walk(value: Any, path: DataPath) -> Any:
        if isinstance(value, str):
            return _expand_string(value, path, env, unresolved)
        if isinstance(value, dict):
            return {key: walk(item, (*path, key)) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item, (*path, index)) for index, item in enumerate(value)]
        return value

    return walk(data, ()), unresolved


def expand_placeholders_at(
    data: Any, paths: Iterable[DataPath], env: Mapping[str, str]
) -> tuple[Any, list[tuple[DataPath, str]]]:
    """`expand_placeholders` when the loader already knows which strings hold `${`.

    Only the containers on those paths are copied; the rest of the document is shared.
    """
    unresolved: list[tuple[DataPath, str]] = []
    result = data
    for path in paths:
        parent_chain = _chain(result, path)
        if parent_chain is None:
            continue
        original = parent_chain[-1][path[-1]] if path else result
        if not isinstance(original, str):
            continue
        expanded = _expand_string(original, path, env, unresolved)
        if expanded == original:
            continue
        # Copy-on-write from the root down to the changed string.
        value: Any = expanded
        for depth in range(len(path) - 1, -1, -1):
            container = parent_chain[depth]
            key = path[depth]
            if isinstance(container, list) and isinstance(key, int):
                items = list(container)
                items[key] = value
                value = items
            else:
                value = {**container, key: value}
        result = value
    return result, unresolved


def _chain(data: Any, path: DataPath) -> list[Any] | None:
    """The containers from the root to the parent of `path`; None when the path no longer
    leads anywhere (a duplicate key replaced the value that held the `${`)."""
    chain = [data]
    for part in path:
        container = chain[-1]
        if isinstance(container, list):
            if not (isinstance(part, int) and 0 <= part < len(container)):
                return None
        elif not (isinstance(container, dict) and part in container):
            return None
        chain.append(container[part])
    return chain[:-1]


def _expand_string(
    value: str, path: DataPath, env: Mapping[str, str], unresolved: list[tuple[DataPath, str]]
) -> str:
    if "${" not in value:
        return value
    names = placeholder_names(value)
    missing = [name for name in names if name not in env]
    if missing:
        unresolved.extend((path, name) for name in dict.fromkeys(missing))
        return value
    if not names:
        return value
    # `$$` stays as written: only whole `${VAR}` references are the environment's to fill.
    return PLACEHOLDER.sub(lambda m: env[m.group(1)] if m.group(1) else m.group(0), value)


def placeholder_names(value: Any) -> list[str]:
    """The variables a string refers to (empty for anything else; `$${X}` is no reference)."""
    if not isinstance(value, str) or "${" not in value:
        return []
    return [name for name in PLACEHOLDER.findall(value) if name]
