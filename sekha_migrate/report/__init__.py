"""Renderers: result objects in, text out. They compute nothing."""

from __future__ import annotations

from sekha_migrate.findings import ValidationRun

# Machine formats: one document each, never coloured, the same on a terminal and in a file.
MACHINE_FORMATS = ("json", "github", "sarif", "junit", "gitlab")


def validation_output(
    run: ValidationRun, output_format: str, *, quiet: bool = False, verbose: bool = False
) -> str:
    """The whole report as plain text, for a file (`--output-file`) or a pipe."""
    if output_format == "json":
        from sekha_migrate.report.validation_json import validation_json

        return validation_json(run) + "\n"
    if output_format == "github":
        from sekha_migrate.report.github import github_annotations

        text = github_annotations(run.findings)
        return text + "\n" if text else ""
    if output_format == "sarif":
        from sekha_migrate import __version__
        from sekha_migrate.report.sarif import validation_sarif

        return validation_sarif(run, version=__version__) + "\n"
    if output_format == "junit":
        from sekha_migrate.report.junit import validation_junit

        return validation_junit(run) + "\n"
    if output_format == "gitlab":
        from sekha_migrate.report.gitlab import validation_gitlab

        return validation_gitlab(run) + "\n"
    from sekha_migrate.report.validation_text import validation_lines

    lines = validation_lines(run, quiet=quiet, verbose=verbose)
    return "".join("".join(text for text, _ in line) + "\n" for line in lines)


def render_validation(
    run: ValidationRun, output_format: str, *, quiet: bool = False, verbose: bool = False
) -> None:
    """Print a validation run to stdout in the chosen format."""
    import sys

    if output_format == "text":
        from sekha_migrate.report.validation_text import print_validation_text

        print_validation_text(run, quiet=quiet, verbose=verbose)
        return
    from sekha_migrate.report.console import PlainWriter

    text = validation_output(run, output_format)
    if text:
        PlainWriter(sys.stdout).write(text)
