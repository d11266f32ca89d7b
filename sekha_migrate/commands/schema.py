from __future__ import annotations

import typer


def schema_command() -> None:
    """Print the v2 JSON schema (for editors and other validators)."""
    from sekha_migrate.schema import schema_text

    typer.echo(schema_text(), nl=False)
