"""Renderers: result objects in, text out. They compute nothing."""

from __future__ import annotations

from sekha_migrate.findings import ValidationRun


def render_validation(run: ValidationRun, output_format: str, *, quiet: bool = False) -> None:
    """Print a validation run to stdout in the chosen format."""
    if output_format == "json":
        from sekha_migrate.report.validation_json import validation_json

        print(validation_json(run))
    elif output_format == "github":
        import sys

        from sekha_migrate.report.console import PlainWriter
        from sekha_migrate.report.github import github_annotations

        text = github_annotations(run)
        if text:
            PlainWriter(sys.stdout).print(text)
    else:
        from sekha_migrate.report.validation_text import print_validation_text

        print_validation_text(run, quiet=quiet)
