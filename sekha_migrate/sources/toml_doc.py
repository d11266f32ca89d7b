"""TOML into plain data plus the line and column of every key.

`tomllib` gives no positions, so we scan the text ourselves alongside it: tomllib stays
the judge of what the document means, the scanner only says where each key was written.
The scanner follows TOML's rule that a key written after a `[table]` header belongs to
that table, however it is indented.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Any

from sekha_migrate.findings import DataPath, Mark
from sekha_migrate.sources.text import SourceError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass
class LoadedToml:
    data: dict[str, Any]
    key_marks: dict[DataPath, Mark] = field(default_factory=dict)

    def mark_for(self, path: DataPath) -> Mark | None:
        """The mark of `path`, or of the nearest enclosing table that has one."""
        current = tuple(path)
        while current:
            if current in self.key_marks:
                return self.key_marks[current]
            current = current[:-1]
        return None


_MAX_INT_BITS = 256  # far above any port, timeout or dimension


def load_toml(text: str) -> LoadedToml:
    """Parse a TOML document. Raises `SourceError` with tomllib's line and column."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise SourceError("TOML nested too deeply to read", code="syntax",
                          line=_deepest_line(text)) from None
    except ValueError as exc:
        if not isinstance(exc, tomllib.TOMLDecodeError):  # int() refusing a giant integer
            raise SourceError("an integer too long to read (over 4300 digits)", code="syntax",
                              line=_long_number_line(text)) from None
        message = str(exc)
        found = _POSITION.search(message)
        raise SourceError(
            f"TOML syntax error: {_POSITION.sub('', message).strip()}",
            code="syntax",
            line=int(found.group(1)) if found else None,
            column=int(found.group(2)) if found else None,
        ) from None
    if _holds_huge_int(data):  # 0x + thousands of digits: read, but never printable
        raise SourceError("a number too large for any setting (hundreds of digits)",
                          code="syntax", line=_long_number_line(text))
    return LoadedToml(data=data, key_marks=_scan_key_marks(text))


def _holds_huge_int(value: Any) -> bool:
    if isinstance(value, int):
        return value.bit_length() > _MAX_INT_BITS
    if isinstance(value, dict):
        return any(_holds_huge_int(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_huge_int(item) for item in value)
    return False


def _long_number_line(text: str) -> int | None:
    found = re.search(r"[0-9a-fA-F_]{200,}", text)
    return text.count("\n", 0, found.start()) + 1 if found else None


def _deepest_line(text: str) -> int | None:
    """The line where nesting gets deepest: where a reader gave up."""
    depth = best = 0
    line = best_line = 1
    for char in text:
        if char == "\n":
            line += 1
        elif char in "[{":
            depth += 1
            if depth > best:
                best, best_line = depth, line
        elif char in "]}":
            depth -= 1
    return best_line


def _scan_key_marks(text: str) -> dict[DataPath, Mark]:
    marks: dict[DataPath, Mark] = {}
    table: DataPath = ()
    array_counts: dict[DataPath, int] = {}
    open_string: str | None = None  # the delimiter of a multi-line string still open
    depth = 0  # open [ and { of a value that spans lines
    for number, line in enumerate(text.splitlines(), start=1):
        if open_string is not None or depth > 0:
            open_string, depth = _scan_value(line, 0, open_string, depth)
            continue
        stripped = line.lstrip()
        column = len(line) - len(stripped) + 1
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("[["):
            path = _parse_key(stripped, 2)[0]
            array_counts[path] = array_counts.get(path, -1) + 1
            table = (*path, array_counts[path])
            marks.setdefault(path, Mark(number, column))
            marks[table] = Mark(number, column)
            continue
        if stripped.startswith("["):
            table = _parse_key(stripped, 1)[0]
            marks[table] = Mark(number, column)
            continue
        key, end = _parse_key(line, column - 1)
        if not key:
            continue
        marks[(*table, *key)] = Mark(number, column)
        equals = line.find("=", end)
        if equals >= 0:
            open_string, depth = _scan_value(line, equals + 1, None, 0)
    return marks


def _parse_key(line: str, start: int) -> tuple[DataPath, int]:
    """A dotted key (bare or quoted parts) starting at `start`; returns parts and end index."""
    parts: list[str] = []
    index = start
    while index < len(line):
        while index < len(line) and line[index] in " \t":
            index += 1
        if index >= len(line):
            break
        char = line[index]
        if char in "\"'":
            close = _closing_quote(line, index + 1, char)
            raw = line[index + 1 : close]
            parts.append(_unescape(raw) if char == '"' else raw)
            index = close + 1
        else:
            match = _BARE_KEY.match(line, index)
            if not match:
                break
            parts.append(match.group())
            index = match.end()
        while index < len(line) and line[index] in " \t":
            index += 1
        if index < len(line) and line[index] == ".":
            index += 1
            continue
        break
    return tuple(parts), index


def _closing_quote(line: str, index: int, quote: str) -> int:
    while index < len(line):
        if quote == '"' and line[index] == "\\":
            index += 2
            continue
        if line[index] == quote:
            return index
        index += 1
    return len(line)


def _unescape(raw: str) -> str:
    try:
        return str(tomllib.loads(f'k = "{raw}"')["k"])
    except tomllib.TOMLDecodeError:
        return raw


def _scan_value(
    line: str, index: int, open_string: str | None, depth: int
) -> tuple[str | None, int]:
    """Follow strings, comments and brackets through one line of a value."""
    while index < len(line):
        if open_string is not None:
            end = line.find(open_string, index)
            while end > 0 and open_string == '"""' and _escaped(line, end):
                end = line.find(open_string, end + 1)
            if end < 0:
                return open_string, depth
            index = end + 3
            open_string = None
            continue
        char = line[index]
        if char == "#":
            break
        if line.startswith('"""', index) or line.startswith("'''", index):
            open_string = line[index : index + 3]
            index += 3
            continue
        if char in "\"'":
            index = _closing_quote(line, index + 1, char) + 1
            continue
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth = max(depth - 1, 0)
        index += 1
    return open_string, depth


def _escaped(line: str, index: int) -> bool:
    backslashes = 0
    while index - 1 - backslashes >= 0 and line[index - 1 - backslashes] == "\\":
        backslashes += 1
    return backslashes % 2 == 1
