"""Output off a terminal is plain text without rich; on a terminal rich styles the same lines."""

from __future__ import annotations

import io
import subprocess
import sys

from rich.console import Console

from sekha_migrate.report.console import PlainWriter, emit, emit_table


class _AsciiStream(io.StringIO):
    encoding = "ascii"


def test_plain_table_aligns_columns_and_keeps_every_cell_whole() -> None:
    out = io.StringIO()
    rows = [[("config.toml:2", ""), ("server_port", ""), ("mapped", "green")],
            [(".env:3", ""), ("OPENAI_API_KEY", ""), ("mapped", "green")]]
    emit_table(PlainWriter(out), "v1 keys read", ("source", "key", "status"), rows)
    assert out.getvalue().splitlines() == [
        "v1 keys read",
        "source         key             status",
        "-------------  --------------  ------",
        "config.toml:2  server_port     mapped",
        ".env:3         OPENAI_API_KEY  mapped",
    ]


def test_plain_lines_replace_what_the_stream_cannot_encode() -> None:
    out = _AsciiStream()
    emit(PlainWriter(out), [("✗ ", "red"), ("café", "")])
    assert out.getvalue() == "? caf?\n"


def test_a_terminal_gets_the_same_text_styled_by_rich() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="standard", width=100)
    emit(console, [("error", "bold red"), (": bad", "")])
    emit_table(console, "title", ("a",), [[("mapped", "green")]])
    text = out.getvalue()
    assert "\x1b[" in text and "error" in text and "mapped" in text and "┃" in text


def test_plain_output_does_not_import_rich() -> None:
    code = (
        "import io, sys\n"
        "from sekha_migrate.report.console import PlainWriter, emit, emit_table\n"
        "emit_table(PlainWriter(io.StringIO()), 't', ('a',), [[('x', 'green')]])\n"
        "emit(PlainWriter(io.StringIO()), [('x', 'red')])\n"
        "print(any(m == 'rich' or m.startswith('rich.') for m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"
