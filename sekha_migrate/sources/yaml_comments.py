"""The comments of a YAML file, attached to the keys they belong to.

A comment line belongs to the next key below it; a comment at the end of a line belongs to
the key on that line. Used by conversions so that a user's comments survive wherever the
key they belong to survives (the parser itself drops comments). A `#` line inside a block
scalar (`|`, `>`) is the scalar's text, not a comment, and a quote inside a plain value
(`name: don't panic  # c`) opens nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sekha_migrate.findings import DataPath, Mark

# A line whose value is a block scalar: `key: |`, `- >-`, `key: |2+  # note`.
_BLOCK_HEADER = re.compile(r"(?:^|[\s:-])[|>][1-9+-]{0,2}[ \t]*(?:#.*)?$")
# A `- ` that opens a sequence item at the start of a line (or after another).
_ITEM_DASHES = re.compile(r"\s*(?:-[ \t]+)*")


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
    block_parent: int | None = None  # inside a block scalar: the indent its text exceeds
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if block_parent is not None:
            if not stripped or _indent(line) > block_parent:
                continue  # the block scalar's text
            block_parent = None
        if stripped.startswith("#"):
            pending.append(stripped)
            continue
        keyed = first_key_on_line.get(number)
        end_at = _end_comment_at(line, keyed[0] - 1 if keyed else _indent(line))
        if _BLOCK_HEADER.search(line[:end_at].rstrip() if end_at is not None else line):
            block_parent = _block_parent(line, number, key_marks)
        if keyed is None:
            continue
        end = line[end_at:].strip() if end_at is not None else None
        if pending or end:
            result[keyed[1]] = KeyComments(tuple(pending), end)
        pending = []
    return result


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block_parent(line: str, number: int, key_marks: Mapping[DataPath, Mark]) -> int:
    """The indent a block scalar's text must exceed: that of the last key on its header line
    (`  - key: |`), or of the last dash when the block is a sequence item (`- |`)."""
    columns = [mark.column - 1 for mark in key_marks.values() if mark.line == number]
    if columns:
        return max(columns)
    dashes = _ITEM_DASHES.match(line)
    last_dash = line.rfind("-", 0, dashes.end() if dashes else 0)
    return last_dash if last_dash >= 0 else _indent(line)


def _end_comment_at(line: str, start: int) -> int | None:
    """Where the `# ...` that ends a line starts, outside quoted scalars (YAML needs a space
    before it). A quote opens a scalar only where a scalar starts: at `start`, or after
    `: `, `- `, `? `, or `[`, `{`, `,` of a flow collection; elsewhere it is text."""
    quote: str | None = None
    in_flow = False
    index = start
    while index < len(line):
        char = line[index]
        if quote == '"':
            if char == "\\":
                index += 2
                continue
            if char == '"':
                quote = None
        elif quote == "'":
            if char == "'" and line.startswith("''", index):
                index += 2
                continue
            if char == "'":
                quote = None
        elif char == "#" and index > 0 and line[index - 1] in " \t":
            return index
        elif char in "'\"" and _scalar_starts(line[start:index], in_flow):
            quote = char
        elif char in "[{":
            in_flow = in_flow or _scalar_starts(line[start:index], in_flow)
        index += 1
    return None


def _scalar_starts(before: str, in_flow: bool) -> bool:
    """Whether a scalar may start right after `before` (the line from the key on)."""
    text = before.rstrip(" \t")
    if not text:
        return True
    if before == text:  # no space before: `a:'b'` or `don't` is text
        return in_flow and text[-1] in "[{,"
    return text[-1] in ":-?" or (in_flow and text[-1] in "[{,")
