"""`--format sarif`: SARIF 2.1.0, which GitHub code scanning and many editors read.

Over findings of any command (each names its own file); the rules come from the registry.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sekha_migrate.findings import Finding, Severity, ValidationRun
from sekha_migrate.json_text import dump_json
from sekha_migrate.validate.rules import PROJECT_URL, Rule, help_uri, rule_for

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def sarif_document(findings: Iterable[Finding], *, version: str) -> dict[str, Any]:
    found: Sequence[Finding] = tuple(findings)
    codes = sorted({f.code for f in found})
    index = {code: i for i, code in enumerate(codes)}
    results = [_result(finding, index[finding.code]) for finding in found]
    driver = {
        "name": "sekha-migrate",
        "version": version,
        "informationUri": PROJECT_URL,
        "rules": [_rule(rule_for(code)) for code in codes],
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "shortDescription": {"text": rule.description},
        "help": {"text": rule.help},
        "helpUri": help_uri(rule.code),
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    message = finding.message + (f" (hint: {finding.hint})" if finding.hint else "")
    location: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(finding.file or "")}}
    if finding.line is not None:
        region = {"startLine": finding.line}
        if finding.column is not None:
            region["startColumn"] = finding.column
        location["region"] = region
    return {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.severity],
        "message": {"text": message},
        "locations": [{"physicalLocation": location}],
    }


def artifact_uri(path: str) -> str:
    """A relative path as a URI reference (forward slashes, %-escapes); an absolute one as
    a file: URI, since code scanning resolves relative ones against the repository."""
    if os.path.isabs(path):
        return Path(path).as_uri()
    return quote(path.replace("\\", "/"), safe="/")


def validation_sarif(run: ValidationRun, *, version: str) -> str:
    return dump_json(sarif_document(run.findings, version=version))
