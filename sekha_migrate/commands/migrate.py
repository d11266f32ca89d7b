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
        False, "--diff",
        help="Show a unified diff against the existing output file (with --dry-run: exit 1 "
        "when they differ).",
    ),
    check: bool = typer.Option(
        False, "--check",
        help="Write nothing; exit 1 when writing would change the output (a CI guard).",
    ),
    schema_url: str = typer.Option(
        None, "--schema-url",
        help="Schema URL for the editor modeline. Default: the output's own modeline, else "
        "the shipped schema file.",
        show_default=False,
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
    target: str = typer.Option(
        None, "--target", "-t",
        help="The dialect to write: docker (sekha-docker's schema; the default for v1 input), "
        "bridge (sekha-llm-bridge's config.yaml) or env (the compose environment, sekha.env). "
        "A v2 file stays in its own dialect unless this names another.",
        show_default=False,
    ),
    no_env: bool = typer.Option(
        False, "--no-env",
        help="Ignore SEKHA_* variables of this process (by default they override the files, "
        "as they do for the controller).",
    ),
    force: bool = typer.Option(
        False, "--force",
        help="Replace an existing --output, --secrets-file or --report that sekha did not "
        "write (or that was edited since). Sources are never replaced by another flag.",
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
    if target is not None and target not in ("docker", "bridge", "env"):
        _fail(f"--target {target!r}: choose docker, bridge or env", exit_codes.USAGE)
    request = MigrationRequest(
        sources=tuple(sources or ()),
        directory=base,
        output=output,
        include_home=include_home,
        environ={} if no_env else dict(os.environ),
        dimension=dimension,
        externalize_secrets=externalize_secrets,
        secrets_file=secrets_file,
        target=target,
        schema_url=schema_url,
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
    if check:
        _check(plan)
    _Run(plan, info, report, dry_run=dry_run, diff=diff, yes=yes, strict=strict,
         force=force).go()


def _check(plan: Any) -> NoReturn:
    """--check: like `ruff format --check`, 0 when the output is up to date, else 1."""
    from sekha_migrate import exit_codes
    from sekha_migrate.migrate.results import PlanKind

    if plan.kind is PlanKind.CANONICAL or plan.up_to_date:
        typer.echo(f"{plan.output} is up to date")
        raise typer.Exit(exit_codes.OK)
    why = "is not valid" if not plan.valid else "would change"
    typer.echo(f"{plan.output} {why}: run sekha-migrate migrate", err=True)
    raise typer.Exit(exit_codes.PROBLEMS)


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
        yes: bool, strict: bool, force: bool = False,
    ) -> None:
        from sekha_migrate.migrate.overwrite import stranded_secrets
        from sekha_migrate.migrate.plan import SECRETS_FILE_NAME

        self.plan, self.info, self.report_path = plan, info, report
        self.dry_run, self.diff, self.yes, self.strict = dry_run, diff, yes, strict
        self.force = force
        # Keys the new text only refers to, read from the file it replaces: they go to the
        # secrets file too, or they would survive only inside .sekha-backups/.
        self.stranded = stranded_secrets(plan)
        self.secrets = (*plan.secrets, *self.stranded)
        self.secrets_file = plan.secrets_file or (
            plan.output.parent / SECRETS_FILE_NAME if self.stranded else None
        )

    def go(self) -> NoReturn:
        from sekha_migrate import exit_codes
        from sekha_migrate.migrate.results import PlanKind
        from sekha_migrate.report.migrate import print_issues, print_summary, unified_diff

        plan = self.plan
        self._refuse_overwrites(writes=False)
        if plan.kind is PlanKind.CANONICAL:
            print_issues(plan, self.info)
            self.info.print(
                f"{plan.output} is already canonical v2 ({plan.target} dialect): nothing to do "
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
        # `--diff --dry-run` is a preview that fails on a difference, as `ruff format --diff`.
        differs = self.diff and not plan.up_to_date
        if self.dry_run:
            if not self.diff:
                typer.echo(plan.text, nl=False)
            if self.secrets:
                self.info.print(f"(the API keys would be written to {self.secrets_file})")
            self._write_report("dry-run")
            raise typer.Exit(exit_codes.PROBLEMS if differs else exit_codes.OK)
        if plan.up_to_date:
            self.info.print(f"{plan.output} already holds this configuration: nothing written.")
            self._write_report("up-to-date")
            raise typer.Exit(exit_codes.OK)
        self._refuse_overwrites(writes=True)
        self._confirm()
        backup = self._write_under_lock()
        self._write_report("written", backup)
        self.info.print(
            f"Wrote {plan.output}"
            + (f" and {self.secrets_file} (mode 0600)" if self.secrets else "")
            + f". Backup: {backup['directory']} (undo with: sekha rollback)"
        )
        if self.stranded:
            names = ", ".join(name for name, _ in self.stranded)
            self.info.print(
                f"{names} now refer to the environment: the keys are in {self.secrets_file}; "
                "load it (e.g. env_file: in compose) where Sekha runs."
            )
        raise typer.Exit(exit_codes.OK)

    def _refuse_overwrites(self, *, writes: bool) -> None:
        """Stop (exit 2) before a flag's file lands on a source or on a file the user owns."""
        from sekha_migrate import exit_codes
        from sekha_migrate.migrate.overwrite import Targets, refusals

        targets = Targets(
            output=self.plan.output if writes else None,
            secrets_file=self.secrets_file if writes and self.secrets else None,
            report=self.report_path,
        )
        found = refusals(self.plan, targets, force=self.force)
        if not found:
            return
        for item in found:
            typer.echo(f"sekha migrate: {item.reason}", err=True)
        hint = ("pass --force to replace it, or " if all(i.forceable for i in found)
                else "")
        _fail(f"nothing was written; {hint}choose another path", exit_codes.USAGE)

    def _write_under_lock(self) -> dict[str, str]:
        """Back up and write as the only writer in the directory, on the files as planned."""
        from sekha_migrate import exit_codes
        from sekha_migrate.backup import BackupError, BackupLockedError, exclusive_writer

        try:
            with exclusive_writer(self.plan.output.parent):
                self._refuse_if_changed()
                backup = self._backup()
                self._write_files()
        except BackupLockedError as exc:
            _fail(str(exc), exit_codes.PROBLEMS)
        except BackupError as exc:  # no lock to be had: .sekha-backups/ cannot be made
            _fail(f"cannot back up before writing, so nothing was changed: {exc}",
                  exit_codes.PROBLEMS)
        return backup

    def _refuse_if_changed(self) -> None:
        """Another run may have written the output between planning and the lock; backing
        that up as the "original" would lose the real one."""
        from sekha_migrate import exit_codes

        try:
            current: bytes | None = self.plan.output.read_bytes()
        except FileNotFoundError:
            current = None
        except OSError:
            return  # the write below reports an unreadable or unwritable path clearly
        if current != self.plan.existing_output:
            _fail(f"{self.plan.output} changed while this run was planning (another sekha "
                  "migrate?); nothing was written: run again", exit_codes.PROBLEMS)

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
        from sekha_migrate.backup import BackupError, create_backup, inside_project
        from sekha_migrate.migrate.secrets_out import secrets_file_text

        plan = self.plan
        root = plan.output.parent.absolute()
        written = {plan.output: plan.text}
        if self.secrets and self.secrets_file is not None:
            written[self.secrets_file] = secrets_file_text(self.secrets)
        # A rollback restores only inside the output's directory: what lies outside is not
        # replaced by this run (--secrets-file outside was refused if it existed), so the set
        # records only the files inside.
        inside = [p for p in [*plan.source_paths, *written]
                  if inside_project(p.absolute(), root)]
        try:
            backup = create_backup(
                inside,
                root=root,
                report=self._report("backed-up"),
                generated=[p for p in written if inside_project(p.absolute(), root)],
                written={p: t for p, t in written.items() if inside_project(p.absolute(), root)},
            )
        except BackupError as exc:
            _fail(f"cannot back up before writing, so nothing was changed: {exc}",
                  exit_codes.PROBLEMS)
        return {"id": backup.id, "directory": str(backup.directory)}

    def _write_files(self) -> None:
        from sekha_migrate import exit_codes
        from sekha_migrate.io import WriteError, write_atomically
        from sekha_migrate.migrate.secrets_out import secrets_file_text

        plan = self.plan
        try:
            if self.secrets and self.secrets_file is not None:
                write_atomically(self.secrets_file, secrets_file_text(self.secrets), mode=0o600)
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
            # 0600: a report is derived from the configuration, keys and URLs included.
            write_atomically(self.report_path, report_json(self._report(status, backup)),
                             mode=0o600)
        except WriteError as exc:
            _fail(str(exc), exit_codes.PROBLEMS)


def stdin_is_terminal() -> bool:
    """Whether anyone could answer a question (tests replace this to play the user)."""
    return sys.stdin is not None and sys.stdin.isatty()  # None: started with stdin closed



def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"sekha migrate: {message}", err=True)
    raise typer.Exit(code)
