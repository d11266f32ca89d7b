"""Backup sets: verified copies of every file a migration replaces, and the undo that restores them.

Layout of one set, `<root>/.sekha-backups/<id>/` (mode 0700):
    files/<name>       byte-for-byte copies, with the originals' permission bits
    report.json        the migration report, when one was given
    manifest.json      written last: a set without it is incomplete and never offered for rollback
    rolled-back/       what a rollback moved out of the way (the generated v2 files)
    rollback.json      when the set was rolled back and what moved where
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sekha_migrate.io import WriteError, describe_os_error, write_atomically

BACKUPS_DIRNAME = ".sekha-backups"
MANIFEST_NAME = "manifest.json"
REPORT_NAME = "report.json"
ROLLBACK_LOG_NAME = "rollback.json"
FILES_DIRNAME = "files"
ROLLED_BACK_DIRNAME = "rolled-back"
MANIFEST_FORMAT = "sekha-backup"
MANIFEST_VERSION = 1

# Fixed width, so sorting IDs as text sorts them in time; microseconds keep two runs in one
# second apart, and an exclusive mkdir settles the rare exact tie.
_ID_FORMAT = "%Y%m%dT%H%M%S.%fZ"
_SHA256 = re.compile(r"[0-9a-f]{64}")


class BackupError(Exception):
    """A backup could not be made, read, or restored; the message says why."""


class BackupLookupError(BackupError):
    """No backup set to use: none exist, the ID is unknown, or the directory is unreadable."""


@dataclass(frozen=True)
class BackupEntry:
    original: Path  # absolute path of the file that was backed up
    stored: str  # where the copy lives, relative to the set's directory
    size: int
    mode: int  # permission bits, e.g. 0o600
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        """As the manifest and `rollback --format json` write it."""
        return {
            "original": str(self.original),
            "stored": self.stored,
            "size": self.size,
            "mode": f"{self.mode:04o}",
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class BackupSet:
    id: str
    directory: Path
    created: str  # ISO 8601, UTC
    entries: tuple[BackupEntry, ...]
    generated: tuple[Path, ...]  # files the migration writes; a rollback moves them aside
    rollbacks: tuple[str, ...] = ()  # when this set was rolled back (ISO 8601, UTC)

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


def backups_directory(root: Path) -> Path:
    return _absolute(Path(root)) / BACKUPS_DIRNAME


# --- creating -------------------------------------------------------------------------------


def create_backup(
    files: Sequence[Path],
    *,
    root: Path,
    report: Mapping[str, Any] | None = None,
    generated: Sequence[Path] = (),
) -> BackupSet:
    """Copy every existing file of `files` into a new set under `root`, verified before return.

    Missing files are skipped (there is nothing to lose). On any failure the half-made set is
    removed and BackupError says why; nothing outside `root/.sekha-backups` is touched.
    """
    originals = _existing_files(files)
    generated_paths = tuple(dict.fromkeys(_absolute(path) for path in generated))
    now = datetime.now(timezone.utc)
    backup_id, directory, moment = _reserve_set_directory(_ensure_container(Path(root)), now)
    try:
        entries = _store_copies(originals, directory)
        _verify_copies(directory, entries)
        if report is not None:
            _write_in_set(directory / REPORT_NAME, _report_json(report))
        backup = BackupSet(backup_id, directory, _iso(moment), entries, generated_paths)
        _write_in_set(directory / MANIFEST_NAME, _manifest_json(backup))
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return backup


def _existing_files(files: Sequence[Path]) -> tuple[Path, ...]:
    seen: dict[str, Path] = {}
    for path in files:
        absolute = _absolute(path)
        try:
            found = absolute.stat()
        except (FileNotFoundError, NotADirectoryError):
            continue  # nothing there, so nothing to lose
        except OSError as exc:
            reason = describe_os_error(exc, absolute)
            raise BackupError(f"cannot back up {absolute}: {reason}") from exc
        if not stat.S_ISREG(found.st_mode):
            raise BackupError(f"cannot back up {absolute}: it is not a regular file")
        seen.setdefault(os.path.realpath(absolute), absolute)
    return tuple(seen.values())


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


def _ensure_container(root: Path) -> Path:
    if not root.is_dir():
        raise BackupError(f"cannot create a backup in {root}: it is not a directory")
    container = backups_directory(root)
    try:
        container.mkdir(mode=0o700, exist_ok=True)
        ignore_file = container / ".gitignore"
        if not ignore_file.exists():
            # Backups hold secrets; keep them out of the user's repository by default.
            write_atomically(ignore_file, "# Sekha backups may hold API keys.\n*\n")
    except OSError as exc:
        raise BackupError(
            f"cannot create the backup directory {container}: {describe_os_error(exc, container)}"
        ) from exc
    except WriteError as exc:
        raise BackupError(f"cannot create the backup directory {container}: {exc}") from exc
    return container


def _reserve_set_directory(container: Path, now: datetime) -> tuple[str, Path, datetime]:
    moment = now
    while True:
        backup_id = moment.strftime(_ID_FORMAT)
        directory = container / backup_id
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            moment += timedelta(microseconds=1)
            continue
        except OSError as exc:
            reason = describe_os_error(exc, directory)
            raise BackupError(f"cannot create the backup set {directory}: {reason}") from exc
        os.chmod(directory, 0o700)  # mkdir's mode is filtered by the umask
        return backup_id, directory, moment


def _store_copies(originals: Sequence[Path], directory: Path) -> tuple[BackupEntry, ...]:
    files_dir = directory / FILES_DIRNAME
    entries = []
    for original in originals:
        data, mode = _read_original(original)
        copy = _free_path(files_dir, original.name)
        _write_in_set(copy, data, mode=mode)
        entries.append(
            BackupEntry(
                original=original,
                stored=copy.relative_to(directory).as_posix(),
                size=len(data),
                mode=mode,
                sha256=hashlib.sha256(data).hexdigest(),
            )
        )
    return tuple(entries)


def _read_original(path: Path) -> tuple[bytes, int]:
    try:
        with open(path, "rb") as handle:
            mode = stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
            return handle.read(), mode
    except OSError as exc:
        reason = describe_os_error(exc, path)
        raise BackupError(f"cannot read {path} to back it up: {reason}") from exc


def _verify_copies(directory: Path, entries: Sequence[BackupEntry]) -> None:
    _, problems = _read_copies(directory, entries)
    if problems:
        raise BackupError(f"the backup in {directory} failed verification: {'; '.join(problems)}")


def _read_copies(
    directory: Path, entries: Sequence[BackupEntry]
) -> tuple[dict[str, bytes], list[str]]:
    """The stored copies that match their sha256, and a sentence for each one that does not."""
    contents: dict[str, bytes] = {}
    problems = []
    for entry in entries:
        try:
            data = (directory / entry.stored).read_bytes()
        except OSError as exc:
            problems.append(f"the copy of {entry.original} cannot be read ({exc.strerror})")
            continue
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            problems.append(f"the copy of {entry.original} does not match its recorded sha256")
            continue
        contents[entry.stored] = data
    return contents, problems


def _write_in_set(path: Path, data: str | bytes, *, mode: int = 0o600) -> None:
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        write_atomically(path, data, mode=mode)
    except WriteError as exc:
        raise BackupError(f"cannot write the backup: {exc}") from exc
    except OSError as exc:
        reason = describe_os_error(exc, path)
        raise BackupError(f"cannot write the backup to {path.parent}: {reason}") from exc


def _free_path(directory: Path, name: str) -> Path:
    """`name` in `directory`, or `stem-2.suffix` and so on when two files share a name."""
    candidate = directory / name
    stem, dot, suffix = name.rpartition(".") if not name.startswith(".") else (name, "", "")
    number = 2
    while candidate.exists() or candidate.is_symlink():
        candidate = directory / (f"{stem}-{number}.{suffix}" if dot else f"{name}-{number}")
        number += 1
    return candidate


def _report_json(report: Mapping[str, Any]) -> str:
    try:
        return json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n"
    except (TypeError, ValueError) as exc:
        raise BackupError(f"the migration report cannot be saved as JSON: {exc}") from exc


def _manifest_json(backup: BackupSet) -> str:
    document = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "id": backup.id,
        "created": backup.created,
        "files": [entry.to_dict() for entry in backup.entries],
        "generated": [str(path) for path in backup.generated],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- finding --------------------------------------------------------------------------------


def list_backups(root: Path) -> list[BackupSet]:
    """Every complete, readable backup set under `root`, oldest first."""
    return [found for _, found in _scan(Path(root)) if isinstance(found, BackupSet)]


def find_damaged_backups(root: Path) -> list[DamagedBackup]:
    """Sets whose manifest cannot be read; `list_backups` leaves them out."""
    return [
        DamagedBackup(backup_id, str(found))
        for backup_id, found in _scan(Path(root))
        if isinstance(found, BackupError)
    ]


def load_backup(root: Path, backup_id: str | None = None) -> BackupSet:
    """The set called `backup_id`, or the newest one; BackupLookupError when there is none."""
    container = backups_directory(Path(root))
    if backup_id is None:
        found = _scan(Path(root))
        if not found:
            raise BackupLookupError(f"no backups found in {container}")
        latest = found[-1][1]
        if isinstance(latest, BackupError):
            raise latest
        return latest
    if not backup_id or "/" in backup_id or os.sep in backup_id or backup_id.startswith("."):
        raise BackupLookupError(f"{backup_id!r} is not a backup ID")
    directory = container / backup_id
    if not directory.is_dir():
        raise BackupLookupError(f"no backup set {backup_id} in {container}")
    if not (directory / MANIFEST_NAME).exists():
        raise BackupLookupError(
            f"the backup set {backup_id} is incomplete (its creation was interrupted) "
            "and cannot be restored"
        )
    return _load_set(directory)


def _scan(root: Path) -> list[tuple[str, BackupSet | BackupError]]:
    """Complete sets (those with a manifest) by ID, oldest first; damaged ones as errors."""
    container = backups_directory(root)
    try:
        children = sorted(os.scandir(container), key=lambda child: child.name)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise BackupLookupError(f"cannot read {container}: {exc.strerror or exc}") from exc
    found: list[tuple[str, BackupSet | BackupError]] = []
    for child in children:
        if child.name.startswith(".") or not child.is_dir():
            continue
        directory = Path(child.path)
        if not (directory / MANIFEST_NAME).exists():
            continue
        try:
            found.append((child.name, _load_set(directory)))
        except BackupError as exc:
            found.append((child.name, exc))
    return found


# What a damaged manifest or log can raise while being read and checked.
_DAMAGE = (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError)


def _load_set(directory: Path) -> BackupSet:
    try:
        document = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
        backup = _parse_manifest(document, directory)
    except _DAMAGE as exc:
        raise _damaged(directory, MANIFEST_NAME, exc) from exc
    try:
        events = _read_rollback_log(directory)
    except _DAMAGE as exc:
        raise _damaged(directory, ROLLBACK_LOG_NAME, exc) from exc
    completed = tuple(event["at"] for event in events if event.get("complete", True))
    return dataclasses.replace(backup, rollbacks=completed)


def _damaged(directory: Path, name: str, exc: Exception) -> BackupError:
    if isinstance(exc, KeyError):
        reason = f"the key {exc} is missing"
    elif isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
    else:
        reason = str(exc)
    return BackupError(
        f"the backup set {directory.name} is damaged: {directory / name} cannot be read ({reason})"
    )


def _parse_manifest(document: Any, directory: Path) -> BackupSet:
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
        raise ValueError("not a Sekha backup manifest")
    if document.get("version") != MANIFEST_VERSION:
        raise ValueError(f"unsupported manifest version {document.get('version')!r}")
    entries = tuple(_parse_entry(item) for item in document["files"])
    generated = tuple(Path(_text(item)) for item in document["generated"])
    return BackupSet(
        id=directory.name,
        directory=directory,
        created=_text(document["created"]),
        entries=entries,
        generated=generated,
    )


def _parse_entry(item: Any) -> BackupEntry:
    original = Path(_text(item["original"]))
    stored = _text(item["stored"])
    sha256 = _text(item["sha256"])
    size, mode = item["size"], int(_text(item["mode"]), 8)
    if not original.is_absolute():
        raise ValueError(f"original path {original} is not absolute")
    # A stored name must stay inside the set, whatever the manifest says.
    if Path(stored).is_absolute() or ".." in Path(stored).parts:
        raise ValueError(f"stored name {stored!r} points outside the backup set")
    if not isinstance(size, int) or size < 0 or not _SHA256.fullmatch(sha256):
        raise ValueError(f"the entry for {original} has a bad size or sha256")
    return BackupEntry(original, stored, size, mode & 0o7777, sha256)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {value!r}")
    return value


def _read_rollback_log(directory: Path) -> list[dict[str, Any]]:
    path = directory / ROLLBACK_LOG_NAME
    if not path.exists():
        return []
    events = json.loads(path.read_text(encoding="utf-8"))["rollbacks"]
    if not isinstance(events, list) or not all(isinstance(event, dict) for event in events):
        raise ValueError("the list of rollbacks is malformed")
    for event in events:
        _text(event["at"])
    return events


# --- restoring ------------------------------------------------------------------------------


def restore_backup(backup: BackupSet) -> RestoreResult:
    """Put every original back byte for byte, with its mode; move generated files aside.

    Every copy is checked against its sha256 first; if any fails, nothing is touched.
    Running it again after a failure is safe: it carries on where it stopped.
    """
    contents = _read_verified_copies(backup)
    moves: list[tuple[Path, Path]] = []
    restored: list[Path] = []
    try:
        for path in backup.generated:
            destination = _move_aside(path, backup, contents)
            if destination is not None:
                moves.append((path, destination))
        for entry in backup.entries:
            _restore_entry(entry, contents[entry.stored])
            restored.append(entry.original)
    except BackupError as exc:
        _record_rollback(backup, restored, moves, complete=False)
        done = ", ".join(str(path) for path in restored) or "nothing"
        kept = "".join(f"; moved {source} to {destination}" for source, destination in moves)
        raise BackupError(
            f"{exc}. Restored so far: {done}{kept}. The backed-up copies are intact; "
            "fix the cause and roll back again."
        ) from exc
    _record_rollback(backup, restored, moves, complete=True)
    return RestoreResult(
        backup.id,
        tuple(restored),
        tuple(source for source, _ in moves),
        tuple(destination for _, destination in moves),
    )


def _read_verified_copies(backup: BackupSet) -> dict[str, bytes]:
    contents, problems = _read_copies(backup.directory, backup.entries)
    if problems:
        raise BackupError(
            f"refusing to restore backup {backup.id}, nothing was changed: {'; '.join(problems)}"
        )
    return contents


def _move_aside(path: Path, backup: BackupSet, contents: Mapping[str, bytes]) -> Path | None:
    """Move the generated file at `path` into the set; None when there is nothing to move."""
    # Through a symlink the generated content sits in its target; moving the target keeps the
    # link, so the restore below writes the original back where the link points.
    current = Path(os.path.realpath(path))
    if not current.is_file():
        return None
    if _already_original(current, backup, contents):
        return None  # an earlier rollback restored it already; nothing of v2 to keep
    destination = _free_path(backup.directory / ROLLED_BACK_DIRNAME, path.name)
    try:
        destination.parent.mkdir(mode=0o700, exist_ok=True)
        shutil.move(str(current), str(destination))
    except OSError as exc:
        reason = describe_os_error(exc, current)
        raise BackupError(f"cannot move {path} into the backup set: {reason}") from exc
    return destination


def _already_original(current: Path, backup: BackupSet, contents: Mapping[str, bytes]) -> bool:
    for entry in backup.entries:
        if os.path.realpath(entry.original) == str(current):
            with contextlib.suppress(OSError):
                return current.read_bytes() == contents[entry.stored]
    return False


def _restore_entry(entry: BackupEntry, data: bytes) -> None:
    target = Path(os.path.realpath(entry.original))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(entry.original, data, mode=entry.mode)
    except WriteError as exc:
        raise BackupError(str(exc)) from exc
    except OSError as exc:
        reason = describe_os_error(exc, target)
        raise BackupError(f"cannot restore {entry.original}: {reason}") from exc


def _record_rollback(
    backup: BackupSet,
    restored: Sequence[Path],
    moves: Sequence[tuple[Path, Path]],
    *,
    complete: bool,
) -> None:
    """Append this rollback to the set's log; the log is a record, so failing to write it is
    not worth failing a restore that has already happened."""
    try:
        events = _read_rollback_log(backup.directory)
    except _DAMAGE:
        events = []
    events.append(
        {
            "at": _iso(datetime.now(timezone.utc)),
            "complete": complete,
            "restored": [str(item) for item in restored],
            "moved_aside": [
                {"from": str(source), "to": str(destination)} for source, destination in moves
            ],
        }
    )
    document = {"format": "sekha-rollback-log", "version": 1, "rollbacks": events}
    with contextlib.suppress(WriteError):
        write_atomically(
            backup.directory / ROLLBACK_LOG_NAME, json.dumps(document, indent=2) + "\n", mode=0o600
        )
