from __future__ import annotations

from enum import Enum

import typer


class ExplainFormat(str, Enum):
    text = "text"
    json = "json"


def explain_command(
    code: str = typer.Argument(..., metavar="CODE", help="A finding code, e.g. unknown-key."),
    output_format: ExplainFormat = typer.Option(
        ExplainFormat.text, "--format", "-f", help="text (default) or json.",
    ),
) -> None:
    """What a finding code means, an example of it, and what fixes it."""
    from sekha_migrate import exit_codes
    from sekha_migrate.commands.common import fail
    from sekha_migrate.report.explain import explanation_json, explanation_text
    from sekha_migrate.validate.rules import CODES_URL, explanation
    from sekha_migrate.validate.selection import did_you_mean, known_codes

    codes = known_codes()
    if code not in codes:
        fail("explain", f"{code!r} is no finding code{did_you_mean(code, codes)}; every code "
             f"is listed at {CODES_URL}", exit_codes.USAGE)
    entry = explanation(code)
    render = explanation_json if output_format is ExplainFormat.json else explanation_text
    typer.echo(render(entry), nl=False)
