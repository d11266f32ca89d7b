"""The comments of a YAML file, attached to the keys they belong to.

A comment line belongs to the next key below it; a comment at the end of a line belongs to
the key on that line. Used by conversions so that a user's comments survive wherever the
key they belong to survives (the parser itself drops comments).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sekha_migrate.findings import DataPath, Mark


@dataclass(frozen=True)
class KeyComments:
    above: tuple[str, ...] = ()
    end: str | None = None


def comments_by_key(text: str, key_marks: Mapping[DataPath, Mark]) -> dict[DataPath, KeyComments]:
    """Comments keyed by the path of the key they belong to. The file's closing comments
    (after its last key) are dropped with nothing to belong to."""
    first_key_on_line: dict[int, tuple[int, DataPath]] = {}
    for path, mark in key_marks.items():
        held = first_key_on_line.get(mark.line)
        if held is None or mark.column < held[0]:
            first_key_on_line[mark.line] = (mark.column, path)
    result: dict[DataPath, KeyComments] = {}
    pending: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped)
            continue
        keyed = first_key_on_line.get(number)
        if keyed is None:
            continue
        column, path = keyed
        end = _end_comment(line, column - 1)
        if pending or end:
            result[path] = KeyComments(tuple(pending), end)
        pending = []
    return result


def _end_comment(line: str, start: int) -> str | None:
    """The `# ...` that ends a line, outside quotes (YAML needs a space before it)."""
    quote: str | None = None
    for index in range(start, len(line)):
        char = line[index]
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and index > 0 and line[index - 1] in " \t":
            return line[index:].strip()
    return None
