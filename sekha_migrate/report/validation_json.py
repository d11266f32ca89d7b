"""`--format json`: one document; its shape is a public interface (see the README)."""

from __future__ import annotations

import json

from sekha_migrate.findings import ValidationRun


def validation_document(run: ValidationRun) -> dict[str, object]:
    return {
        "files": [
            {
                "path": result.path,
                "valid": result.valid,
                "findings": [finding.to_dict() for finding in result.findings],
            }
            for result in run.files
        ],
        "summary": {**run.summary(), "valid": run.valid},
    }


def validation_json(run: ValidationRun) -> str:
    # ASCII with \u escapes: the same document, whatever the encoding of the pipe it goes to.
    return json.dumps(validation_document(run), indent=2, ensure_ascii=True)
