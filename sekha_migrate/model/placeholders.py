"""`${VAR}` references: expanding the ones we can, listing the ones we cannot."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sekha_migrate.findings import DataPath

# A string that holds an unexpanded ${VAR}. The same pattern the schemas use.
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


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
        parent_chain = [result]
        for part in path[:-1]:
            parent_chain.append(parent_chain[-1][part])
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


def _expand_string(
    value: str, path: DataPath, env: Mapping[str, str], unresolved: list[tuple[DataPath, str]]
) -> str:
    if "${" not in value:
        return value
    names = PLACEHOLDER.findall(value)
    missing = [name for name in names if name not in env]
    if missing:
        unresolved.extend((path, name) for name in dict.fromkeys(missing))
        return value
    return PLACEHOLDER.sub(lambda match: env[match.group(1)], value)


def placeholder_names(value: Any) -> list[str]:
    """The variables a string refers to (empty for anything else)."""
    return PLACEHOLDER.findall(value) if isinstance(value, str) else []
