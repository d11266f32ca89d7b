"""What every command shares at its edge: the one-line failure and whether anyone can answer."""

from __future__ import annotations

import sys
from typing import NoReturn

import typer


def fail(command: str, message: str, code: int) -> NoReturn:
    """End the command with `sekha COMMAND: message` on stderr and the exit code."""
    from sekha_migrate.report.console import printable

    typer.echo(f"sekha {command}: {printable(message)}", err=True)
    raise typer.Exit(code)


def stdin_is_terminal() -> bool:
    """Whether anyone could answer a question; commands import it by name so tests can
    replace it to play the user."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):  # stdin None (started closed), closed or replaced
        return False
