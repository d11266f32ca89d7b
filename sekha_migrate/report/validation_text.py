"""`--format text`: grouped per file, one `file:line:column` line per finding, a summary."""

from __future__ import annotations

from rich.markup import escape

from sekha_migrate.findings import FileResult, Finding, Severity, ValidationRun
from sekha_migrate.report.console import make_console

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def print_validation_text(run: ValidationRun, *, quiet: bool = False) -> None:
    console = make_console()
    for result in run.files:
        shown = [f for f in result.findings if not quiet or f.severity is Severity.ERROR]
        if quiet and not shown:
            continue
        console.print(_file_header(result))
        for finding in shown:
            console.print(_finding_line(result.path, finding))
            if finding.hint and not quiet:
                console.print(f"    [dim]hint:[/dim] {escape(finding.hint)}")
    console.print(_summary_line(run))


def _file_header(result: FileResult) -> str:
    if not result.readable:
        status = "[bold red]unreadable[/bold red]"
    elif result.valid:
        status = "[green]valid[/green]"
    else:
        status = "[bold red]invalid[/bold red]"
    return f"[bold]{escape(result.path)}[/bold]: {status}"


def _finding_line(path: str, finding: Finding) -> str:
    where = path
    if finding.line is not None:
        where += f":{finding.line}"
        if finding.column is not None:
            where += f":{finding.column}"
    style = _STYLE[finding.severity]
    return (
        f"  {escape(where)}: [{style}]{finding.severity.value}[/{style}]: "
        f"{escape(finding.message)} [dim]\\[{finding.code}] {escape(finding.path)}[/dim]"
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _summary_line(run: ValidationRun) -> str:
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
        return f"[green]✓[/green] {files} valid ({counts})"
    return f"[bold red]✗[/bold red] {s['invalid']} of {files} invalid ({counts})"
