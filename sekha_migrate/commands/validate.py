from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from sekha_migrate.commands.options import ENV_FILE


class Target(str, Enum):
    docker = "docker"
    bridge = "bridge"
    env = "env"


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"


def validate_command(
    paths: list[str] = typer.Argument(
        None,
        metavar="[PATHS]...",
        help="Files, directories (their .yaml/.yml/.json files), globs, or - for stdin. "
        "Default: config.yaml in the current directory.",
        show_default=False,
    ),
    output_format: OutputFormat = typer.Option(
        OutputFormat.text, "--format", "-f", help="text (default), json, or github annotations."
    ),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    env_file: list[Path] = ENV_FILE,
    target: Target | None = typer.Option(
        None,
        "--target",
        "-t",
        help="Validate as this dialect: docker, bridge or env. Default: detected per file "
        "(providers: bridge, llm_providers: docker, .env files: env).",
        show_default=False,
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Text format: only errors and the summary line."
    ),
) -> None:
    """Validate v2 files against the schema and Sekha's own rules."""
    from sekha_migrate import exit_codes
    from sekha_migrate.report import render_validation
    from sekha_migrate.validate.engine import UsageError, load_env, validate_paths

    try:
        env = load_env(env_file or [])
        dialect = target.value if target else None
        run = validate_paths(paths or ["config.yaml"], env=env, strict=strict, target=dialect)
    except UsageError as exc:
        typer.echo(f"sekha validate: {exc}", err=True)
        raise typer.Exit(exit_codes.USAGE) from None
    render_validation(run, output_format.value, quiet=quiet)
    if run.any_unreadable:
        raise typer.Exit(exit_codes.USAGE)
    raise typer.Exit(exit_codes.OK if run.valid else exit_codes.PROBLEMS)
