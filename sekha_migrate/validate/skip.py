"""`--skip-non-sekha`: a repository's other YAML (CI configs, issue templates) is not ours.

Used by the pre-commit hook, whose file pattern can only guess by name. A file is skipped
only when it parsed as a mapping with not one key any Sekha dialect or version reads;
`version` alone proves nothing (CircleCI and docker compose have one too).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sekha_migrate.findings import FileResult, Finding, Severity, ValidationRun
from sekha_migrate.model.v1 import V1_DEFAULTS, V1_MARKER_KEYS
from sekha_migrate.model.v2 import DIALECT_KEYS, OTHER_COMPONENT_KEYS, ROOT, ROOT_ROUTING_KEYS
from sekha_migrate.schema import definition_properties

_GENERIC_KEYS = frozenset({"version"})
SKIPPED = Finding(
    Severity.INFO,
    "not-sekha",
    "no Sekha keys in this file, so it was skipped (--skip-non-sekha)",
    line=1,
    column=1,
)


def sekha_keys() -> frozenset[str]:
    keys = set(definition_properties(None)) | set(definition_properties(None, "bridge"))
    keys |= set(DIALECT_KEYS[ROOT]) | set(ROOT_ROUTING_KEYS)
    keys |= set(OTHER_COMPONENT_KEYS) | set(V1_MARKER_KEYS) | set(V1_DEFAULTS)
    return frozenset(keys - _GENERIC_KEYS)


def is_foreign(data: Any) -> bool:
    """A mapping none of whose keys Sekha reads."""
    return isinstance(data, dict) and bool(data) and not (set(data) & sekha_keys())


def skip_non_sekha(run: ValidationRun) -> ValidationRun:
    return ValidationRun(
        tuple(
            replace(result, findings=(SKIPPED,)) if _skippable(result) else result
            for result in run.files
        )
    )


def _skippable(result: FileResult) -> bool:
    return result.readable and is_foreign(result.data)
