from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from sekha_migrate.commands.options import ENV_FILE, QUIET, VERBOSE, Target
from sekha_migrate.findings import FileResult, ValidationRun

if TYPE_CHECKING:
    from sekha_migrate.validate.cache import ResultCache
    from sekha_migrate.validate.selection import RuleSelection


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"
    junit = "junit"
    gitlab = "gitlab"


def validate_command(
    paths: list[str] | None = typer.Argument(
        None,
        metavar="[PATHS]...",
        help="Files, directories (their .yaml/.yml/.json files), globs, or - for stdin. "
        "Default: config.yaml in the current directory.",
        show_default=False,
    ),
    output_format: OutputFormat = typer.Option(
        OutputFormat.text, "--format", "-f",
        help="text (default), json, github (annotations), sarif (code scanning), "
        "junit (test reports), gitlab (Code Quality).",
    ),
    output_file: Path | None = typer.Option(
        None, "--output-file", "-O",
        help="Write the report to this file instead of stdout (the exit code is the same).",
        show_default=False,
    ),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    env_file: list[Path] | None = ENV_FILE,
    target: Target | None = typer.Option(
        None,
        "--target",
        "-t",
        help="Validate as this dialect: docker, bridge or env. Default: detected per file "
        "(providers: bridge, llm_providers: docker, .env files: env).",
        show_default=False,
    ),
    skip_non_sekha: bool = typer.Option(
        False, "--skip-non-sekha",
        help="Skip (exit 0) YAML/JSON files that are not Sekha's, judged from all their "
        "top-level keys (another application's config.yaml sharing log_level or server_port "
        "is skipped). The pre-commit hook passes it.",
    ),
    select: list[str] | None = typer.Option(
        None, "--select",
        help="Report only these codes (repeatable, comma-separated; a prefix such as schema- "
        "names every code it starts): replaces the project file's select.",
        show_default=False,
    ),
    ignore: list[str] | None = typer.Option(
        None, "--ignore",
        help="Leave out these codes (repeatable, comma-separated, prefixes too), on top of the "
        "project file's ignore ([tool.sekha-migrate] in pyproject.toml, or .sekha-migrate.toml).",
        show_default=False,
    ),
    no_cache: bool = typer.Option(
        False, "--no-cache",
        help="Check every file again: neither read nor write the result cache "
        "(.sekha-migrate-cache/ here; SEKHA_MIGRATE_NO_CACHE=1 does the same).",
    ),
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
) -> None:
    """Validate v2 files against the schema and Sekha's own rules."""
    from sekha_migrate import exit_codes
    from sekha_migrate.errors import UsageError
    from sekha_migrate.report import render_validation, validation_output
    from sekha_migrate.validate.inputs import load_env
    from sekha_migrate.validate.project_config import rule_selection

    try:
        selection = rule_selection(Path.cwd(), select or [], ignore or [])
        env = load_env(env_file or [])
        dialect = target.value if target else None
        finish = _finisher(skip_non_sekha, selection)
        cache = None if no_cache else _open_cache(strict, dialect, skip_non_sekha, selection)
        from sekha_migrate.validate.batch import check_paths

        run = check_paths(paths or ["config.yaml"], env=env, strict=strict, target=dialect,
                          finish=finish, cache=cache)
    except UsageError as exc:
        typer.echo(f"sekha validate: {exc}", err=True)
        if output_format is not OutputFormat.text:  # a machine format still gets its document
            _render_usage_error(str(exc), output_format.value, output_file)
        raise typer.Exit(exit_codes.USAGE) from None
    fmt = output_format.value
    if output_file is None:
        render_validation(run, fmt, quiet=quiet, verbose=verbose)
    else:
        _write_report(output_file, validation_output(run, fmt, quiet=quiet, verbose=verbose))
    if run.any_unreadable:
        raise typer.Exit(exit_codes.USAGE)
    raise typer.Exit(exit_codes.OK if run.valid else exit_codes.PROBLEMS)


def _finisher(
    skip_non_sekha: bool, selection: RuleSelection | None
) -> Callable[[FileResult], FileResult]:
    """What the command does to each file's result: --skip-non-sekha, then the selection."""

    def finish(result: FileResult) -> FileResult:
        run = ValidationRun((result,))
        if skip_non_sekha:
            from sekha_migrate.validate.skip import skip_non_sekha as skip

            run = skip(run)
        if selection is not None:
            from sekha_migrate.validate.selection import apply_selection

            run = apply_selection(run, selection)
        return run.files[0]

    return finish


def _open_cache(
    strict: bool, dialect: str | None, skip_non_sekha: bool, selection: RuleSelection | None
) -> ResultCache | None:
    """The result cache in the current directory, unless SEKHA_MIGRATE_NO_CACHE is set."""
    import os

    from sekha_migrate.validate.cache import DIRECTORY, ResultCache, cache_disabled

    if cache_disabled(os.environ):
        return None
    settings = repr((strict, dialect, skip_non_sekha, selection))
    return ResultCache(Path.cwd() / DIRECTORY, settings)


def _render_usage_error(message: str, fmt: str, output_file: Path | None) -> None:
    """The usage error as the one finding (code usage-error) of the format's document."""
    from sekha_migrate.findings import FileResult, Finding, Severity, ValidationRun
    from sekha_migrate.report import render_validation, validation_output

    finding = Finding(Severity.ERROR, "usage-error", message)
    run = ValidationRun((FileResult("(command line)", (finding,), readable=False),))
    if output_file is None:
        render_validation(run, fmt, quiet=False, verbose=False)
    else:
        _write_report(output_file, validation_output(run, fmt, quiet=False, verbose=False))


def _write_report(path: Path, text: str) -> None:
    from sekha_migrate import exit_codes
    from sekha_migrate.io import WriteError, standard_stream, write_output

    try:
        if standard_stream(path) is None:
            # CI steps name report paths such as reports/sekha.sarif before anything made
            # reports/.
            path.parent.mkdir(parents=True, exist_ok=True)
        write_output(path, text)
    except OSError as exc:
        typer.echo(f"sekha validate: cannot write {path}: {exc.strerror}", err=True)
        raise typer.Exit(exit_codes.USAGE) from None
    except WriteError as exc:
        typer.echo(f"sekha validate: {exc}", err=True)
        raise typer.Exit(exit_codes.USAGE) from None
