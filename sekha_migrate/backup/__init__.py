"""Backup sets: verified copies of every file a migration replaces, and the undo that restores them.

Layout of one set, `<root>/.sekha-backups/<id>/` (mode 0700):
    files/<name>       byte-for-byte copies, with the originals' permission bits
    report.json        the migration report, when one was given
    manifest.json      written last: a set without it is incomplete and never offered for rollback
    rolled-back/       what a rollback moved out of the way (the generated v2 files)
    rollback.json      when the set was rolled back and what moved where

One module per concern: `sets` (names, records, errors), `create` (making a verified set),
`manifest` (reading sets back as untrusted input), `restore` (rollback), `lock` (one writer at
a time). A rollback first saves what it is about to replace as a new set (kind "pre-rollback"),
so it loses nothing, and a set that was rolled back is never applied again.
"""

from __future__ import annotations

from sekha_migrate.backup.create import create_backup
from sekha_migrate.backup.lock import LOCK_NAME, exclusive_writer
from sekha_migrate.backup.manifest import (
    find_damaged_backups,
    list_backups,
    load_backup,
    stray_outputs,
    written_by_toolkit,
)
from sekha_migrate.backup.restore import restore_backup
from sekha_migrate.backup.sets import (
    BACKUPS_DIRNAME,
    FILES_DIRNAME,
    KIND_MIGRATION,
    KIND_PRE_ROLLBACK,
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    MANIFEST_VERSION,
    REPORT_NAME,
    ROLLBACK_LOG_NAME,
    ROLLED_BACK_DIRNAME,
    BackupEntry,
    BackupError,
    BackupLockedError,
    BackupLookupError,
    BackupSet,
    DamagedBackup,
    RestoreResult,
    backups_directory,
    inside_project,
)

__all__ = [
    "BACKUPS_DIRNAME",
    "FILES_DIRNAME",
    "KIND_MIGRATION",
    "KIND_PRE_ROLLBACK",
    "LOCK_NAME",
    "MANIFEST_FORMAT",
    "MANIFEST_NAME",
    "MANIFEST_VERSION",
    "REPORT_NAME",
    "ROLLBACK_LOG_NAME",
    "ROLLED_BACK_DIRNAME",
    "BackupEntry",
    "BackupError",
    "BackupLockedError",
    "BackupLookupError",
    "BackupSet",
    "DamagedBackup",
    "RestoreResult",
    "backups_directory",
    "create_backup",
    "exclusive_writer",
    "find_damaged_backups",
    "inside_project",
    "list_backups",
    "load_backup",
    "restore_backup",
    "stray_outputs",
    "written_by_toolkit",
]
