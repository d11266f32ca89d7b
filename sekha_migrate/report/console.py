"""The one place that decides how output reaches the terminal.

On a terminal rich colours it. Piped, in a CI log, or with NO_COLOR set, lines and tables
are written as plain text without importing rich at all (it is a good part of start-up).
`--color always|never` and FORCE_COLOR override that guess; `--quiet` silences reports
(errors still reach stderr, machine formats still reach stdout).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from typing import Any, Literal, TextIO

Segment = tuple[str, str]  # (text, rich style; "" for none)
Line = Sequence[Segment]


_mode: dict[str, object] = {"color": "auto", "quiet": False, "verbose": False}


def set_output_mode(*, color: str = "auto", quiet: bool = False, verbose: bool = False) -> None:
    """The command's --color, --quiet and --verbose, set once per run before anything is
    printed."""
    _mode.update(color=color, quiet=quiet, verbose=verbose)


def is_quiet() -> bool:
    return bool(_mode["quiet"])


def is_verbose() -> bool:
    return bool(_mode["verbose"])


def is_plain(stream: TextIO) -> bool:
    """Whether output to `stream` goes without colour and tables (see https://no-color.org)."""
    if _mode["color"] != "auto":
        return _mode["color"] == "never"
    if os.environ.get("NO_COLOR"):
        return True
    if os.environ.get("FORCE_COLOR"):
        return False
    try:
        return not stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return True


def _color_system(plain: bool) -> Literal["auto", "standard"] | None:
    """rich's "auto" finds no colour on a dumb terminal; colour asked for by --color always or
    FORCE_COLOR is given in the 16 standard colours there instead."""
    if plain:
        return None
    if os.environ.get("TERM", "").lower() in ("dumb", "unknown") and (
        _mode["color"] == "always" or os.environ.get("FORCE_COLOR")
    ):
        return "standard"
    return "auto"


def make_console(*, stderr: bool = False, markup: bool = True) -> Any:
    """A rich console: colour on a terminal, plain when piped or NO_COLOR. Never wraps."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    plain = is_plain(stream)
    return Console(
        file=stream,
        no_color=plain,
        color_system=_color_system(plain),
        force_terminal=None if plain else True,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        markup=markup,
    )


class PlainWriter:
    """Stands in for a rich console off a terminal: `print` writes text as it is."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def print(self, text: str = "", **_: Any) -> None:
        self.write(f"{text}\n")

    def write(self, text: str) -> None:
        # A log or pipe without UTF-8 (PYTHONIOENCODING=ascii, a latin-1 locale) gets '?'
        # for what it cannot show instead of a UnicodeEncodeError.
        encoding = getattr(self.stream, "encoding", None) or "utf-8"
        self.stream.write(text.encode(encoding, "replace").decode(encoding))


class QuietWriter(PlainWriter):
    """--quiet: a report nobody asked to see."""

    def write(self, text: str) -> None:
        return None


def make_writer(*, stderr: bool = False) -> Any:
    """A PlainWriter off a terminal, else a rich console; both take `emit` and `emit_table`."""
    stream = sys.stderr if stderr else sys.stdout
    if _mode["quiet"]:
        return QuietWriter(stream)
    # Strings are printed as they are either way: a path with [brackets] is not markup.
    return PlainWriter(stream) if is_plain(stream) else make_console(stderr=stderr, markup=False)


# Control characters and line breaks: what came from the input (a YAML key holding
# `\n::error file=...::` or an ESC sequence) must not start a CI workflow command or drive
# the terminal. Tabs stay.
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """`text` with each control character and line break shown as an escape (`\\n`, `\\x1b`)."""
    if not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)


def emit(out: Any, *lines: Line) -> None:
    """Styled lines, each segment printable: joined as plain text, or assembled by rich."""
    if isinstance(out, PlainWriter):
        out.write("".join("".join(printable(text) for text, _ in line) + "\n" for line in lines))
        return
    from rich.text import Text

    for line in lines:
        out.print(Text.assemble(*((printable(text), style) for text, style in line)))


def emit_table(out: Any, title: str, headers: Sequence[str], rows: Sequence[Line]) -> None:
    """A table with one styled cell per segment of each row."""
    if isinstance(out, PlainWriter):
        cells = [list(headers), *[[printable(text) for text, _ in row] for row in rows]]
        widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
        body = [
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in cells
        ]
        rule = "  ".join("-" * w for w in widths)
        out.write("\n".join([title, body[0], rule, *body[1:]]) + "\n")
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(title), title_justify="left")
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(Text(printable(text), style=style) for text, style in row))
    out.print(table)
