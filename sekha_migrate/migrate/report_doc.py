"""The migration report as a document: what `--report FILE` writes and what each backup set
keeps beside its copies. Built by the library (apply_plan writes it), so it lives here and
not with the renderers; every secret is masked on the way in."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from sekha_migrate.findings import Finding, Severity, format_path
from sekha_migrate.json_text import dump_json
from sekha_migrate.migrate.results import KeyRead, KeyStatus, MigrationPlan, origin_at
from sekha_migrate.model.masking import is_reference, is_secret_name, mask_text, mask_value


def known_secrets(plan: MigrationPlan) -> frozenset[str]:
    """Every secret value the plan read or moved: free text (messages, hints, diff lines)
    is searched for these, since it has no key names to go by."""
    found = {value for _, value in plan.secrets}
    for read in plan.reads:
        if read.value is None and _pasted_key(read.origin.key):
            found.add(read.origin.key)
        if read.secret:
            values = read.value if isinstance(read.value, list) else [read.value]
            found.update(str(v) for v in values if v not in (None, "") and not is_reference(v))
    return frozenset(found)


def _pasted_key(name: str) -> bool:
    """A .env line without `=` is read as a bare name; a long one that is not an UPPER_CASE
    name is most likely a key pasted on a line of its own."""
    return len(name) >= 16 and not name.isupper()


def shown_finding(finding: Finding, secrets: frozenset[str]) -> Finding:
    """A finding whose message and hint may be printed: no secret in them, whole or in part."""
    hint = mask_text(finding.hint, secrets) if finding.hint else finding.hint
    return replace(finding, message=mask_text(finding.message, secrets), hint=hint)


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list) and value and not _is_secret_path(path):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path, value


def _is_secret_path(path: tuple[Any, ...]) -> bool:
    return any(is_secret_name(part) for part in path if isinstance(part, str))


def value_rows(plan: MigrationPlan) -> list[dict[str, Any]]:
    """Every value of the v2 document with where it came from."""
    rows = []
    # A value read as a secret stays one wherever it is written (`OLLAMA_BASE_URL` built
    # from `${API_KEY}` lands in a base_url).
    secrets = known_secrets(plan)
    for path, value in _leaves(plan.document or {}):
        where = format_path(path)
        origin = origin_at(where, plan.provenance)
        secret = _is_secret_path(path) or (isinstance(value, str) and value in secrets)
        rows.append({
            "path": where,
            "value": mask_value(value, secret=secret),
            "from": origin.to_dict() if origin else None,
            # derived: set by the migration itself (defaults, v2 structure), not read anywhere
            "derived": origin.is_default if origin else None,
        })
    return rows


def key_rows(plan: MigrationPlan) -> list[dict[str, Any]]:
    secrets = known_secrets(plan)
    return [_key_row(read, secrets) for read in plan.reads]


def _key_row(read: KeyRead, secrets: frozenset[str]) -> dict[str, Any]:
    return {
        **read.origin.to_dict(),
        "key": mask_text(read.origin.key, secrets),
        "setting": read.setting,
        "value": mask_value(read.value, secret=read.secret),
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
    secrets = known_secrets(plan)
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
        "issues": [shown_finding(issue, secrets).to_dict() for issue in plan.findings],
        "effects": [_shown_effect(change.to_dict(), secrets) for change in plan.effects],
        "secrets_file": str(plan.secrets_file) if plan.secrets else None,
        "externalized": [name for name, _ in plan.secrets],
        "backup": dict(backup) if backup else None,
        "next_steps": [step.to_dict() for step in plan.next_steps],
        "summary": {
            **counts,
            "errors": sum(1 for i in plan.findings if i.severity is Severity.ERROR),
            "warnings": sum(1 for i in plan.findings if i.severity is Severity.WARNING),
        },
    }


def _shown_effect(row: dict[str, Any], secrets: frozenset[str]) -> dict[str, Any]:
    """Values are masked by the engine; origins are text that may quote a value."""
    return {**row, "before_origin": mask_text(row["before_origin"], secrets),
            "after_origin": mask_text(row["after_origin"], secrets)}


def report_json(document: Mapping[str, Any]) -> str:
    return dump_json(document) + "\n"


