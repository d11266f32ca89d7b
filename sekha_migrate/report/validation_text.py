"""`--format text`: grouped per file, one `file:line:column` line per finding, a summary.

Lines are built as styled segments; on a terminal rich colours them, otherwise (a pipe, a
CI log, NO_COLOR) they are written as plain text without importing rich at all.
"""

from __future__ import annotations

import os
import sys

from sekha_migrate.findings import FileResult, Finding, Severity, ValidationRun

Segment = tuple[str, str]  # (text, rich style; "" for none)
Line = list[Segment]

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def print_validation_text(run: ValidationRun, *, quiet: bool = False) -> None:
    lines = validation_lines(run, quiet=quiet)
    if os.environ.get("NO_COLOR") or not sys.stdout.isatty():
        text = "".join("".join(text for text, _ in line) + "\n" for line in lines)
        # A log or pipe without UTF-8 (PYTHONIOENCODING=ascii, a latin-1 locale) gets '?'
        # for what it cannot show instead of a UnicodeEncodeError.
        encoding = sys.stdout.encoding or "utf-8"
        sys.stdout.write(text.encode(encoding, "replace").decode(encoding))
        return
    from rich.text import Text

    from sekha_migrate.report.console import make_console

    console = make_console()
    for line in lines:
        console.print(Text.assemble(*line))


def validation_lines(run: ValidationRun, *, quiet: bool = False) -> list[Line]:
    lines: list[Line] = []
    for result in run.files:
        shown = [f for f in result.findings if not quiet or f.severity is Severity.ERROR]
        if quiet and not shown:
            continue
        lines.append(_file_header(result))
        for finding in shown:
            lines.append(_finding_line(result.path, finding))
            if finding.hint and not quiet:
                lines.append([("    ", ""), ("hint: ", "dim"), (finding.hint, "")])
    lines.append(_summary_line(run))
    return lines


def _file_header(result: FileResult) -> Line:
    if not result.readable:
        status = ("unreadable", "bold red")
    elif result.valid:
        status = ("valid", "green")
    else:
        status = ("invalid", "bold red")
    return [(result.path, "bold"), (": ", ""), status]


def _finding_line(path: str, finding: Finding) -> Line:
    where = path
    if finding.line is not None:
        where += f":{finding.line}"
        if finding.column is not None:
            where += f":{finding.column}"
    return [
        (f"  {where}: ", ""),
        (finding.severity.value, _STYLE[finding.severity]),
        (f": {finding.message} ", ""),
        (f"[{finding.code}] {finding.path}", "dim"),
    ]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _summary_line(run: ValidationRun) -> Line:
    s = run.summary()
    counts = ", ".join(
        [
            _plural(s["errors"], "error"),
            _plural(s["warnings"], "warning"),
            _plural(s["infos"], "note"),
        ]
    )
    files = _plural(s["files"], "file")
    if run.valid:
        return [("✓", "green"), (f" {files} valid ({counts})", "")]
    return [("✗", "bold red"), (f" {s['invalid']} of {files} invalid ({counts})", "")]
