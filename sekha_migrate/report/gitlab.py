"""`--format gitlab`: GitLab Code Quality JSON, shown in merge requests.

Over findings of any command: each names its own file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from typing import Any

from sekha_migrate.findings import Finding, Severity, ValidationRun
from sekha_migrate.json_text import dump_json

_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def gitlab_issues(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for finding in findings:
        path = finding.file or ""
        # The same code at the same key twice (rare) still gets two fingerprints.
        key = (path, finding.code, finding.path)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        issues.append(_issue(path, finding, fingerprint(path, finding, occurrence)))
    return issues


def _issue(path: str, finding: Finding, print_: str) -> dict[str, Any]:
    return {
        "description": f"{finding.message} [{finding.code}]",
        "check_name": finding.code,
        "fingerprint": print_,
        "severity": _SEVERITY[finding.severity],
        "location": {"path": repository_path(path), "lines": {"begin": finding.line or 1}},
    }


def repository_path(path: str) -> str:
    """GitLab matches plain paths relative to the project: an absolute path inside the
    working directory (where CI runs) is made relative, separators become '/'."""
    if os.path.isabs(path):
        try:
            relative = os.path.relpath(path)
        except ValueError:  # another drive on Windows
            relative = ".."
        if not relative.startswith(".."):
            path = relative
    return path.replace("\\", "/")


def fingerprint(path: str, finding: Finding, occurrence: int = 0) -> str:
    """Stable across runs and across unrelated edits: file, code and data path, not the line
    or the message (messages quote line numbers), so GitLab keeps treating a finding that
    only moved as the same issue."""
    parts = (repository_path(path), finding.code, finding.path, str(occurrence))
    key = "\0".join(parts)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def validation_gitlab(run: ValidationRun) -> str:
    return dump_json(gitlab_issues(run.findings))
