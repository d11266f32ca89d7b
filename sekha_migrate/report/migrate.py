"""The migration as a terminal summary and as a JSON report. Secrets are masked."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from sekha_migrate.findings import Severity, format_path
from sekha_migrate.migrate.results import KeyRead, KeyStatus, MigrationPlan, origin_at
from sekha_migrate.model.placeholders import placeholder_names
from sekha_migrate.report.console import emit, emit_table
from sekha_migrate.secrets import mask_secret

SECRET_LEAVES = frozenset({"api_key", "mcp_api_key", "rest_api_key", "additional_api_keys"})
_STATUS_STYLE = {
    KeyStatus.MAPPED: "green",
    KeyStatus.OVERRIDDEN: "yellow",
    KeyStatus.UNMAPPABLE: "magenta",
    KeyStatus.INVALID: "red",
}
_SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def shown_value(value: Any, *, secret: bool) -> Any:
    """A value as it may be displayed or stored in a report: secrets masked, ${VAR} kept."""
    if isinstance(value, list):
        return [shown_value(item, secret=secret) for item in value]
    if secret and isinstance(value, str) and not placeholder_names(value):
        return mask_secret(value)
    if secret and not isinstance(value, str) and value is not None:
        return mask_secret(json.dumps(value))
    return value


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list) and value and path[-1:] != ("additional_api_keys",):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path, value


def _is_secret_path(path: tuple[Any, ...]) -> bool:
    return any(part in SECRET_LEAVES for part in path if isinstance(part, str))


def value_rows(plan: MigrationPlan) -> list[dict[str, Any]]:
    """Every value of the v2 document with where it came from."""
    rows = []
    for path, value in _leaves(plan.document or {}):
        where = format_path(path)
        origin = origin_at(where, plan.provenance)
        rows.append({
            "path": where,
            "value": shown_value(value, secret=_is_secret_path(path)),
            "from": origin.to_dict() if origin else None,
            # derived: set by the migration itself (defaults, v2 structure), not read anywhere
            "derived": origin.is_default if origin else None,
        })
    return rows


def key_rows(plan: MigrationPlan) -> list[dict[str, Any]]:
    return [_key_row(read) for read in plan.reads]


def _key_row(read: KeyRead) -> dict[str, Any]:
    return {
        **read.origin.to_dict(),
        "setting": read.setting,
        "value": shown_value(read.value, secret=read.secret),
        "status": read.status.value,
        "targets": list(read.targets),
        "note": read.note,
    }


def report_document(
    plan: MigrationPlan,
    *,
    status: str,
    backup: Mapping[str, Any] | None = None,
    version: str = "",
) -> dict[str, Any]:
    """The full report, as written by --report FILE and stored with the backup."""
    counts = {state.value: 0 for state in KeyStatus}
    for read in plan.reads:
        counts[read.status.value] += 1
    embedding = plan.embedding
    return {
        "tool": "sekha migrate",
        "version": version,
        "status": status,
        "kind": plan.kind.value,
        "output": str(plan.output),
        "sources": [
            {"path": str(s.path), "kind": s.kind.value, "layer": s.layer.name.lower()}
            for s in plan.sources
        ],
        "embedding": None
        if embedding is None
        else {
            "model": embedding.model,
            "dimension": embedding.dimension,
            "source": embedding.source,
            "assumed": embedding.assumed,
        },
        "values": value_rows(plan),
        "keys": key_rows(plan),
        "issues": [issue.to_dict() for issue in plan.issues],
        "secrets_file": str(plan.secrets_file) if plan.secrets else None,
        "externalized": [name for name, _ in plan.secrets],
        "backup": dict(backup) if backup else None,
        "summary": {
            **counts,
            "errors": sum(1 for i in plan.issues if i.severity is Severity.ERROR),
            "warnings": sum(1 for i in plan.issues if i.severity is Severity.WARNING),
        },
    }


def report_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def print_summary(plan: MigrationPlan, out: Any, *, verbose: bool = True) -> None:
    """The table of keys read and where they went, then the issues (see report.console)."""
    if plan.reads and verbose:
        folder = _common_folder(plan)
        title = "v1 keys read" + (f" (in {folder}/)" if folder else "")
        rows = []
        for read in plan.reads:
            origin = read.origin
            file = str(origin.file)
            if folder and file.startswith(folder + "/"):
                file = file[len(folder) + 1 :]
            where = f"{file}:{origin.line}" if origin.line else file
            value = shown_value(read.value, secret=read.secret)
            target = _targets(read) or (read.note or "")
            rows.append([
                (where, ""),
                (origin.key, ""),
                (_short(value), ""),
                (read.status.value, _STATUS_STYLE[read.status]),
                (target, ""),
            ])
        emit_table(out, title, ("source", "key", "value", "status", "v2"), rows)
    if plan.embedding is not None:
        e = plan.embedding
        label = {"table": "published", "--dimension": "from --dimension",
                 "probe": "measured", "assumed": "ASSUMED"}[e.source]
        emit(out, [(f"embedding: {e.model} -> dimension {e.dimension} ({label})", "")])
    print_issues(plan, out)


def print_issues(plan: MigrationPlan, out: Any) -> None:
    for issue in plan.issues:
        where = issue.file or ""
        if issue.line:
            where += f":{issue.line}"
            if issue.column:
                where += f":{issue.column}"
        prefix = f"{where}: " if where else ""
        line = [
            (prefix, ""),
            (issue.severity.value, _SEVERITY_STYLE[issue.severity]),
            (f": {issue.message} ({issue.code})", ""),
        ]
        emit(out, line, *([[(f"  hint: {issue.hint}", "")]] if issue.hint else []))


def _common_folder(plan: MigrationPlan) -> str | None:
    """The one directory every source file is in, when it is not the current one."""
    folders = {str(source.path.parent) for source in plan.sources}
    if len(folders) != 1:
        return None
    folder = folders.pop()
    return None if folder in ("", ".") else folder


def _targets(read: KeyRead) -> str:
    """The first v2 path a key went to, and how many more (the JSON report lists all)."""
    if not read.targets:
        return ""
    more = len(read.targets) - 1
    return read.targets[0].removeprefix("$.") + (f" (+{more})" if more else "")


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 48 else text[:45] + "..."


def unified_diff(plan: MigrationPlan) -> str:
    """`--diff`: the migrated text against the output file as it is now."""
    import difflib

    before = (plan.existing_output or b"").decode("utf-8", "replace").splitlines(keepends=True)
    after = plan.text.splitlines(keepends=True)
    name = str(plan.output)
    lines = difflib.unified_diff(
        before, after,
        fromfile=f"{name} (current)" if plan.existing_output is not None else "/dev/null",
        tofile=f"{name} (migrated)",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
