"""The `sekha` executable's first code, before typer and the commands are imported.

Two things must hold before anything else runs: the three standard streams exist (a shell
can start us with them closed: `sekha validate x <&- >&-`), and Ctrl-C during the second or
so of start-up ends the run quietly instead of printing a traceback from an import.
"""

from __future__ import annotations

import os
import sys

INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def main() -> None:
    try:
        _standard_streams()
        from sekha_migrate.version import asks_only_for_version, program_name, version_line

        if asks_only_for_version(sys.argv[1:]):
            # What the root command's --version prints, without importing typer (~30 ms).
            sys.stdout.write(version_line(program_name(sys.argv[0])) + "\n")
            sys.stdout.flush()
            sys.exit(0)
        from sekha_migrate.cli import main as run_cli

        run_cli()
    except KeyboardInterrupt:
        _say("sekha: interrupted")
        sys.exit(INTERRUPTED)


def _standard_streams() -> None:
    """A closed descriptor gets os.devnull, so no file opened later (a backup, an atomic
    write) takes descriptor 1 and receives output; closed stdout and stderr write there.
    A closed stdin stays None: reading `-` says that it is closed. A stream whose encoding
    cannot show a character (PYTHONIOENCODING=ascii) shows '?' instead of failing."""
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        stream = getattr(sys, name)
        if stream is None:
            opened = os.open(os.devnull, os.O_RDWR)  # the lowest free descriptor: this one
            if fd > 0:
                writer = open(opened, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
                setattr(sys, name, writer)  # lives as long as the process
        elif fd > 0 and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


def _say(text: str) -> None:
    try:
        if sys.stderr is not None:
            sys.stderr.write(f"\n{text}\n")
    except (OSError, ValueError):
        pass  # nowhere left to say it; the exit code still does
