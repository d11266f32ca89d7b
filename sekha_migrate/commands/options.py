"""Options several commands share, declared once so their flags and help cannot drift."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from enum import Enum
from typing import Any, NoReturn

import typer

ENV_FILE = typer.Option(
    None,
    "--env-file",
    "-e",
    help="Read ${VAR} values from this .env file (repeatable). The environment wins.",
    show_default=False,
)


class ColorMode(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


QUIET = typer.Option(
    False, "--quiet", "-q", help="Print only errors (validate: errors and the summary line)."
)
VERBOSE = typer.Option(
    False, "--verbose", "-v",
    help="Say more: validate, what each finding's rule means; migrate, every value written and "
    "where it came from; probe, the config's notes too.",
)
COLOR = typer.Option(
    ColorMode.auto,
    "--color",
    help="auto: colour on a terminal unless NO_COLOR is set (FORCE_COLOR forces it); "
    "always; never.",
)
_SHARED = {"quiet": (bool, QUIET), "verbose": (bool, VERBOSE), "color": (ColorMode, COLOR)}


def with_output_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give a command --quiet, --verbose and --color, and apply them before it runs.

    A command that declares one of them itself (validate uses --quiet) still receives it;
    the others are consumed here, so every command gets the same flags from one place.
    """
    signature = inspect.signature(command, eval_str=True)
    own = set(signature.parameters)
    extra = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=kind)
        for name, (kind, info) in _SHARED.items()
        if name not in own
    ]

    @functools.wraps(command)
    def run(**kwargs: Any) -> None:
        from sekha_migrate.report.console import set_output_mode

        mode = {name: kwargs[name] if name in own else kwargs.pop(name) for name in _SHARED}
        if mode["quiet"] and mode["verbose"]:
            typer.echo("sekha: --quiet and --verbose contradict each other", err=True)
            raise typer.Exit(2)
        # A command that takes --quiet itself decides what it leaves out.
        set_output_mode(
            color=mode["color"].value,
            quiet=mode["quiet"] and "quiet" not in own,
            verbose=mode["verbose"] and "verbose" not in own,
        )
        try:
            command(**kwargs)
        except KeyboardInterrupt:
            _stopped(interrupted=True)
        except typer.Abort as exc:  # a prompt's Ctrl-C or end of input, as click reports it
            _stopped(interrupted=not isinstance(exc.__context__, EOFError))

    params = [*signature.parameters.values(), *extra]
    run.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in params}
    del run.__wrapped__  # typer must see the new signature, not the original's
    return run


INTERRUPTED = 130  # 128 + SIGINT, as shells report it (entry.py says the same before start-up)


def _stopped(*, interrupted: bool) -> NoReturn:
    """Ctrl-C: exit 130, no traceback, no click "Aborted!" (exit 1). The end of the input at a
    question: the question was not answered, so nothing it guarded was done (exit 1)."""
    import sys

    if interrupted:
        sys.stderr.write("\nsekha: interrupted\n")
        raise typer.Exit(INTERRUPTED)
    sys.stderr.write("\nsekha: no answer (the input ended); stopped before doing it\n")
    raise typer.Exit(1)


class Target(str, Enum):
    """The dialects a command reads or writes (sekha_migrate.dialects.TARGETS), as a choice
    typer checks and lists in --help."""

    docker = "docker"
    bridge = "bridge"
    env = "env"
