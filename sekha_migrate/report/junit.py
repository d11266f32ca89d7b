"""`--format junit`: JUnit XML, the test report every CI shows. One testcase per file."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from sekha_migrate.findings import FileResult, Finding, Severity, ValidationRun
from sekha_migrate.report.findings import finding_text

# XML 1.0 cannot carry most control characters, even escaped; a key or value quoted in a
# message may hold them, and one such character would make the whole report unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def validation_junit(run: ValidationRun) -> str:
    summary = run.summary()
    suite = ET.Element(
        "testsuite",
        name="sekha validate",
        tests=str(summary["files"]),
        failures=str(summary["invalid_files"]),
        errors="0",
        skipped=str(summary["skipped_files"]),
    )
    for result in run.files:
        suite.append(_testcase(result))
    suites = ET.Element("testsuites", name="sekha-migrate")
    suites.append(suite)
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _xml_safe(body)


def _testcase(result: FileResult) -> ET.Element:
    # junit-10.xsd (what pytest's junitxml and most CI readers take) has no testcase@file:
    # the file is the testcase's name.
    case = ET.Element("testcase", classname="sekha validate", name=result.path)
    errors = [f for f in result.findings if f.severity is Severity.ERROR]
    if result.skipped is not None:
        ET.SubElement(case, "skipped", message=result.skipped)
    elif errors:
        failure = ET.SubElement(
            case,
            "failure",
            message=f"{len(errors)} error{'' if len(errors) == 1 else 's'}: {errors[0].message}",
            type=errors[0].code,
        )
        failure.text = "\n".join(_finding_text(result.path, f) for f in result.findings)
    elif result.findings:
        # Warnings and notes do not fail the file; the report still shows them.
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join(_finding_text(result.path, f) for f in result.findings)
    return case


def _finding_text(path: str, finding: Finding) -> str:
    return finding_text(finding, path)
