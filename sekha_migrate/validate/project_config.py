"""The project's settings for validate: `select` / `ignore` kept beside the configuration.

Searched upward from the current directory, as ruff searches: the nearest directory holding
a `.sekha-migrate.toml` (keys at its top level) or a `pyproject.toml` with a
`[tool.sekha-migrate]` table wins; where both are in one directory the dedicated file wins.
A pyproject.toml without the table is passed over, so a parent project's settings still
reach a subdirectory that has its own pyproject.toml for other tools.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Imported where used: a run with no settings file and no flags (the common one) needs
# neither the selection nor the registry, and validate's start-up stays as it was.
if TYPE_CHECKING:
    from sekha_migrate.validate.selection import RuleSelection, SelectionLayer

DEDICATED = ".sekha-migrate.toml"
PYPROJECT = "pyproject.toml"
TABLE = "sekha-migrate"
KEYS = ("select", "ignore")
# `[tool.sekha-migrate]` or `tool.sekha-migrate.select = ...`; or a `sekha-migrate` key under
# a `[tool]` table (not the `sekha-migrate = ...` of [project.scripts], this project's own).
_MENTIONS_TABLE = (
    r"""^\s*(?:\[\s*)?tool\s*\.\s*["']?sekha-migrate["']?\s*[].=]"""
    r"""|^\s*\[\s*tool\s*\](?:\s*\n(?!\s*\[)[^\n]*)*?\n\s*["']?sekha-migrate["']?\s*[.=]"""
)


def find_project_config(start: Path) -> tuple[Path, SelectionLayer] | None:
    """The settings file nearest `start` (a directory) and what it selects, or None when no
    file holds any. Raises `SelectionError` for a file that cannot be read or holds a wrong
    setting."""
    for directory in (start, *start.parents):
        dedicated = directory / DEDICATED
        if dedicated.is_file():
            return dedicated, _layer(dedicated, _read(dedicated))
        pyproject = directory / PYPROJECT
        if pyproject.is_file():
            table = _tool_table(pyproject)
            if table is not None:
                return pyproject, _layer(pyproject, table)
    return None


def _tool_table(path: Path) -> dict[str, Any] | None:
    text = _text(path)
    if TABLE not in text or not re.search(_MENTIONS_TABLE, text, re.MULTILINE):
        return None  # most are not ours: parsing them would cost start-up
    table = _parse(path, text).get("tool", {}).get(TABLE)
    if table is None:
        return None
    if not isinstance(table, dict):
        from sekha_migrate.validate.selection import SelectionError

        raise SelectionError(f"{path}: [tool.{TABLE}] must be a table")
    return table


def _read(path: Path) -> dict[str, Any]:
    return _parse(path, _text(path))


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        from sekha_migrate.validate.selection import SelectionError

        raise SelectionError(f"{path} cannot be read: {exc}") from None


def _parse(path: Path, text: str) -> dict[str, Any]:
    from sekha_migrate.validate.selection import SelectionError

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SelectionError(f"{path} is not valid TOML: {exc}") from None


def _layer(path: Path, table: dict[str, Any]) -> SelectionLayer:
    from sekha_migrate.validate.selection import SelectionError, SelectionLayer, did_you_mean

    where = f"{path} [tool.{TABLE}]" if path.name == PYPROJECT else str(path)
    for key in table:
        if key not in KEYS:
            raise SelectionError(f"{where}: unknown setting {key!r}{did_you_mean(key, KEYS)}; "
                                 "the settings are select and ignore")
    select = _codes(table.get("select", []), f"{where}: select")
    ignore = _codes(table.get("ignore", []), f"{where}: ignore")
    return SelectionLayer(select, ignore)


def _codes(value: Any, origin: str) -> tuple[str, ...]:
    from sekha_migrate.validate.selection import SelectionError, check_patterns, split_patterns

    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SelectionError(f"{origin} must be a list of finding codes, "
                             'e.g. ["unresolved-variable", "schema-"]')
    patterns = split_patterns(value)
    check_patterns(patterns, origin=origin)
    return patterns


def rule_selection(
    start: Path, select: Sequence[str], ignore: Sequence[str]
) -> RuleSelection | None:
    """The project's settings (nearest `start`), then the command line's `--select` /
    `--ignore` values (each a code, a prefix, or several comma-separated) on top; None when
    neither selects anything, so every finding is reported."""
    found = find_project_config(start)
    if found is None and not select and not ignore:
        return None
    from sekha_migrate.validate.selection import (
        RuleSelection,
        SelectionLayer,
        check_patterns,
        split_patterns,
    )

    layers = [found[1]] if found is not None else []
    command_line = SelectionLayer(split_patterns(select), split_patterns(ignore))
    check_patterns(command_line.select, origin="--select")
    check_patterns(command_line.ignore, origin="--ignore")
    if command_line.select or command_line.ignore:
        layers.append(command_line)
    return RuleSelection(tuple(layers))
