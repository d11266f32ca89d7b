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


def wants_color(stream: TextIO) -> bool:
    """Whether output to `stream` is coloured: --color always|never decides (over NO_COLOR,
    FORCE_COLOR and TERM); else NO_COLOR (https://no-color.org), then FORCE_COLOR, then
    whether it is a terminal."""
    if _mode["color"] != "auto":
        return _mode["color"] == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return is_terminal(stream)


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def is_plain(stream: TextIO) -> bool:
    """Whether output to `stream` is laid out for a log or a pipe: plain lines and aligned
    columns, no box drawing, no progress line. Only a terminal gets those; colour is another
    question (wants_color), so --color always never adds them."""
    return not is_terminal(stream)


def can_redraw(stream: TextIO) -> bool:
    """A terminal that can rewrite a line in place (a progress line): not TERM=dumb."""
    return is_terminal(stream) and os.environ.get("TERM", "").lower() not in ("dumb", "unknown")


def _color_system(color: bool) -> Literal["auto", "standard"] | None:
    """rich's "auto" finds no colour on a dumb terminal or a pipe; colour asked for there is
    given in the 16 standard colours."""
    if not color:
        return None
    dumb = os.environ.get("TERM", "").lower() in ("dumb", "unknown")
    return "standard" if dumb or _mode["color"] == "always" or os.environ.get(
        "FORCE_COLOR") else "auto"


def make_console(*, stderr: bool = False, markup: bool = True) -> Any:
    """A rich console: colour as wants_color says, the layout of a terminal or of a log as
    is_plain says. Never wraps a line of text (tables lay out their own cells)."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    color = wants_color(stream)
    return Console(
        file=stream,
        no_color=not color,
        color_system=_color_system(color),
        force_terminal=True if color else None,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        markup=markup,
    )


def paint(text: str, style: str) -> str:
    """`text` in `style` as ANSI codes of the 16 standard colours, for a log that asked for
    colour (rich's parser; imported only then)."""
    if not style:
        return text
    from rich.color import ColorSystem
    from rich.style import Style

    return Style.parse(style).render(text, color_system=ColorSystem.STANDARD)


class PlainWriter:
    """Stands in for a rich console off a terminal: `print` writes text as it is; `color`
    paints the styled segments `emit` and `emit_table` give it, and changes nothing else."""

    def __init__(self, stream: TextIO, *, color: bool = False) -> None:
        self.stream = stream
        self.color = color

    def print(self, text: str = "", **_: Any) -> None:
        self.write(f"{text}\n")

    def write(self, text: str) -> None:
        # A log or pipe without UTF-8 (PYTHONIOENCODING=ascii, a latin-1 locale) gets '?'
        # for what it cannot show instead of a UnicodeEncodeError.
        encoding = getattr(self.stream, "encoding", None) or "utf-8"
        self.stream.write(text.encode(encoding, "replace").decode(encoding))

    def styled(self, text: str, style: str) -> str:
        return paint(text, style) if self.color else text


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
    if is_plain(stream):
        return PlainWriter(stream, color=wants_color(stream))
    return make_console(stderr=stderr, markup=False)


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
        out.write("".join("".join(out.styled(printable(text), style) for text, style in line)
                          + "\n" for line in lines))
        return
    from rich.text import Text

    for line in lines:
        out.print(Text.assemble(*((printable(text), style) for text, style in line)))


def emit_table(out: Any, title: str, headers: Sequence[str], rows: Sequence[Line]) -> None:
    """A table with one styled cell per segment of each row: aligned columns in a log, a
    rich table on a terminal (a list of records when it is too narrow for one)."""
    if isinstance(out, PlainWriter):
        cells = [[(h, "bold") for h in headers],
                 *[[(printable(text), style) for text, style in row] for row in rows]]
        widths = [max(len(row[i][0]) for row in cells) for i in range(len(headers))]
        body = [
            "  ".join(out.styled(c, style) + " " * (w - len(c))
                      for (c, style), w in zip(row, widths, strict=True)).rstrip()
            for row in cells
        ]
        rule = "  ".join("-" * w for w in widths)
        out.write("\n".join([title, body[0], rule, *body[1:]]) + "\n")
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(title), title_justify="left")
    for header in headers:
        table.add_column(header)
    for row in rows:
        table.add_row(*(Text(printable(text), style=style) for text, style in row))
    out.print(fitted(out, table))


def fitted(console: Any, table: Any) -> Any:
    """`table` when its columns fit the console with no word cut (rich wraps cells at
    spaces; a URL or a path is one word), else the same rows as a list of records."""
    from rich.measure import Measurement

    unbounded = console.options.update_width(1_000_000)
    if Measurement.get(console, unbounded, table).minimum <= console.width:
        return table
    return records(table)


def records(table: Any) -> Any:
    """A table's rows as records: the first cell as a heading, then `header: cell` lines."""
    from rich.console import Group
    from rich.text import Text

    def text(cell: Any) -> Any:
        return cell if isinstance(cell, Text) else Text.from_markup(str(cell))

    headers = [str(column.header) for column in table.columns]
    cells = [list(column._cells) for column in table.columns]
    lines: list[Any] = [text(table.title)] if table.title else []
    for index in range(table.row_count):
        lines.append(Text.assemble(("• ", "dim"), text(cells[0][index]), style="bold"))
        for header, column in zip(headers[1:], cells[1:], strict=True):
            value = text(column[index])
            indented = Text("\n    ").join(value.split("\n")) if "\n" in value.plain else value
            lines.append(Text.assemble(("  ", ""), (f"{header}: ", "dim"), indented))
    return Group(*lines)
