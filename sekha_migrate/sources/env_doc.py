"""`.env` files into name/value pairs, each with the line it was written on.

python-dotenv's own parser decides quoting, `export ` prefixes, comments and multi-line
values, exactly as `dotenv_values` would; we keep its line numbers. `${VAR}` references
are kept as written (not expanded): v2 files understand them too.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import NamedTuple

from dotenv.parser import parse_stream

from sekha_migrate.findings import Mark
from sekha_migrate.sources.compose_doc import InterpolationError, interpolate


class EnvEntry(NamedTuple):
    """One assignment. `value` is None for a bare `NAME` line without `=`."""

    name: str
    value: str | None
    mark: Mark
    literal: bool = False  # single-quoted: compose does not interpolate it


class LoadedEnv:
    def __init__(self) -> None:
        self.entries: list[EnvEntry] = []
        # Lines python-dotenv could not parse (it skips them with a warning; so do we), as
        # an excerpt that is safe to print (see `_safe_excerpt`).
        self.unparsed: list[tuple[int, str]] = []

    def values(self) -> dict[str, str | None]:
        """What `dotenv_values` (without interpolation) gives: the last assignment wins."""
        return {entry.name: entry.value for entry in self.entries}


def load_env_text(text: str) -> LoadedEnv:
    result = LoadedEnv()
    for binding in parse_stream(io.StringIO(text)):
        line = binding.original.line
        if binding.error:
            first = binding.original.string.splitlines()[0] if binding.original.string else ""
            result.unparsed.append((line, _safe_excerpt(first)))
            continue
        if binding.key is None:
            continue
        column = _key_column(binding.original.string, binding.key)
        literal = binding.original.string.partition("=")[2].lstrip().startswith("'")
        result.entries.append(EnvEntry(binding.key, binding.value, Mark(line, column), literal))
    return result


class ResolvedEntry(NamedTuple):
    """An entry with its references expanded; `error` says why they could not be."""

    entry: EnvEntry
    value: str | None
    reference: str | None = None  # the variable a whole-value `${VAR}` refers to
    error: str | None = None
    unset: tuple[str, ...] = ()  # variables it refers to that were set nowhere
    names: tuple[str, ...] = ()  # every variable it refers to


def resolve_env(loaded: LoadedEnv, shell: Mapping[str, str]) -> list[ResolvedEntry]:
    """Expand `${VAR}` forms as compose does for a `.env`: from the shell first, then from
    the assignments above in the same file."""
    seen: dict[str, str] = {}
    resolved = []
    for entry in loaded.entries:
        if entry.value is None or entry.literal:
            resolved.append(ResolvedEntry(entry, entry.value))
            continue
        try:
            done = interpolate(entry.value, {**seen, **shell})
        except InterpolationError as exc:
            resolved.append(ResolvedEntry(entry, None, error=str(exc)))
            continue
        seen[entry.name] = done.value
        resolved.append(ResolvedEntry(entry, done.value, done.reference, unset=done.unset,
                                      names=done.names))
    return resolved


def _key_column(original: str, key: str) -> int:
    """Where the name starts on its line (after indentation and `export `)."""
    for text_line in original.splitlines():
        found = text_line.find(key)
        if found >= 0 and not text_line.lstrip().startswith("#"):
            return found + 1
    return 1


_LEADING_NAME = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)")


def _safe_excerpt(line: str) -> str:
    """The name a broken line starts with, never its value: a line dotenv cannot parse is
    often `NAME value` or a pasted key, and echoing it would print the key whole."""
    found = _LEADING_NAME.match(line)
    rest = line[found.end():].strip() if found else line.strip()
    if found and rest and len(found.group(1)) <= 40:
        return f"{found.group(1)} …"
    return f"({len(line.strip())} characters, not shown)"
