"""`sekha --version`, declared once for the typer app and for the entry point's early answer.

The entry point answers `sekha --version` (or `-V`) alone before typer is imported (typer is
most of the start-up); the root command declares the same flags with the same help and the
same line through these names, and a test holds both to byte-identical output.
"""

from __future__ import annotations

import os

from sekha_migrate import __version__

LONG_NAME = "sekha-migrate"
VERSION_FLAGS = ("--version", "-V")
VERSION_HELP = "Print the version and exit."


def version_line(program: str) -> str:
    return f"{program} {__version__}"


def program_name(argv0: str) -> str:
    """`sekha-migrate` when started by that name or as `python -m sekha_migrate`."""
    base = os.path.basename(argv0).lower()
    for suffix in (".exe", "-script.py", ".py"):
        base = base.removesuffix(suffix)
    return LONG_NAME if base in (LONG_NAME, "__main__") else "sekha"


def asks_only_for_version(arguments: list[str]) -> bool:
    """The command line is one version flag and nothing else: the answer needs no parser."""
    return len(arguments) == 1 and arguments[0] in VERSION_FLAGS
