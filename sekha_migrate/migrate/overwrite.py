"""What `sekha migrate` may replace: never a file the user owns, unless told to with --force.

A file is the toolkit's when a backup manifest recorded writing exactly its bytes (config.yaml,
the secrets file), or, for a report, when it is a JSON report of `sekha migrate`. Sources and
the files of the other flags are never replaced by a second flag, --force or not.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sekha_migrate.findings import format_path
from sekha_migrate.io import special_file_kind, standard_stream
from sekha_migrate.migrate.discover import SourceKind
from sekha_migrate.migrate.results import KeyStatus, MigrationPlan
from sekha_migrate.model.placeholders import placeholder_names
from sekha_migrate.model.secret_notes import keys_set_elsewhere

_BACKUPS_DIRNAME = ".sekha-backups"  # backup.BACKUPS_DIRNAME, without importing the package
_REPORT_TOOL = "sekha migrate"  # the "tool" key of every report this toolkit writes
_MAX_REPORT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Refusal:
    path: Path
    reason: str
    forceable: bool  # --force overrides it; otherwise only another path does


@dataclass(frozen=True)
class Targets:
    """The files one run would write; None for those it will not."""

    output: Path | None
    secrets_file: Path | None
    report: Path | None


def refusals(plan: MigrationPlan, targets: Targets, *, force: bool) -> tuple[Refusal, ...]:
    """Every reason not to write the targets, minus those --force overrides."""
    special = list(_not_plain_files(targets))
    if special:  # nothing else is asked of a path that is no file (a FIFO read would hang)
        return tuple(special)
    found = [*_collisions(plan, targets), *_owned_by_user(plan, targets)]
    return tuple(item for item in found if not (force and item.forceable))


def _not_plain_files(targets: Targets) -> Iterator[Refusal]:
    """Outputs are regular files; only the report may go to a standard stream."""
    named = [("--output", targets.output), ("--secrets-file", targets.secrets_file),
             ("--report", targets.report)]
    for flag, path in named:
        if path is None:
            continue
        if standard_stream(path) is not None:
            if flag != "--report":
                yield Refusal(path, f"{flag} {path}: migrate writes a file it can back up and "
                              "roll back, not a stream (--dry-run prints the YAML)", False)
            continue
        kind = special_file_kind(path)
        if kind is not None:
            yield Refusal(path, f"{flag} {path} is {kind}, not a regular file", False)
        elif _BACKUPS_DIRNAME in Path(os.path.abspath(path)).parts[:-1]:
            yield Refusal(path, f"{flag} {path} is inside {_BACKUPS_DIRNAME}/, which holds the "
                          "backups; choose a path outside it", False)


def _collisions(plan: MigrationPlan, targets: Targets) -> Iterator[Refusal]:
    sources = {_key(source.path): source for source in plan.sources}
    named = [("--output", targets.output), ("--secrets-file", targets.secrets_file),
             ("--report", targets.report)]
    seen: dict[str, str] = {}
    for flag, path in named:
        if path is None or standard_stream(path) is not None:
            continue
        source = sources.get(_key(path))
        # Migrating a v1 YAML in place is what migrate does (after its backup); nothing else
        # may land on a source.
        if source is not None and not (flag == "--output" and source.kind is SourceKind.YAML):
            yield Refusal(path, f"{flag} names {path}, a source of this migration", False)
        if _key(path) in seen:
            yield Refusal(path, f"{flag} names {path}, which {seen[_key(path)]} writes", False)
        seen.setdefault(_key(path), flag)


def _owned_by_user(plan: MigrationPlan, targets: Targets) -> Iterator[Refusal]:
    sources = {_key(source.path) for source in plan.sources}
    root = plan.output.parent
    for path in (targets.output, targets.secrets_file):
        if path is None:
            continue
        yield from _leading_out(path, root)
        if _key(path) in sources:
            continue  # a v1 YAML migrated in place: it is backed up first
        if not (os.path.isfile(path) or os.path.islink(path)):
            continue  # nothing there, or a directory the write reports on
        if not _written_by_toolkit(root, path):
            yield Refusal(
                path, f"{path} exists and was not written by sekha migrate (or was edited "
                "since); it is yours", True,
            )
        elif path == targets.output:
            yield from _dropped_references(path, plan.text)
    report = targets.report
    if report is not None and standard_stream(report) is not None:
        return
    if report is None:
        return
    if os.path.lexists(report) and not is_our_report(report):
        yield Refusal(report, f"{report} exists and is not a sekha migrate report", True)
        # --force backs it up first, which only works inside the output's directory.
        yield from _leading_out(report, root)
    parent = Path(os.path.abspath(report)).parent
    if not os.path.isdir(parent) or not os.access(parent, os.W_OK):
        # Checked first: the report is written last, after the migration itself.
        yield Refusal(report, f"--report {report}: the directory {parent} does not exist or "
                      "cannot be written", False)


def _leading_out(path: Path, root: Path) -> Iterator[Refusal]:
    """Backups live inside the output's directory: a file outside it could not be restored."""
    absolute = Path(os.path.abspath(path))
    real = Path(os.path.realpath(absolute))
    from sekha_migrate.backup import inside_project

    outside = not inside_project(absolute, root) or not inside_project(real, root)
    if outside and os.path.lexists(absolute):
        yield Refusal(
            path, f"{path} is (or leads to) a file outside {os.path.abspath(root)}, "
            "which the backup there cannot restore; choose a path inside it", False,
        )


def _dropped_references(path: Path, new_text: str) -> Iterator[Refusal]:
    """A config written with --externalize-secrets refers to ${VARS}; rewriting it with the
    literal keys (or other names) would undo that silently."""
    try:
        old = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    dropped = sorted(set(placeholder_names(old)) - set(placeholder_names(new_text)))
    unset = sorted(set(keys_set_elsewhere(old).values())
                   - set(keys_set_elsewhere(new_text).values()))
    if dropped or unset:
        names = ", ".join([*(f"${{{name}}}" for name in dropped), *unset])
        yield Refusal(
            path, f"{path} refers to {names}, which the new text would drop (was it written "
            "with --externalize-secrets? run with it again)", True,
        )


def is_our_report(path: Path) -> bool:
    """A JSON report `sekha migrate` wrote (its "tool" key says so)."""
    try:
        with open(path, "rb") as handle:
            document = json.loads(handle.read(_MAX_REPORT_BYTES))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(document, dict) and document.get("tool") == _REPORT_TOOL


def _key(path: Path) -> str:
    return os.path.realpath(path)


# --- keys the migration would leave only in the backup -------------------------------------


def stranded_secrets(plan: MigrationPlan) -> tuple[tuple[str, str], ...]:
    """(VAR, value) for each literal key read from a file the output replaces, that the new
    text writes as a `${VAR}` reference: without a secrets file it would survive only in the
    backup."""
    output = _key(plan.output)
    replaced = {_key(source.path) for source in plan.sources} & {output}
    if not replaced or plan.document is None:
        return ()
    leaves = dict(_leaves(plan.document))
    kept = {value for _, value in plan.secrets}
    found: dict[str, str] = {}
    for read in plan.reads:
        value = read.value
        if not (read.secret and read.status is KeyStatus.MAPPED and isinstance(value, str)):
            continue
        if read.origin.file is None or _key(Path(read.origin.file)) not in replaced:
            continue
        if not value or placeholder_names(value) or value in plan.text or value in kept:
            continue
        variable = _variable_at(read.targets, leaves) or (read.setting or "SEKHA_KEY").upper()
        found.setdefault(variable, value)
    return tuple(found.items())


def _variable_at(targets: Sequence[str], leaves: Mapping[str, Any]) -> str | None:
    for target in targets:
        names = placeholder_names(str(leaves.get(target, "")))
        if names:
            return str(names[0])
    return None


def _leaves(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _leaves(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield format_path(path), value


def _written_by_toolkit(root: Path, path: Path) -> bool:
    # The backup package (manifests, hashing) is imported only when an existing file is in question.
    from sekha_migrate.backup import written_by_toolkit

    return written_by_toolkit(root, path)
