"""What a backup set is: its names on disk, its records, its errors, and which paths it may hold."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

BACKUPS_DIRNAME = ".sekha-backups"
MANIFEST_NAME = "manifest.json"
REPORT_NAME = "report.json"
ROLLBACK_LOG_NAME = "rollback.json"
FILES_DIRNAME = "files"
ROLLED_BACK_DIRNAME = "rolled-back"
MANIFEST_FORMAT = "sekha-backup"
# 2: paths relative to the project, so a moved, copied or re-mounted project rolls back;
# 1 (absolute paths) is still read when its paths lie inside the project where it is now.
MANIFEST_VERSION = 2
_READABLE_VERSIONS = (1, 2)
KIND_MIGRATION = "migration"
KIND_PRE_ROLLBACK = "pre-rollback"  # what a rollback replaced, saved just before it
_KINDS = (KIND_MIGRATION, KIND_PRE_ROLLBACK)
# Far above any real manifest; a bigger one is tampering or damage, not worth reading.
_MAX_MANIFEST_BYTES = 4 * 1024 * 1024


class BackupError(Exception):
    """A backup could not be made, read, or restored; the message says why."""


class BackupLookupError(BackupError):
    """No backup set to use: none exist, the ID is unknown, or the directory is unreadable."""


class BackupLockedError(BackupError):
    """Another sekha process is writing in the same directory."""


@dataclass(frozen=True)
class BackupEntry:
    original: Path  # absolute path of the file that was backed up
    stored: str  # where the copy lives, relative to the set's directory
    size: int
    mode: int  # permission bits, e.g. 0o600
    sha256: str
    link: str | None = None  # the original was this symbolic link (the copy holds its target)

    def to_dict(self) -> dict[str, Any]:
        """As the manifest and `rollback --format json` write it."""
        document: dict[str, Any] = {
            "original": str(self.original),
            "stored": self.stored,
            "size": self.size,
            "mode": f"{self.mode:04o}",
            "sha256": self.sha256,
        }
        if self.link is not None:
            document["link"] = self.link
        return document


@dataclass(frozen=True)
class BackupSet:
    id: str
    directory: Path
    created: str  # ISO 8601, UTC
    entries: tuple[BackupEntry, ...]
    generated: tuple[Path, ...]  # files the migration writes; a rollback moves them aside
    rollbacks: tuple[str, ...] = ()  # when this set was rolled back (ISO 8601, UTC)
    kind: str = KIND_MIGRATION
    undoes: str | None = None  # for a pre-rollback set: the set whose rollback it precedes
    # What the migration wrote, by sha256: tells a file this toolkit wrote from a hand-edited one.
    written: tuple[tuple[Path, str], ...] = ()

    @property
    def rolled_back(self) -> bool:
        return bool(self.rollbacks)


@dataclass(frozen=True)
class DamagedBackup:
    id: str
    reason: str


@dataclass(frozen=True)
class RestoreResult:
    backup_id: str
    restored: tuple[Path, ...]
    moved_aside: tuple[Path, ...]  # generated files that were in the way ...
    moved_to: tuple[Path, ...]  # ... and where each one went, in the same order
    saved_as: str | None = None  # the pre-rollback set holding what this rollback replaced


def backups_directory(root: Path) -> Path:
    return _absolute(Path(root)) / BACKUPS_DIRNAME


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


def inside_project(path: Path, root: Path) -> bool:
    """Whether `path` lies inside `root` and outside its backups, by name and once every
    directory on the way is resolved (a linked directory cannot lead out)."""
    text = str(path)
    if "\x00" in text or not os.path.isabs(text) or ".." in Path(text).parts:
        return False
    real_root = os.path.realpath(root)
    real_parent = os.path.realpath(os.path.dirname(text))
    backups = os.path.join(real_root, BACKUPS_DIRNAME)
    in_root = os.path.commonpath([real_root, real_parent]) == real_root
    in_backups = os.path.commonpath([backups, real_parent]) == backups
    return in_root and not in_backups and os.path.basename(text) not in ("", BACKUPS_DIRNAME)


def _planted(path: Path) -> str:
    """What to say about a link found where the toolkit keeps its own files."""
    return (
        f"{path} is a symbolic link, which sekha never follows inside {BACKUPS_DIRNAME}/ (a "
        f"repository may have planted it); nothing was changed: remove the link and run again"
    )



def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

