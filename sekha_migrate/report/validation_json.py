"""`--format json`: one document; its shape is a public interface (see the README)."""

from __future__ import annotations

from sekha_migrate.findings import ValidationRun
from sekha_migrate.json_text import dump_json


def validation_document(run: ValidationRun) -> dict[str, object]:
    return {
        "files": [
            {
                "path": result.path,
                "valid": result.valid,
                "target": result.target,
                "skipped": result.skipped,  # null, or why the file was not checked
                "findings": [finding.to_dict() for finding in result.findings],
            }
            for result in run.files
        ],
        "summary": _summary(run),
    }


def _summary(run: ValidationRun) -> dict[str, object]:
    counts = run.summary()
    return {
        "files": counts["files"],
        "valid_files": counts["valid_files"],
        "invalid_files": counts["invalid_files"],
        "valid": run.valid,
        "errors": counts["errors"],
        "warnings": counts["warnings"],
        "infos": counts["infos"],
        "skipped_files": counts["skipped_files"],
    }


def validation_json(run: ValidationRun) -> str:
    return dump_json(validation_document(run))
