"""Options several commands share, declared once so their flags and help cannot drift."""

from __future__ import annotations

import typer

ENV_FILE = typer.Option(
    None,
    "--env-file",
    "-e",
    help="Read ${VAR} values from this .env file (repeatable). The environment wins.",
    show_default=False,
)
