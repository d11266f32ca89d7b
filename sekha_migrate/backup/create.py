"""Creating a set: every file a migration replaces, copied, verified, and recorded last."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sekha_migrate.backup.sets import (
    FILES_DIRNAME,
    KIND_MIGRATION,
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    MANIFEST_VERSION,
    REPORT_NAME,
    BackupEntry,
    BackupError,
    BackupSet,
    _absolute,
    _iso,
    _planted,
    backups_directory,
    inside_project,
)
from sekha_migrate.io import WriteError, describe_os_error, write_atomically
from sekha_migrate.json_text import json_safe

# Fixed width, so sorting IDs as text sorts them in time; microseconds keep two runs in one
# second apart, and an exclusive mkdir settles the rare exact tie.
_ID_FORMAT = "%Y%m%dT%H%M%S.%fZ"


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


def _as_bytes(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


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
        # json_safe spells NaN and the infinities as text already; str() for any other object
        safe = json_safe(report)
        return json.dumps(safe, indent=2, ensure_ascii=True, default=str) + "\n"
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

