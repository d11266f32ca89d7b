from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from sekha_migrate.commands.common import fail, stdin_is_terminal

if TYPE_CHECKING:  # imported where used, so `sekha --help` stays fast
    from sekha_migrate.backup import BackupSet


class RollbackFormat(str, Enum):
    text = "text"
    json = "json"


def rollback_command(
    backup_id: str | None = typer.Argument(
        None,
        metavar="[BACKUP_ID]",
        help="The backup set to restore (see --list). Default: the latest.",
        show_default=False,
    ),
    directory: Path | None = typer.Option(
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
    from sekha_migrate.backup import BackupError, BackupLookupError
    from sekha_migrate.report import rollback as render
    from sekha_migrate.undo import RollbackFailed, list_backup_sets, rollback

    root = directory if directory is not None else Path.cwd()
    if not root.is_dir():  # the library says so too, but without naming the flag
        fail("rollback", f"--dir {root} is not a directory", exit_codes.USAGE)
    fmt = output_format.value
    try:
        if list_only:
            render.print_backup_list(list_backup_sets(root, backup_id), fmt)
            raise typer.Exit(exit_codes.OK)
        done = rollback(root, backup_id, confirm=None if yes else _ask)
    except BackupLookupError as exc:
        render.print_refusal(str(exc), fmt)
        fail("rollback", str(exc), exit_codes.USAGE)
    except RollbackFailed as exc:
        render.print_restore_failure(exc.backup, str(exc), fmt)
        fail("rollback", str(exc), exit_codes.PROBLEMS)
    except BackupError as exc:
        message = f"{exc}; pick another set by its ID (sekha rollback --list)"
        render.print_refusal(message, fmt)
        fail("rollback", message, exit_codes.PROBLEMS)
    if done.restore is None:
        fail("rollback", "rollback cancelled; nothing was changed", exit_codes.PROBLEMS)
    render.print_restore_result(done.backup, done.restore, fmt)
    raise typer.Exit(exit_codes.OK)


def _ask(backup: BackupSet) -> bool:
    """On a terminal, show what would change and ask; without one nobody could answer."""
    from sekha_migrate.report import rollback as render

    if not stdin_is_terminal():
        return True
    render.print_restore_plan(backup)
    return typer.confirm("Restore these files?", default=False, err=True)
