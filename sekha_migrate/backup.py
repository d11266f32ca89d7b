"""Backup sets: verified copies of every file a migration replaces, and the undo that restores them.

Layout of one set, `<root>/.sekha-backups/<id>/` (mode 0700):
    files/<name>       byte-for-byte copies, with the originals' permission bits
    report.json        the migration report, when one was given
    manifest.json      written last: a set without it is incomplete and never offered for rollback
    rolled-back/       what a rollback moved out of the way (the generated v2 files)
    rollback.json      when the set was rolled back and what moved where

A set is untrusted input when it is read back: anyone who can write to .sekha-backups/ can
edit a manifest, so every path in it must lie inside the project directory, every stored copy
must be a regular file inside the set, and modes are cut down to permission bits.
A rollback first saves what it is about to replace as a new set (kind "pre-rollback"), so it
loses nothing, and a set that was rolled back is never applied again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sekha_migrate.io import WriteError, describe_os_error, temp_name, write_atomically
from sekha_migrate.json_text import json_safe

BACKUPS_DIRNAME = ".sekha-backups"
MANIFEST_NAME = "manifest.json"
REPORT_NAME = "report.json"
ROLLBACK_LOG_NAME = "rollback.json"
FILES_DIRNAME = "files"
ROLLED_BACK_DIRNAME = "rolled-back"
LOCK_NAME = "lock"
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

# How long a second writer waits for the first before it gives up (tests set 0).
LOCK_WAIT_SECONDS = 5.0
# Temporary files io.write_atomically makes beside a target: `.NAME.<8 hex>.<pid>.tmp`
# (earlier versions: `.NAME.<8 hex>.tmp`, no PID).
_TEMP_FILE = re.compile(r"\..+\.[0-9a-f]{8}(?:\.(\d{1,10}))?\.tmp")

# Fixed width, so sorting IDs as text sorts them in time; microseconds keep two runs in one
# second apart, and an exclusive mkdir settles the rare exact tie.
_ID_FORMAT = "%Y%m%dT%H%M%S.%fZ"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NON_BLOCK = getattr(os, "O_NONBLOCK", 0)


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


# --- creating -------------------------------------------------------------------------------


def create_backup(
    files: Sequence[Path],
    *,
    root: Path,
    report: Mapping[str, Any] | Callable[[str, Path], Mapping[str, Any]] | None = None,
    generated: Sequence[Path] = (),
    written: Mapping[Path, str | bytes] | None = None,
    kind: str = KIND_MIGRATION,
    undoes: str | None = None,
) -> BackupSet:
    """Copy every existing file of `files` into a new set under `root`, verified before return.

    Missing files are skipped (there is nothing to lose). A symbolic link is recorded as a
    link (and its target's bytes as the copy). `written` is what the migration is about to
    write to each generated path, recorded by sha256. `report` may be a function of the new
    set's ID and directory, so the report stored in the set can name its own set. Every
    path must lie inside `root`, since a rollback refuses any other. On any failure the
    half-made set is removed and BackupError says why; nothing outside
    `root/.sekha-backups` is touched.
    """
    root = _absolute(Path(root))
    originals = _existing_files(files)
    generated_paths = tuple(dict.fromkeys(_absolute(path) for path in generated))
    digests = tuple(
        (_absolute(path), hashlib.sha256(_as_bytes(data)).hexdigest())
        for path, data in (written or {}).items()
    )
    for path in (*(path for path, _ in originals), *generated_paths, *(p for p, _ in digests)):
        if not inside_project(path, root):
            raise BackupError(f"cannot back up {path}: it is outside {root}, where the backup is")
    now = datetime.now(timezone.utc)
    backup_id, directory, moment = _reserve_set_directory(_ensure_container(root), now)
    try:
        entries = _store_copies(originals, directory)
        _verify_copies(directory, entries)
        if report is not None:
            document = report(backup_id, directory) if callable(report) else report
            _write_in_set(directory / REPORT_NAME, _report_json(document))
        backup = BackupSet(
            backup_id, directory, _iso(moment), entries, generated_paths,
            kind=kind, undoes=undoes, written=digests,
        )
        _write_in_set(directory / MANIFEST_NAME, _manifest_json(backup))
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return backup


def _existing_files(files: Sequence[Path]) -> tuple[tuple[Path, str | None], ...]:
    """(path, link text or None) for each file there is; a file reached twice is kept once."""
    seen: dict[str, tuple[Path, str | None]] = {}
    for path in files:
        absolute = _absolute(path)
        try:
            link = os.readlink(absolute) if absolute.is_symlink() else None
            found = absolute.stat()
        except (FileNotFoundError, NotADirectoryError):
            continue  # nothing there (or a dangling link), so nothing to lose
        except OSError as exc:
            reason = describe_os_error(exc, absolute)
            raise BackupError(f"cannot back up {absolute}: {reason}") from exc
        if not stat.S_ISREG(found.st_mode):
            raise BackupError(f"cannot back up {absolute}: it is not a regular file")
        # A link is its own entry (rollback puts the link back); plain files dedupe by identity.
        key = str(absolute) if link is not None else os.path.realpath(absolute)
        seen.setdefault(key, (absolute, link))
    return tuple(seen.values())


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


def _as_bytes(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


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


def _ensure_container(root: Path) -> Path:
    if not root.is_dir():
        raise BackupError(f"cannot create a backup in {root}: it is not a directory")
    container = backups_directory(root)
    try:
        if container.is_symlink():
            raise BackupError(_planted(container))
        container.mkdir(mode=0o700, exist_ok=True)
        ignore_file = container / ".gitignore"
        if ignore_file.is_symlink():  # even a dangling one: writing would create its target
            raise BackupError(_planted(ignore_file))
        if not ignore_file.exists():
            # Backups hold secrets; keep them out of the user's repository by default.
            write_atomically(ignore_file, "# Sekha backups may hold API keys.\n*\n",
                             follow_symlinks=False)
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
        try:
            os.chmod(directory, 0o700)  # mkdir's mode is filtered by the umask
        except BaseException:  # SIGTERM (an interrupt here) or a failure: leave no half set
            with contextlib.suppress(OSError):
                os.rmdir(directory)
            raise
        return backup_id, directory, moment


def _store_copies(
    originals: Sequence[tuple[Path, str | None]], directory: Path
) -> tuple[BackupEntry, ...]:
    files_dir = directory / FILES_DIRNAME
    entries = []
    for original, link in originals:
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
                link=link,
            )
        )
    return tuple(entries)


def _read_original(path: Path) -> tuple[bytes, int]:
    try:
        with open(path, "rb") as handle:
            mode = stat.S_IMODE(os.fstat(handle.fileno()).st_mode) & 0o777
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
            data = _read_stored_copy(directory, entry.stored)
        except OSError as exc:
            problems.append(f"the copy of {entry.original} cannot be read ({exc.strerror})")
            continue
        except ValueError as exc:
            problems.append(f"the copy of {entry.original} {exc}")
            continue
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            problems.append(f"the copy of {entry.original} does not match its recorded sha256")
            continue
        contents[entry.stored] = data
    return contents, problems


def _read_stored_copy(directory: Path, stored: str) -> bytes:
    """The bytes of a copy that is a regular file inside the set; ValueError for anything else
    (a link or device planted in the set could otherwise feed a rollback any file)."""
    path = directory / stored
    real_set = os.path.realpath(directory)
    if os.path.commonpath([real_set, os.path.realpath(path.parent)]) != real_set:
        raise ValueError("is not inside the backup set")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    if path.is_symlink():
        raise ValueError("is a link, not a regular file")
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ValueError("is not a regular file")
        return handle.read()


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
        safe = json_safe(report)
        return json.dumps(safe, indent=2, ensure_ascii=True, default=str, allow_nan=False) + "\n"
    except (TypeError, ValueError) as exc:
        raise BackupError(f"the migration report cannot be saved as JSON: {exc}") from exc


def _manifest_json(backup: BackupSet) -> str:
    root = backup.directory.parent.parent

    def relative(path: Path) -> str:
        shown = os.path.relpath(path, root)
        if shown.split(os.sep)[0] == "..":  # the same directory reached by another spelling
            real = os.path.relpath(os.path.realpath(path.parent), os.path.realpath(root))
            shown = os.path.join(real, path.name)
        return Path(shown).as_posix()

    files = [{**entry.to_dict(), "original": relative(entry.original)} for entry in backup.entries]
    document = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "id": backup.id,
        "kind": backup.kind,
        "undoes": backup.undoes,
        "created": backup.created,
        "files": files,
        "generated": [relative(path) for path in backup.generated],
        "written": {relative(path): digest for path, digest in backup.written},
    }
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"  # names not UTF-8 too


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
    """The set called `backup_id`, or the newest migration set not rolled back yet;
    BackupLookupError when there is none."""
    container = backups_directory(Path(root))
    if backup_id is None:
        return _latest_to_roll_back(Path(root))
    if not backup_id or "/" in backup_id or os.sep in backup_id or backup_id.startswith("."):
        raise BackupLookupError(f"{backup_id!r} is not a backup ID")
    directory = container / backup_id
    if directory.is_symlink():
        raise BackupError(f"the backup set {backup_id} is damaged: {_planted(directory)}")
    if not directory.is_dir():
        raise BackupLookupError(f"no backup set {backup_id} in {container}")
    try:
        complete = (directory / MANIFEST_NAME).exists()
    except OSError as exc:
        raise _damaged(directory, MANIFEST_NAME, exc) from exc
    if not complete:
        raise BackupLookupError(
            f"the backup set {backup_id} is incomplete (its creation was interrupted) "
            "and cannot be restored"
        )
    return _load_set(directory)


def _latest_to_roll_back(root: Path) -> BackupSet:
    found = _scan(root)
    if not found:
        raise BackupLookupError(f"no backups found in {backups_directory(root)}")
    for _, candidate in reversed(found):
        if isinstance(candidate, BackupError):
            raise candidate  # it may be the one to roll back: never guess around it
        if candidate.kind == KIND_MIGRATION and not candidate.rolled_back:
            return candidate
    raise BackupLookupError(
        f"every migration backed up in {backups_directory(root)} was rolled back already; "
        "nothing left to roll back (sekha rollback --list shows the sets)"
    )


def written_by_toolkit(root: Path, path: Path) -> bool:
    """Whether `path` holds exactly what a migration recorded writing there (by sha256)."""
    target = _absolute(path)
    digest = _sha256_of(target)
    try:
        sets = list_backups(root)
    except BackupError:
        return False
    return any(
        recorded == target and known == digest
        for backup in sets
        for recorded, known in backup.written
    )


def stray_outputs(root: Path) -> frozenset[Path]:
    """Files the newest migration wrote before it was killed short of its last file: they were
    not there before that run, so a re-run must not back them up as the user's originals (a
    rollback would then put the stray back, keys included)."""
    try:
        sets = [found for found in list_backups(root)
                if found.kind == KIND_MIGRATION and not found.rolled_back]
    except BackupError:
        return frozenset()
    if not sets or not sets[-1].written:
        return frozenset()
    matching = {path for path, digest in sets[-1].written if _sha256_of(path) == digest}
    complete = len(matching) == len(sets[-1].written)
    return frozenset() if complete else frozenset(matching)


def _sha256_of(path: Path) -> str | None:
    try:
        with open(path, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


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
        if child.is_symlink():
            found.append((child.name, BackupError(
                f"the backup set {child.name} is damaged: {_planted(directory)}")))
            continue
        try:
            if not (directory / MANIFEST_NAME).exists():
                continue
        except OSError as exc:  # a set made by another user (an earlier `sudo sekha migrate`)
            found.append((child.name, _damaged(directory, MANIFEST_NAME, exc)))
            continue
        try:
            found.append((child.name, _load_set(directory)))
        except BackupError as exc:
            found.append((child.name, exc))
    return found


# What a damaged or hostile manifest or log can raise while being read and checked
# (RecursionError: JSON nested thousands deep).
_DAMAGE = (
    OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError, RecursionError,
)


def _load_set(directory: Path) -> BackupSet:
    try:
        document = _read_json(directory / MANIFEST_NAME)
        backup = _parse_manifest(document, directory)
    except _DAMAGE as exc:
        raise _damaged(directory, MANIFEST_NAME, exc) from exc
    try:
        events = _read_rollback_log(directory)
    except _DAMAGE as exc:
        raise _damaged(directory, ROLLBACK_LOG_NAME, exc) from exc
    completed = tuple(event["at"] for event in events if event.get("complete", True))
    return dataclasses.replace(backup, rollbacks=completed)


def _read_json(path: Path) -> Any:
    with open(path, "rb") as handle:
        data = handle.read(_MAX_MANIFEST_BYTES + 1)
    if len(data) > _MAX_MANIFEST_BYTES:
        raise ValueError(f"it is larger than {_MAX_MANIFEST_BYTES} bytes")
    return json.loads(data.decode("utf-8"))


def _damaged(directory: Path, name: str, exc: Exception) -> BackupError:
    if isinstance(exc, KeyError):
        reason = f"the key {exc} is missing"
    elif isinstance(exc, PermissionError):
        reason = "permission denied: was it made by another user, such as an earlier sudo?"
    elif isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
    elif isinstance(exc, RecursionError):
        reason = "it is nested too deeply"
    else:
        reason = str(exc)
    return BackupError(
        f"the backup set {directory.name} is damaged: {directory / name} cannot be read ({reason})"
    )


def _parse_manifest(document: Any, directory: Path) -> BackupSet:
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
        raise ValueError("not a Sekha backup manifest")
    if document.get("version") not in _READABLE_VERSIONS:
        raise ValueError(f"unsupported manifest version {document.get('version')!r}")
    root = directory.parent.parent
    entries = tuple(_parse_entry(item, root) for item in _list(document["files"]))
    generated = tuple(_project_path(item, root) for item in _list(document["generated"]))
    kind = document.get("kind", KIND_MIGRATION)
    if kind not in _KINDS:
        raise ValueError(f"unknown kind of set {kind!r}")
    undoes = document.get("undoes")
    written = document.get("written") or {}
    if not isinstance(written, dict):
        raise TypeError("'written' is not a table of paths")
    return BackupSet(
        id=directory.name,
        directory=directory,
        created=_text(document["created"]),
        entries=entries,
        generated=generated,
        kind=kind,
        undoes=None if undoes is None else _text(undoes),
        written=tuple(
            (_project_path(path, root), _digest(digest)) for path, digest in written.items()
        ),
    )


def _parse_entry(item: Any, root: Path) -> BackupEntry:
    original = _project_path(item["original"], root)
    stored = _text(item["stored"])
    size, mode = item["size"], int(_text(item["mode"]), 8)
    link = item.get("link")
    # A stored name must stay inside the set's files/, whatever the manifest says.
    parts = Path(stored).parts
    if Path(stored).is_absolute() or ".." in parts or parts[:1] != (FILES_DIRNAME,):
        raise ValueError(f"stored name {stored!r} points outside the backup set")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(f"the entry for {original} has a bad size")
    # Permission bits only: a manifest must not be able to make a setuid file.
    return BackupEntry(
        original, stored, size, mode & 0o777, _digest(item["sha256"]),
        link=None if link is None else _text(link),
    )


def _project_path(value: Any, root: Path) -> Path:
    """A manifest's path: relative to the project (version 2), or absolute (version 1)."""
    written = Path(_text(value))
    path = written if written.is_absolute() else _absolute(root) / written
    if ".." in written.parts or not inside_project(path, _absolute(root)):
        raise ValueError(f"the path {path} is outside the project directory {root}")
    return path


def _digest(value: Any) -> str:
    if not _SHA256.fullmatch(_text(value)):
        raise ValueError(f"{value!r} is not a sha256")
    return str(value)


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, found {type(value).__name__}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    if "\x00" in value:
        raise ValueError("a text holds a NUL character")
    return value


def _read_rollback_log(directory: Path) -> list[dict[str, Any]]:
    path = directory / ROLLBACK_LOG_NAME
    if path.is_symlink():
        raise ValueError("it is a symbolic link, which sekha never follows (was it planted?)")
    if not path.exists():
        return []
    events = _read_json(path)["rollbacks"]
    if not isinstance(events, list) or not all(isinstance(event, dict) for event in events):
        raise ValueError("the list of rollbacks is malformed")
    for event in events:
        _text(event["at"])
    return events


# --- restoring ------------------------------------------------------------------------------


def restore_backup(backup: BackupSet) -> RestoreResult:
    """Put every original back byte for byte, with its mode; move generated files aside.

    Every copy is checked against its sha256 first, and what is about to be replaced is saved
    as a new "pre-rollback" set; if either fails, nothing is touched. A set that was rolled
    back already is refused. Running it again after a failure is safe: it carries on where it
    stopped.
    """
    _refuse_planted_links(backup)
    _refuse_if_rolled_back(backup)
    contents = _read_verified_copies(backup)
    root = backup.directory.parent.parent
    _refuse_links_leading_out(backup, contents, root)
    saved = _save_current_state(backup, root)
    moves: list[tuple[Path, Path]] = []
    restored: list[Path] = []
    try:
        for path in backup.generated:
            destination = _move_aside(path, backup, contents, root)
            if destination is not None:
                moves.append((path, destination))
        for entry in backup.entries:
            _restore_entry(entry, contents[entry.stored], root)
            restored.append(entry.original)
    except BackupError as exc:
        _record_rollback(backup, restored, moves, complete=False, saved_as=saved.id)
        done = ", ".join(str(path) for path in restored) or "nothing"
        kept = "".join(f"; moved {source} to {destination}" for source, destination in moves)
        raise BackupError(
            f"{exc}. Restored so far: {done}{kept}. The backed-up copies are intact, and what "
            f"was there before is in set {saved.id}; fix the cause and roll back again."
        ) from exc
    _record_rollback(backup, restored, moves, complete=True, saved_as=saved.id)
    return RestoreResult(
        backup.id,
        tuple(restored),
        tuple(source for source, _ in moves),
        tuple(destination for _, destination in moves),
        saved_as=saved.id,
    )


def _refuse_planted_links(backup: BackupSet) -> None:
    """A rollback writes into its set (rolled-back/, rollback.json): a link planted at any of
    those names would send the generated config.yaml, keys included, or the log elsewhere."""
    names = (ROLLED_BACK_DIRNAME, ROLLBACK_LOG_NAME, FILES_DIRNAME, MANIFEST_NAME, REPORT_NAME)
    for path in (backup.directory, *(backup.directory / name for name in names)):
        if path.is_symlink():
            raise BackupError(f"refusing to restore backup {backup.id}, nothing was changed: "
                              f"{_planted(path)}")


def _refuse_if_rolled_back(backup: BackupSet) -> None:
    """Read the log again: `backup` may have been loaded before another rollback."""
    try:
        events = _read_rollback_log(backup.directory)
    except _DAMAGE as exc:
        raise _damaged(backup.directory, ROLLBACK_LOG_NAME, exc) from exc
    done = [event for event in events if event.get("complete", True)]
    if done:
        saved = done[-1].get("saved_as")
        undo = f"; what it replaced is in set {saved} (sekha rollback {saved})" if saved else ""
        raise BackupError(
            f"the backup set {backup.id} was rolled back already at {done[-1]['at']}, "
            f"so it is not applied again{undo}"
        )


def _save_current_state(backup: BackupSet, root: Path) -> BackupSet:
    """A set holding every file the rollback is about to replace or move, as it is now."""
    touched = [entry.original for entry in backup.entries] + list(backup.generated)
    # Files the rollback creates are the generated files of this set: undoing it moves them.
    absent = [path for path in touched if not os.path.lexists(path)]
    try:
        return create_backup(
            touched, root=root, generated=absent, kind=KIND_PRE_ROLLBACK, undoes=backup.id
        )
    except BackupError as exc:
        raise BackupError(
            f"refusing to restore backup {backup.id}, nothing was changed: what it would "
            f"replace cannot be saved first ({exc})"
        ) from exc


def _refuse_links_leading_out(
    backup: BackupSet, contents: Mapping[str, bytes], root: Path
) -> None:
    """A rollback never writes outside the project: stop before anything changes when an
    original is now a link to a file outside it whose bytes differ from the copy."""
    for entry in backup.entries:
        path = entry.original
        if not path.is_symlink() or _leads_inside(path, root):
            continue
        with contextlib.suppress(OSError):
            if Path(os.path.realpath(path)).read_bytes() == contents[entry.stored]:
                continue
        raise BackupError(
            f"refusing to restore backup {backup.id}, nothing was changed: {path} is a link to "
            f"{os.path.realpath(path)}, outside {root}, and rollback writes nothing outside it; "
            f"the copy is {backup.directory / entry.stored}"
        )


def _leads_inside(path: Path, root: Path) -> bool:
    real_root = os.path.realpath(root)
    return os.path.commonpath([real_root, os.path.realpath(path)]) == real_root


def _read_verified_copies(backup: BackupSet) -> dict[str, bytes]:
    contents, problems = _read_copies(backup.directory, backup.entries)
    if problems:
        raise BackupError(
            f"refusing to restore backup {backup.id}, nothing was changed: {'; '.join(problems)}"
        )
    return contents


def _move_aside(
    path: Path, backup: BackupSet, contents: Mapping[str, bytes], root: Path
) -> Path | None:
    """Move the generated file at `path` into the set; None when there is nothing to move.

    A link to a file inside the project keeps its place: its target moves, and the restore
    below writes the original back where the link points. A link leading out of the project
    is moved itself; its target is never touched.
    """
    if path.is_symlink() and not _leads_inside(path, root):
        current = path
    else:
        current = Path(os.path.realpath(path))
        if not current.is_file():
            return None
        if _already_original(current, backup, contents):
            return None  # an earlier rollback restored it already; nothing of v2 to keep
    destination = _free_path(backup.directory / ROLLED_BACK_DIRNAME, path.name)
    try:
        destination.parent.mkdir(mode=0o700, exist_ok=True)
        if _restored_in_place(current, backup):
            # The original goes back to this very path: copy the v2 file aside and let the
            # restore replace it atomically, so the path is old or new at every instant.
            data, mode = _read_original(current)
            _write_in_set(destination, data, mode=mode)
        else:
            os.rename(current, destination)  # one file system: the set lies inside the project
    except OSError as exc:
        reason = describe_os_error(exc, current)
        raise BackupError(f"cannot move {path} into the backup set: {reason}") from exc
    return destination


def _restored_in_place(current: Path, backup: BackupSet) -> bool:
    return any(entry.link is None and os.path.realpath(entry.original) == str(current)
               for entry in backup.entries)


def _already_original(current: Path, backup: BackupSet, contents: Mapping[str, bytes]) -> bool:
    for entry in backup.entries:
        if os.path.realpath(entry.original) == str(current):
            with contextlib.suppress(OSError):
                return current.read_bytes() == contents[entry.stored]
    return False


def _restore_entry(entry: BackupEntry, data: bytes, root: Path) -> None:
    path = entry.original
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if entry.link is not None:
            _restore_link(path, entry.link)
            if not _leads_inside(path, root):
                return  # the target is outside the project: checked unchanged before
            write_atomically(path, data, mode=entry.mode)
        else:
            # It was a plain file: put a plain file back, even where a link has appeared.
            write_atomically(path, data, mode=entry.mode, follow_symlinks=False)
    except WriteError as exc:
        raise BackupError(str(exc)) from exc
    except OSError as exc:
        reason = describe_os_error(exc, path)
        raise BackupError(f"cannot restore {path}: {reason}") from exc


def _restore_link(path: Path, target: str) -> None:
    if path.is_symlink() and os.readlink(path) == target:
        return
    temp = path.parent / temp_name(path.name)  # as leftovers are named
    os.symlink(target, temp)
    try:
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _record_rollback(
    backup: BackupSet,
    restored: Sequence[Path],
    moves: Sequence[tuple[Path, Path]],
    *,
    complete: bool,
    saved_as: str,
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
            "saved_as": saved_as,
            "restored": [str(item) for item in restored],
            "moved_aside": [
                {"from": str(source), "to": str(destination)} for source, destination in moves
            ],
        }
    )
    document = {"format": "sekha-rollback-log", "version": 1, "rollbacks": events}
    with contextlib.suppress(WriteError):
        write_atomically(
            backup.directory / ROLLBACK_LOG_NAME, json.dumps(document, indent=2) + "\n",
            mode=0o600, follow_symlinks=False,
        )


# --- one writer at a time -------------------------------------------------------------------


@contextlib.contextmanager
def exclusive_writer(root: Path) -> Iterator[None]:
    """Hold the lock of `root/.sekha-backups/` while migrating or rolling back there.

    Another holder is waited for up to LOCK_WAIT_SECONDS, then BackupLockedError. The lock is
    an flock on `.sekha-backups/lock`: the kernel drops it when its holder dies, so a killed
    run never leaves a stale lock. Inside the lock, leftovers of a killed run are removed,
    and SIGTERM stops the run the way Ctrl-C does, so the same clean-up runs.
    """
    container = _ensure_container(_absolute(Path(root)))
    fd = _acquire(container / LOCK_NAME)
    try:
        _clean_leftovers(_absolute(Path(root)))
        with _sigterm_as_interrupt():
            yield
    finally:
        os.close(fd)  # releases the lock; the file stays, so no race over who created it


def _acquire(lock: Path) -> int:
    # O_NOFOLLOW: a repository can ship a link at .sekha-backups/lock, and following it would
    # truncate its target; O_NONBLOCK: a FIFO planted there must not hang the run.
    flags = os.O_RDWR | os.O_CREAT | _NO_FOLLOW | getattr(os, "O_CLOEXEC", 0) | _NON_BLOCK
    try:
        fd = os.open(lock, flags, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP or os.path.islink(lock):
            raise BackupError(_planted(lock)) from exc
        raise BackupError(f"cannot open the lock {lock}: {describe_os_error(exc, lock)}") from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise BackupError(
            f"{lock} is not a regular file (was it planted?); nothing was changed: remove it "
            "and run again"
        )
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while not _try_lock(fd, lock):
        if time.monotonic() >= deadline:
            holder = _lock_holder(fd)
            os.close(fd)
            raise BackupLockedError(
                f"another sekha migrate or rollback{holder} is writing in {lock.parent.parent}; "
                "nothing was changed: run again when it has finished"
            )
        time.sleep(0.1)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
    except OSError as exc:  # a full disk or `ulimit -f`: the PID is a courtesy, the flock counts
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            os.close(fd)
            raise BackupError(f"cannot write the lock {lock}: {describe_os_error(exc, lock)}") \
                from exc
    return fd


def _planted(path: Path) -> str:
    """What to say about a link found where the toolkit keeps its own files."""
    return (
        f"{path} is a symbolic link, which sekha never follows inside {BACKUPS_DIRNAME}/ (a "
        f"repository may have planted it); nothing was changed: remove the link and run again"
    )


def _try_lock(fd: int, lock: Path) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows: no flock; an O_EXCL marker whose holder must be alive
        return _try_exclusive_marker(lock)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _try_exclusive_marker(lock: Path) -> bool:
    marker = lock.with_name(LOCK_NAME + ".pid")
    try:
        os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return True
    except FileExistsError:
        with contextlib.suppress(OSError, ValueError):
            pid = int(marker.read_text().strip() or "0")
            if pid and not _alive(pid):
                marker.unlink()  # stale: its holder is gone
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _lock_holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        os.lseek(fd, 0, os.SEEK_SET)
        pid = int(os.read(fd, 32).decode().strip())
        return f" (process {pid})"
    return ""


def _clean_leftovers(root: Path) -> None:
    """Remove what a killed run left: temporary files beside the outputs and in the sets,
    and sets without a manifest (their creation never finished). Only under the lock."""
    container = backups_directory(root)
    for directory in (root, container):
        _remove_temp_files(directory)
    with contextlib.suppress(OSError):
        for child in os.scandir(container):
            if not child.is_dir(follow_symlinks=False) or child.name.startswith("."):
                continue
            directory = Path(child.path)
            if not (directory / MANIFEST_NAME).exists():
                shutil.rmtree(directory, ignore_errors=True)
                continue
            for inner in (directory, directory / FILES_DIRNAME, directory / ROLLED_BACK_DIRNAME):
                _remove_temp_files(inner)


def _remove_temp_files(directory: Path) -> None:
    with contextlib.suppress(OSError):
        for child in os.scandir(directory):
            found = _TEMP_FILE.fullmatch(child.name)
            if found is None or not child.is_file(follow_symlinks=False):
                continue
            writer = found.group(1)
            if writer is not None and int(writer) != os.getpid() and _alive(int(writer)):
                continue  # another live writer's file, about to be renamed into place
            with contextlib.suppress(OSError):
                os.unlink(child.path)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
