"""apply_plan: write a planned migration, or say why not. Never prints, never exits.

The order is the safety: refuse a --report that is not ours; decide whether there is anything
to write (canonical, invalid, --strict, dry run, up to date); refuse to replace a file the user
owns; ask (when the caller can); then, as the only writer in the output's directory, back up
every source and the old output, write the secrets file (0600), then the output.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sekha_migrate.io import WriteError, standard_stream, write_atomically, write_output
from sekha_migrate.migrate.overwrite import (
    Refusal,
    Targets,
    is_our_report,
    refusals,
    stranded_secrets,
)
from sekha_migrate.migrate.plan import SECRETS_FILE_NAME
from sekha_migrate.migrate.results import MigrationPlan, PlanKind
from sekha_migrate.migrate.secrets_out import secrets_file_text

if TYPE_CHECKING:  # sekha_migrate.backup is imported when something is written, not for a dry run
    from sekha_migrate.backup import BackupSet


class ApplyStatus(str, Enum):
    """What apply_plan did. The first five are the `status` of the JSON report."""

    WRITTEN = "written"  # backed up, then written
    UP_TO_DATE = "up-to-date"  # the output already holds this text
    ALREADY_V2 = "already-v2"  # the input is canonical v2 already: nothing to convert
    DRY_RUN = "dry-run"  # asked to write nothing
    INVALID = "invalid"  # the result would be invalid (or, with strict, its dimension assumed)
    REFUSED = "refused"  # a file to write is a source or the user's own: see `refusals`
    CANCELLED = "cancelled"  # `confirm` said no


class ApplyError(Exception):
    """The plan could not be written (another writer holds the lock, the backup or a write
    failed, the output changed since planning). The message says what is left where."""


@dataclass(frozen=True)
class ApplyResult:
    status: ApplyStatus
    plan: MigrationPlan
    backup: BackupSet | None = None  # the set made before writing (WRITTEN only)
    written: tuple[Path, ...] = ()  # in the order written
    # Where the API keys go (or would go, for a dry run); None when there are none.
    secrets_file: Path | None = None
    # Variables whose keys were read from the file this run replaces and now live only in
    # the secrets file: whoever runs Sekha must load it.
    stranded: tuple[str, ...] = ()
    refusals: tuple[Refusal, ...] = ()
    report: Path | None = None  # the JSON report written, if one was asked for

    @property
    def ok(self) -> bool:
        """The run did what was asked: False for invalid, refused and cancelled."""
        return self.status not in (ApplyStatus.INVALID, ApplyStatus.REFUSED,
                                   ApplyStatus.CANCELLED)


@dataclass(frozen=True)
class _Outputs:
    """The files a run writes, in writing order, with their text and mode."""

    secrets_file: Path | None
    stranded: tuple[tuple[str, str], ...]
    files: tuple[tuple[Path, str, int | None], ...]


def apply_plan(
    plan: MigrationPlan,
    *,
    force: bool = False,
    dry_run: bool = False,
    strict: bool = False,
    report: str | os.PathLike[str] | None = None,
    confirm: Callable[[MigrationPlan], bool] | None = None,
) -> ApplyResult:
    """Write `plan` (after a verified backup) unless there is a reason not to; return what
    happened. `force` replaces an output, secrets file or report the toolkit did not write;
    `strict` refuses an assumed embedding dimension; `report` names a JSON report to write;
    `confirm` is asked just before writing, once every check passed (False cancels).
    Raises ApplyError when writing fails; nothing the user owns is then left half-changed.
    """
    report_path = Path(report) if report is not None else None
    outputs = _outputs(plan)
    # The report is written in every outcome but a refusal, so its path is checked first.
    refused = refusals(plan, Targets(None, None, report_path), force=force)
    if not refused:
        early = _status_without_writing(plan, dry_run=dry_run, strict=strict)
        if early is not None:
            kept = _keep_users_report(plan, _users_report(report_path))
            return _reported(ApplyResult(early, plan, backup=kept,
                                         secrets_file=outputs.secrets_file), report_path)
        refused = refusals(plan, _targets(plan, outputs, report_path), force=force)
    if refused:
        return ApplyResult(ApplyStatus.REFUSED, plan, refusals=refused)
    if confirm is not None and not confirm(plan):
        return ApplyResult(ApplyStatus.CANCELLED, plan)
    backup = _write_under_lock(plan, outputs, _users_report(report_path))
    done = ApplyResult(
        ApplyStatus.WRITTEN, plan, backup=backup,
        written=tuple(path for path, _, _ in outputs.files),
        secrets_file=outputs.secrets_file,
        stranded=tuple(name for name, _ in outputs.stranded),
    )
    return _reported(done, report_path)


def _status_without_writing(
    plan: MigrationPlan, *, dry_run: bool, strict: bool
) -> ApplyStatus | None:
    if plan.kind is PlanKind.CANONICAL:
        return ApplyStatus.ALREADY_V2
    if not plan.valid or (strict and plan.dimension_assumed):
        return ApplyStatus.INVALID
    if dry_run:
        return ApplyStatus.DRY_RUN
    return ApplyStatus.UP_TO_DATE if plan.up_to_date else None


def _outputs(plan: MigrationPlan) -> _Outputs:
    # Keys the new text only refers to, read from the file it replaces: they go to the
    # secrets file too, or they would survive only inside .sekha-backups/.
    stranded = stranded_secrets(plan)
    secrets = (*plan.secrets, *stranded)
    secrets_file = plan.secrets_file or (
        plan.output.parent / SECRETS_FILE_NAME if stranded else None
    )
    files: list[tuple[Path, str, int | None]] = []
    if secrets and secrets_file is not None:
        if plan.emit == "k8s":
            from sekha_migrate.migrate.k8s_out import secret_text

            files.append((secrets_file, secret_text(secrets), 0o600))
        else:
            files.append((secrets_file, secrets_file_text(secrets), 0o600))
    else:
        secrets_file = None
    files.append((plan.output, plan.text, 0o600 if plan.holds_literal_secrets else None))
    return _Outputs(secrets_file, stranded, tuple(files))


def _targets(plan: MigrationPlan, outputs: _Outputs, report: Path | None) -> Targets:
    return Targets(output=plan.output, secrets_file=outputs.secrets_file, report=report)


def _users_report(report: Path | None) -> Path | None:
    """The --report path when --force is about to replace a file of the user's there: it is
    backed up like any other file the run replaces, so a rollback brings it back."""
    if report is None or standard_stream(report) is not None or not os.path.isfile(report):
        return None
    return None if is_our_report(report) else report


def _keep_users_report(plan: MigrationPlan, report: Path | None) -> BackupSet | None:
    """A set holding only the user's file at --report, for a run that writes nothing else."""
    if report is None:
        return None
    from sekha_migrate.backup import BackupError, create_backup, exclusive_writer

    root = plan.output.parent.absolute()
    try:
        with exclusive_writer(root):
            return create_backup([report], root=root, generated=[report])
    except BackupError as exc:
        raise ApplyError(f"cannot back up {report} before replacing it, so nothing was "
                         f"written: {exc}") from exc


def _write_under_lock(
    plan: MigrationPlan, outputs: _Outputs, users_report: Path | None
) -> BackupSet:
    """Back up and write as the only writer in the directory, on the files as planned."""
    from sekha_migrate.backup import BackupError, BackupLockedError, exclusive_writer

    try:
        with exclusive_writer(plan.output.parent):
            _refuse_if_changed(plan)
            backup = _backup(plan, outputs, users_report)
            _write_files(outputs)
    except BackupLockedError as exc:
        raise ApplyError(str(exc)) from exc
    except BackupError as exc:  # no lock or no backup to be had: nothing was written
        raise ApplyError(
            f"cannot back up before writing, so nothing was changed: {exc}"
        ) from exc
    return backup


def _refuse_if_changed(plan: MigrationPlan) -> None:
    """Another run may have written the output between planning and the lock; backing
    that up as the "original" would lose the real one."""
    try:
        # Bounded: the output was checked to be a regular file, but it may have changed since.
        current: bytes | None = _read_regular(plan.output, len(plan.existing_output or b"") + 1)
    except FileNotFoundError:
        current = None
    except OSError:
        return  # the write below reports an unreadable or unwritable path clearly
    if current != plan.existing_output:
        raise ApplyError(f"{plan.output} changed while this run was planning (another sekha "
                         "migrate?); nothing was written: run again")


def _read_regular(path: Path, limit: int) -> bytes | None:
    """At most `limit` bytes of `path`; None when it is not a regular file (never read)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return handle.read(limit)


def _backup(plan: MigrationPlan, outputs: _Outputs, users_report: Path | None) -> BackupSet:
    from sekha_migrate.backup import create_backup, inside_project, stray_outputs

    root = plan.output.parent.absolute()
    # A rollback restores only inside the output's directory: what lies outside is not
    # replaced by this run (an existing --secrets-file outside was refused), so the set
    # records only the files inside.
    written = {path: text for path, text, _ in outputs.files
               if inside_project(path.absolute(), root)}
    strays = stray_outputs(root)
    originals = [p for p in [*plan.source_paths, *written]
                 if inside_project(p.absolute(), root)
                 and Path(os.path.abspath(p)) not in strays]

    def report(backup_id: str, directory: Path) -> Mapping[str, Any]:
        # The set keeps the report of the run that made it, as that run ends when it writes.
        backup = {"id": backup_id, "directory": str(directory)}
        return _report_document(plan, ApplyStatus.WRITTEN, backup)

    kept = [users_report] if users_report is not None else []
    return create_backup([*originals, *kept], root=root, report=report,
                         generated=[*written, *kept], written=written)


def _write_files(outputs: _Outputs) -> None:
    try:
        for path, text, mode in outputs.files:
            write_atomically(path, text, mode=mode)
    except WriteError as exc:
        raise ApplyError(
            f"{exc}. The original files are unchanged; the backup is in .sekha-backups/"
        ) from exc


def _report_document(
    plan: MigrationPlan, status: ApplyStatus, backup: Mapping[str, str] | None
) -> dict[str, Any]:
    from sekha_migrate import __version__
    from sekha_migrate.migrate.report_doc import report_document

    return report_document(plan, status=status.value, backup=backup, version=__version__)


def _reported(result: ApplyResult, path: Path | None) -> ApplyResult:
    """The result, after writing its JSON report to `path` (0600: a report is derived from
    the configuration, keys and URLs included)."""
    if path is None:
        return result
    from dataclasses import replace

    from sekha_migrate.migrate.report_doc import report_json

    backup = result.backup
    shown = {"id": backup.id, "directory": str(backup.directory)} if backup else None
    try:
        write_output(path, report_json(_report_document(result.plan, result.status, shown)),
                     mode=0o600)
    except WriteError as exc:
        done = (f"; the migration itself was written (backup {backup.id})"
                if result.status is ApplyStatus.WRITTEN and backup is not None else "")
        raise ApplyError(f"{exc}{done}") from exc
    return replace(result, report=path)
