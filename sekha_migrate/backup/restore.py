"""Rolling back: every original put back byte for byte, what it replaces saved first."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

from sekha_migrate.backup.create import (
    _free_path,
    _read_copies,
    _read_original,
    _write_in_set,
    create_backup,
)
from sekha_migrate.backup.manifest import _DAMAGE, _damaged, _read_rollback_log
from sekha_migrate.backup.sets import (
    FILES_DIRNAME,
    KIND_PRE_ROLLBACK,
    MANIFEST_NAME,
    REPORT_NAME,
    ROLLBACK_LOG_NAME,
    ROLLED_BACK_DIRNAME,
    BackupEntry,
    BackupError,
    BackupSet,
    RestoreResult,
    _iso,
    _planted,
)
from sekha_migrate.io import WriteError, describe_os_error, temp_name, write_atomically


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

