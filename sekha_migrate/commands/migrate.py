from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import typer


def migrate_command(
    sources: list[Path] = typer.Argument(
        None,
        metavar="[SOURCES]...",
        help="v1 files to migrate (*.toml, v1 *.yaml, .env), lowest precedence first; or one "
        "v2 file to normalise. Default: config.toml, config.yaml/.yml and .env in --dir.",
        show_default=False,
    ),
    directory: Path = typer.Option(
        None, "--dir", "-d", help="Where to look for sources. Default: here.", show_default=False
    ),
    include_home: bool = typer.Option(
        False, "--include-home", help="Also read ~/.sekha/config.toml (above config.toml)."
    ),
    output: Path = typer.Option(
        None, "--output", "-o", help="Where to write. Default: config.yaml in --dir.",
        show_default=False,
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", "-n",
        help="Write nothing: the v2 YAML goes to stdout, everything else to stderr.",
    ),
    diff: bool = typer.Option(
        False, "--diff", help="Show a unified diff against the existing output file."
    ),
    yes: bool = typer.Option(
        False, "--yes", "-y", help="Write without asking. Without a terminal nobody is asked."
    ),
    dimension: int = typer.Option(
        None, "--dimension", min=128, max=4096,
        help="Embedding dimension to write (overrides the table of known models).",
        show_default=False,
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Fail (exit 1) when the embedding dimension would be assumed."
    ),
    externalize_secrets: bool = typer.Option(
        False, "--externalize-secrets",
        help="Move literal API keys to an env file (mode 0600) and write ${VAR} references.",
    ),
    secrets_file: Path = typer.Option(
        None, "--secrets-file",
        help="The env file for --externalize-secrets. Default: sekha-secrets.env beside "
        "the output.", show_default=False,
    ),
    report: Path = typer.Option(
        None, "--report", help="Write the full report as JSON to this file.", show_default=False
    ),
    probe: bool = typer.Option(
        False, "--probe",
        help="Measure the embedding dimension by embedding one short string with the "
        "configured provider (instead of the table of known models).",
    ),
    no_env: bool = typer.Option(
        False, "--no-env",
        help="Ignore SEKHA_* variables of this process (by default they override the files, "
        "as they do for the controller).",
    ),
) -> None:
    """Migrate a v1 configuration (TOML, YAML, .env) to one valid v2 config.yaml.

    Every source file and the existing output are backed up to .sekha-backups/ before
    anything is written; `sekha rollback` undoes the migration. The result is validated
    first: if it would be invalid, nothing is written and the exit code is 1.
    """
    import os

    from sekha_migrate import exit_codes
    from sekha_migrate.migrate.discover import MigrateUsageError
    from sekha_migrate.migrate.plan import MigrationRequest, plan_migration
    from sekha_migrate.report.console import make_writer

    base = directory if directory is not None else Path(".")
    request = MigrationRequest(
        sources=tuple(sources or ()),
        directory=base,
        output=output,
        include_home=include_home,
        environ={} if no_env else dict(os.environ),
        dimension=dimension,
        externalize_secrets=externalize_secrets,
        secrets_file=secrets_file,
    )
    if probe and dimension is not None:
        _fail("--probe measures the dimension; --dimension sets it: choose one", exit_codes.USAGE)
    try:
        plan = plan_migration(request)
    except MigrateUsageError as exc:
        _fail(str(exc), exit_codes.USAGE)
    if probe and plan.embedding is not None:
        plan = _probed(plan, request)
    info = make_writer(stderr=dry_run)
    _Run(plan, info, report, dry_run=dry_run, diff=diff, yes=yes, strict=strict).go()


def _probed(plan: Any, request: Any) -> Any:
    """The plan again, with the dimension the provider really returns."""
    import os
    from dataclasses import replace

    from sekha_migrate import exit_codes
    from sekha_migrate.migrate.plan import plan_migration
    from sekha_migrate.migrate.probe_dimension import measure_plan_dimension
    from sekha_migrate.probe import ProbeError

    try:
        measured = measure_plan_dimension(plan, env={**os.environ, **dict(plan.secrets)})
    except ProbeError as exc:
        _fail(f"{exc}; nothing was written", exit_codes.PROBLEMS)
    return plan_migration(replace(request, measured_dimension=measured))


class _Run:
    """The steps after planning, in order; each may end the command with an exit code."""

    def __init__(
        self, plan: Any, info: Any, report: Path | None, *, dry_run: bool, diff: bool,
        yes: bool, strict: bool,
    ) -> None:
        self.plan, self.info, self.report_path = plan, info, report
        self.dry_run, self.diff, self.yes, self.strict = dry_run, diff, yes, strict

    def go(self) -> NoReturn:
        from sekha_migrate import exit_codes
        from sekha_migrate.migrate.results import PlanKind
        from sekha_migrate.report.migrate import print_issues, print_summary, unified_diff

        plan = self.plan
        if plan.kind is PlanKind.CANONICAL:
            print_issues(plan, self.info)
            self.info.print(
                f"{plan.output} is already canonical v2: nothing to do "
                "(sekha validate checks its values)."
            )
            self._write_report("already-v2")
            raise typer.Exit(exit_codes.OK)
        print_summary(plan, self.info)
        if not plan.valid:
            self.info.print("Nothing was written: fix the errors above and run again.")
            self._write_report("invalid")
            raise typer.Exit(exit_codes.PROBLEMS)
        if self.strict and plan.dimension_assumed:
            self.info.print(
                "--strict: the embedding dimension would be assumed; nothing was written. "
                "Pass --dimension N."
            )
            self._write_report("invalid")
            raise typer.Exit(exit_codes.PROBLEMS)
        if self.diff:
            typer.echo(unified_diff(plan), nl=False)
        if self.dry_run:
            if not self.diff:
                typer.echo(plan.text, nl=False)
            if plan.secrets:
                self.info.print(f"(--externalize-secrets would write {plan.secrets_file})")
            self._write_report("dry-run")
            raise typer.Exit(exit_codes.OK)
        if plan.up_to_date:
            self.info.print(f"{plan.output} already holds this configuration: nothing written.")
            self._write_report("up-to-date")
            raise typer.Exit(exit_codes.OK)
        self._confirm()
        backup = self._backup()
        self._write_files()
        self._write_report("written", backup)
        self.info.print(
            f"Wrote {plan.output}"
            + (f" and {plan.secrets_file} (mode 0600)" if plan.secrets else "")
            + f". Backup: {backup['directory']} (undo with: sekha rollback)"
        )
        raise typer.Exit(exit_codes.OK)

    def _confirm(self) -> None:
        from sekha_migrate import exit_codes

        if self.yes or not stdin_is_terminal():
            return  # nobody could answer; the backup makes going ahead safe
        if not typer.confirm(f"Write {self.plan.output}?", default=True):
            # As for rollback: what was asked for did not happen, so a script must not
            # carry on as if it had.
            self.info.print("Cancelled. Nothing was written.")
            raise typer.Exit(exit_codes.PROBLEMS)

    def _backup(self) -> dict[str, str]:
        from sekha_migrate import exit_codes
        from sekha_migrate.backup import BackupError, create_backup

        plan = self.plan
        generated = [plan.output, *([plan.secrets_file] if plan.secrets else [])]
        try:
            backup = create_backup(
                [*plan.source_paths, *generated],
                root=plan.output.parent,
                report=self._report("backed-up"),
                generated=generated,
            )
        except BackupError as exc:
            _fail(f"cannot back up before writing, so nothing was changed: {exc}",
                  exit_codes.PROBLEMS)
        return {"id": backup.id, "directory": str(backup.directory)}

    def _write_files(self) -> None:
        from sekha_migrate import exit_codes
        from sekha_migrate.io import WriteError, write_atomically

        plan = self.plan
        try:
            if plan.secrets:
                write_atomically(plan.secrets_file, plan.secrets_text, mode=0o600)
            mode = 0o600 if plan.holds_literal_secrets else None
            write_atomically(plan.output, plan.text, mode=mode)
        except WriteError as exc:
            _fail(f"{exc}. The original files are unchanged; the backup is in .sekha-backups/",
                  exit_codes.PROBLEMS)

    def _report(self, status: str, backup: dict[str, str] | None = None) -> dict[str, Any]:
        from sekha_migrate import __version__
        from sekha_migrate.report.migrate import report_document

        return report_document(self.plan, status=status, backup=backup, version=__version__)

    def _write_report(self, status: str, backup: dict[str, str] | None = None) -> None:
        if self.report_path is None:
            return
        from sekha_migrate import exit_codes
        from sekha_migrate.io import WriteError, write_atomically
        from sekha_migrate.report.migrate import report_json

        try:
            write_atomically(self.report_path, report_json(self._report(status, backup)))
        except WriteError as exc:
            _fail(str(exc), exit_codes.PROBLEMS)


def stdin_is_terminal() -> bool:
    """Whether anyone could answer a question (tests replace this to play the user)."""
    return sys.stdin is not None and sys.stdin.isatty()  # None: started with stdin closed



def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"sekha migrate: {message}", err=True)
    raise typer.Exit(code)
