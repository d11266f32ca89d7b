"""`--format github`: workflow commands that GitHub Actions shows as annotations.

Over findings of any command: each names its own file.
"""

from __future__ import annotations

from collections.abc import Iterable

from sekha_migrate.findings import Finding, Severity

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    location = [f"file={_escape_property(finding.file or '')}"]
    if finding.line is not None:
        location.append(f"line={finding.line}")
    if finding.column is not None:
        location.append(f"col={finding.column}")
    message = f"{finding.message} [{finding.code}]"
    if finding.hint:
        message += f" (hint: {finding.hint})"
    return f"::{_COMMAND[finding.severity]} {','.join(location)}::{_escape_data(message)}"


def github_annotations(findings: Iterable[Finding]) -> str:
    return "\n".join(annotation(finding) for finding in findings)
