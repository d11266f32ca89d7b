from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import NoReturn

import typer


class RollbackFormat(str, Enum):
    text = "text"
    json = "json"


def rollback_command(
    backup_id: str = typer.Argument(
        None,
        metavar="[BACKUP_ID]",
        help="The backup set to restore (see --list). Default: the latest.",
        show_default=False,
    ),
    directory: Path = typer.Option(
        None,
        "--dir",
        "-d",
        help="The directory holding .sekha-backups/: where migrate wrote config.yaml. "
        "Default: here.",
        show_default=False,
    ),
    list_only: bool = typer.Option(
        False, "--list", "-l", help="Show the backup sets (with an ID: that set's files)."
    ),
    yes: bool = typer.Option(
        False, "--yes", "-y", help="Restore without asking. Without a terminal nobody is asked."
    ),
    output_format: RollbackFormat = typer.Option(
        RollbackFormat.text, "--format", "-f", help="text (default) or json."
    ),
) -> None:
    """Undo a migration: restore the files of a backup set byte for byte.

    Generated v2 files are moved into the backup set (rolled-back/), never deleted.

    On a terminal you are asked first, unless --yes. When stdin is not a terminal
    (CI, a pipe) nobody could answer, so the rollback goes ahead without asking.
    """
    from sekha_migrate import exit_codes
    from sekha_migrate.backup import (
        BackupError,
        BackupLookupError,
        exclusive_writer,
        find_damaged_backups,
        list_backups,
        load_backup,
        restore_backup,
    )
    from sekha_migrate.report import rollback as render

    root = directory if directory is not None else Path.cwd()
    if not root.is_dir():
        _fail(f"--dir {root} is not a directory", exit_codes.USAGE)
    fmt = output_format.value
    try:
        if list_only:
            sets = list_backups(root)
            if backup_id is not None:
                sets = [load_backup(root, backup_id)]
            damaged = find_damaged_backups(root)
            render.print_backup_list(root, sets, damaged, fmt, detail=backup_id is not None)
            raise typer.Exit(exit_codes.OK)
        backup = load_backup(root, backup_id)
    except BackupLookupError as exc:
        _fail(str(exc), exit_codes.USAGE)
    except BackupError as exc:
        _fail(f"{exc}; pick another set by its ID (sekha rollback --list)", exit_codes.PROBLEMS)

    if not yes and _stdin_is_a_terminal():
        render.print_restore_plan(backup)
        if not typer.confirm("Restore these files?", default=False, err=True):
            _fail("rollback cancelled; nothing was changed", exit_codes.PROBLEMS)
    try:
        # One writer at a time; restore_backup reads the set's log again under the lock, so
        # a rollback that ran meanwhile is not applied twice.
        with exclusive_writer(root):
            result = restore_backup(backup)
    except BackupError as exc:
        render.print_restore_failure(backup, str(exc), fmt)
        _fail(str(exc), exit_codes.PROBLEMS)
    render.print_restore_result(backup, result, fmt)
    raise typer.Exit(exit_codes.OK)


def _stdin_is_a_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced stdin
        return False


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"sekha rollback: {message}", err=True)
    raise typer.Exit(code)
