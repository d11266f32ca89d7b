"""`--format text`: grouped per file, one `file:line:column` line per finding, a summary."""

from __future__ import annotations

from sekha_migrate.findings import FileResult, Severity, ValidationRun
from sekha_migrate.report.console import Line, emit, make_writer
from sekha_migrate.report.findings import finding_lines


def print_validation_text(
    run: ValidationRun, *, quiet: bool = False, verbose: bool = False
) -> None:
    emit(make_writer(), *validation_lines(run, quiet=quiet, verbose=verbose))


def validation_lines(
    run: ValidationRun, *, quiet: bool = False, verbose: bool = False
) -> list[Line]:
    """--quiet: errors and the summary only. --verbose: also what each rule means."""
    lines: list[Line] = []
    for result in run.files:
        if result.skipped is not None:
            # The header says it, and why: the file's one note would only repeat it.
            if not quiet:
                lines.append(_file_header(result))
            continue
        shown = [f for f in result.findings if not quiet or f.severity is Severity.ERROR]
        if quiet and not shown:
            continue
        lines.append(_file_header(result))
        for finding in shown:
            lines += finding_lines(finding, result.path, indent="  ", hint=not quiet)
            if verbose:
                lines.append([("    ", ""), ("rule: ", "dim"), (_explain(finding.code), "")])
    lines.append(_summary_line(run))
    return lines


def _explain(code: str) -> str:
    from sekha_migrate.validate.rules import rule_for

    rule = rule_for(code)
    return f"{rule.description} {rule.help}"


def _file_header(result: FileResult) -> Line:
    if result.skipped is not None:
        return [(result.path, "bold"), (": ", ""), (f"skipped ({result.skipped})", "dim")]
    if not result.readable:
        status = ("unreadable", "bold red")
    elif result.valid:
        status = ("valid", "green")
    else:
        status = ("invalid", "bold red")
    dialect = [(f" ({result.target})", "dim")] if result.target and result.readable else []
    return [(result.path, "bold"), (": ", ""), status, *dialect]


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
    skipped = s["skipped_files"]
    if run.valid:
        checked = s["files"] - skipped
        told = (f"{_plural(checked, 'file')} valid" + (f", {skipped} skipped" if skipped else "")
                if checked else f"{_plural(skipped, 'file')} skipped")
        return [("✓", "green"), (f" {told} ({counts})", "")]
    also = f", {skipped} skipped" if skipped else ""
    files = _plural(s["files"], "file")
    return [("✗", "bold red"), (f" {s['invalid_files']} of {files} invalid{also} ({counts})", "")]
