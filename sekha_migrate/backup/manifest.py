"""Reading sets back: a manifest or log is untrusted input, checked before anything uses it.

Anyone who can write to .sekha-backups/ can edit a manifest, so every path in it must lie
inside the project directory, every stored name inside the set, and modes are cut down to
permission bits.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from sekha_migrate.backup.sets import (
    _KINDS,
    _MAX_MANIFEST_BYTES,
    _READABLE_VERSIONS,
    FILES_DIRNAME,
    KIND_MIGRATION,
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    ROLLBACK_LOG_NAME,
    BackupEntry,
    BackupError,
    BackupLookupError,
    BackupSet,
    DamagedBackup,
    _absolute,
    _planted,
    backups_directory,
    inside_project,
)

_SHA256 = re.compile(r"[0-9a-f]{64}")


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
    # One plain name: no separator of this system (nor "/"), no hidden name, no "..".
    if not backup_id or Path(backup_id).name != backup_id or backup_id.startswith("."):
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
    if ".." in parts or parts[:1] != (FILES_DIRNAME,):  # an absolute name starts with "/"
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
    path = _absolute(root) / _text(value)  # an absolute path stays itself when joined
    if not inside_project(path, _absolute(root)):  # which also refuses any ".."
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

