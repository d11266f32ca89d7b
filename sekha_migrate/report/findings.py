"""One finding as text, the same line in every command (yamllint's `parsable` shape):

    file:line:column: severity: message [code] path
      hint: what fixes it

(`path` is left out when it is `$`, the whole document.)

validate, migrate and probe all print their findings through `finding_lines`; the JSON shape
is `Finding.to_dict`, the machine formats (github, sarif, junit, gitlab) render the same objects.
"""

from __future__ import annotations

from sekha_migrate.findings import Finding, Severity
from sekha_migrate.report.console import Line

SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def finding_location(finding: Finding, file: str | None = None) -> str:
    """`file:line:column`, as far as the finding has a position. `file` stands in for a
    finding that does not name its own (validate's, reported under their file)."""
    where = finding.file or file or ""
    if finding.line is not None:
        where += f":{finding.line}"
        if finding.column is not None:
            where += f":{finding.column}"
    return where


def finding_line(finding: Finding, file: str | None = None, *, indent: str = "") -> Line:
    where = finding_location(finding, file)
    # "$" (the whole document) says nothing a reader could use: the line ends at the code
    path = "" if finding.path == "$" else f" {finding.path}"
    return [
        (f"{indent}{where}: " if where else indent, ""),
        (finding.severity.value, SEVERITY_STYLE[finding.severity]),
        (f": {finding.message} ", ""),
        (f"[{finding.code}]{path}", "dim"),
    ]


def hint_line(hint: str, *, indent: str = "") -> Line:
    return [(f"{indent}  ", ""), ("hint: ", "dim"), (hint, "")]


def finding_lines(
    finding: Finding, file: str | None = None, *, indent: str = "", hint: bool = True
) -> list[Line]:
    """The finding's line, and its hint on the next one (unless `hint` is False: --quiet)."""
    lines = [finding_line(finding, file, indent=indent)]
    if hint and finding.hint:
        lines.append(hint_line(finding.hint, indent=indent))
    return lines


def finding_text(finding: Finding, file: str | None = None) -> str:
    """The same lines as plain text (JUnit failure bodies, logs)."""
    return "\n".join("".join(text for text, _ in line) for line in finding_lines(finding, file))
