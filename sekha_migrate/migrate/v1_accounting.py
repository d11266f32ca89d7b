"""What became of every v1 key read: typed, overlaid in precedence order, accounted for
(mapped, overridden, invalid, unmappable) and warned about."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sekha_migrate.findings import Finding, Severity
from sekha_migrate.migrate import v1_rules as rules
from sekha_migrate.migrate.build import Built
from sekha_migrate.migrate.readings import RawRead
from sekha_migrate.migrate.results import BUILT_IN, KeyRead, KeyStatus, Origin
from sekha_migrate.model import loaders, v1, v1_components
from sekha_migrate.model.masking import is_secret_name


def type_reads(
    raw: list[RawRead],
) -> tuple[dict[int, Any], dict[int, str], list[Finding]]:
    """Typed values by read index; the reads whose value could not be typed, and why.
    Empty values stay untyped: they mean unset."""
    typed: dict[int, Any] = {}
    invalid: dict[int, str] = {}
    issues: list[Finding] = []
    for index, read in enumerate(raw):
        key = rules.typing_key(read)
        if key is None:
            continue
        try:
            typed[index] = rules.effective_value(read, v1.coerce_value(key, read.value))
        except (v1.V1ValueError, RecursionError) as exc:
            reason = str(exc) if isinstance(exc, v1.V1ValueError) else "nested too deeply"
            if read.secret_from:  # the reason quotes the value, and the value holds a secret
                reason = f"not a valid {key} (the value, built from {read.secret_from}, " \
                    "is not shown)"
            invalid[index] = reason
            origin = read.origin
            issues.append(Finding(
                Severity.ERROR, "invalid-value", f"{origin.key}: {reason}",
                file=origin.file, line=origin.line, column=origin.column,
            ))
    return typed, invalid, issues


def set_for_the_controller(raw: list[RawRead], typed: dict[int, Any]) -> frozenset[str]:
    """Settings whose winning read is the controller's own (the bridge's OLLAMA_BASE_URL
    sets the registry's Ollama, not the controller's ollama_url)."""
    winners: dict[str, str] = {}
    for index, read in enumerate(raw):
        if index in typed and rules.counts_for_docker(read) and read.setting is not None:
            winners[read.setting] = read.component
    return frozenset(s for s, component in winners.items() if component == loaders.CONTROLLER)


def effective_values(
    raw: list[RawRead], typed: dict[int, Any]
) -> tuple[dict[str, tuple[Any, Origin]], dict[int, int]]:
    """Defaults overlaid by every typed read in precedence order (a later read wins).

    Returns the values, and for each overridden read the index of the read that replaced it."""
    values: dict[str, tuple[Any, Origin]] = {
        setting: (default, BUILT_IN) for setting, default in v1.V1_DEFAULTS.items()
    }
    winners: dict[str, int] = {}
    overridden: dict[int, int] = {}
    for index, read in enumerate(raw):
        if index not in typed or not rules.counts_for_docker(read):
            continue
        assert read.setting is not None
        if read.setting in winners:
            overridden[winners[read.setting]] = index
        winners[read.setting] = index
        values[read.setting] = (typed[index], read.origin)
    return values, overridden


def account_reads(
    raw: list[RawRead],
    typed: dict[int, Any],
    invalid: dict[int, str],
    overridden: dict[int, int],
    built: Built,
    indexed: dict[int, str],
    components: rules.ComponentSettings,
) -> list[KeyRead]:
    """What became of every key read: mapped (where to), overridden, invalid or unmappable."""
    reads = []
    for index, read in enumerate(raw):
        secret = (read.setting in v1.SECRET_V1_KEYS or is_secret_name(read.origin.key)
                  or read.secret_from is not None)
        value = rules.reportable(typed.get(index, read.value))
        base = KeyRead(read.origin, value, read.setting, KeyStatus.UNMAPPABLE,
                       note=read.note, secret=secret, component=read.component)
        winner = overridden.get(index, components.overridden.get(index))
        if not read.is_sekha:
            reads.append(replace(base, note=read.note or "not a v1 setting"))
        elif index in invalid:
            reads.append(replace(base, status=KeyStatus.INVALID, note=invalid[index]))
        elif rules.is_empty(read.value) and index not in typed:
            reads.append(replace(base, note=_empty_note(read)))
        elif read.index_path:
            target = indexed.get(index)
            reads.append(replace(base, status=KeyStatus.MAPPED, targets=(target,)) if target
                         else replace(base, note="no entry at that index"))
        elif winner is not None:
            reads.append(replace(base, status=KeyStatus.OVERRIDDEN,
                                 note=f"overridden by {raw[winner].origin.describe()}"))
        elif index in components.owner:
            status, targets, note = rules.component_status(read, *components.owner[index])
            reads.append(replace(base, status=status, targets=targets, note=note))
        elif read.setting and built.uses.get(read.setting):
            reads.append(replace(base, status=KeyStatus.MAPPED,
                                 targets=tuple(built.uses[read.setting])))
        elif read.setting in built.replaced:
            reads.append(replace(base, status=KeyStatus.OVERRIDDEN,
                                 note=f"replaced by {built.replaced[read.setting]}"))
        else:
            reads.append(replace(base, note=read.note or _unused_reason(read, value)))
    return reads


def _empty_note(read: RawRead) -> str:
    """An empty SEKHA__ name is a value to the controller (config-rs sets ""), and it stays
    in the environment it was read from; to the other programs empty means unset."""
    if read.value is None:
        return "no value: unset"
    if read.component == loaders.CONTROLLER and loaders.controller_env_key(read.origin.key):
        return ("empty: the controller reads it as \"\" (an empty variable is a value), and "
                "it still overrides the v2 file while it is set")
    return "empty: unset, as v1 read it"


def _unused_reason(read: RawRead, value: Any) -> str:
    if value in ("", None):
        return "empty value"
    return "v2 has no place for this setting"


def read_issues(reads: list[KeyRead], raw: list[RawRead], env_files: set[str]) -> list[Finding]:
    """Misplaced keys, names v1 never read, and keys v2 cannot hold. Unrelated names in
    environment files (a compose project's POSTGRES_PASSWORD) are only noted; in config
    files, and for unknown SEKHA__ names, they are warned about: likely typos."""
    issues = []
    for read, source in zip(reads, raw, strict=True):
        origin = read.origin
        if read.status is KeyStatus.MAPPED and read.note:
            issues.append(Finding(
                Severity.WARNING, "misplaced-key",
                f"{origin.key}: {read.note}, where it does not belong; mapped to "
                f"{', '.join(read.targets)}",
                file=origin.file, line=origin.line, column=origin.column,
                hint="move it to where v1 expects it, or leave it: the v2 file is what counts",
            ))
        elif source.never_read and (issue := rules.never_read_issue(read)) is not None:
            issues.append(issue)
        elif read.status is KeyStatus.UNMAPPABLE:
            name = origin.key.upper()
            loud_name = source.setting is None and (
                name.startswith("SEKHA__") or name in v1_components.DEAD_NAMES)
            quiet = (origin.file in env_files or source.is_sekha) and not loud_name
            issues.append(Finding(
                Severity.INFO if quiet else Severity.WARNING,
                "unmappable-key",
                f"{origin.key} is not carried to v2: {read.note}; "
                "its value stays in the backup",
                file=origin.file, line=origin.line, column=origin.column,
            ))
    return issues
