"""Undoing a migration as library calls: `rollback` restores a backup set, `list_backup_sets`
says which sets there are. Neither prints nor exits.

Errors: BackupLookupError (no such directory or set: a usage error) and BackupError (a set that
is damaged, locked, or cannot be restored); RollbackFailed, a BackupError, names the set that a
restore stopped in. (Not `rollback.py`: a submodule of that name would shadow a `rollback`
exported by the package.)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sekha_migrate.backup import (
    BackupError,
    BackupLookupError,
    BackupSet,
    DamagedBackup,
    RestoreResult,
    backups_directory,
    exclusive_writer,
    find_damaged_backups,
    list_backups,
    load_backup,
    restore_backup,
)


@dataclass(frozen=True)
class BackupListing:
    root: Path  # the directory holding .sekha-backups/
    sets: tuple[BackupSet, ...]  # oldest first; only the one asked for, with an ID
    damaged: tuple[DamagedBackup, ...]
    one_set: bool  # a set was asked for by its ID: show its files

    @property
    def directory(self) -> Path:
        return backups_directory(self.root)


@dataclass(frozen=True)
class RollbackResult:
    backup: BackupSet  # the set restored (or offered, when cancelled)
    restore: RestoreResult | None  # None: `confirm` said no and nothing changed

    @property
    def cancelled(self) -> bool:
        return self.restore is None


class RollbackFailed(BackupError):
    """A restore of `backup` stopped; the message says what was restored and what is kept."""

    def __init__(self, backup: BackupSet, message: str) -> None:
        super().__init__(message)
        self.backup = backup


def list_backup_sets(
    directory: str | os.PathLike[str], backup_id: str | None = None
) -> BackupListing:
    """The backup sets under `directory` (and the damaged ones), or the one called
    `backup_id`."""
    root = _root(directory)
    if backup_id is not None:
        return BackupListing(root, (load_backup(root, backup_id),),
                             tuple(find_damaged_backups(root)), one_set=True)
    return BackupListing(root, tuple(list_backups(root)), tuple(find_damaged_backups(root)),
                         one_set=False)


def rollback(
    directory: str | os.PathLike[str],
    backup_id: str | None = None,
    *,
    confirm: Callable[[BackupSet], bool] | None = None,
) -> RollbackResult:
    """Restore the set `backup_id` (default: the newest migration not rolled back yet) under
    `directory`, byte for byte; generated files are moved into the set, never deleted.
    `confirm` is shown the set before anything changes; False leaves everything as it is."""
    root = _root(directory)
    backup = load_backup(root, backup_id)
    if confirm is not None and not confirm(backup):
        return RollbackResult(backup, None)
    try:
        # One writer at a time; restore_backup reads the set's log again under the lock, so
        # a rollback that ran meanwhile is not applied twice.
        with exclusive_writer(root):
            return RollbackResult(backup, restore_backup(backup))
    except BackupError as exc:
        raise RollbackFailed(backup, str(exc)) from exc


def _root(directory: str | os.PathLike[str]) -> Path:
    root = Path(directory)
    if not root.is_dir():
        raise BackupLookupError(f"{root} is not a directory")
    return root
