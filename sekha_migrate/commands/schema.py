from __future__ import annotations

import typer


def schema_command(
    target: str = typer.Option(
        "docker", "--target", "-t", help="Whose schema: docker (default) or bridge."
    ),
) -> None:
    """Print a dialect's JSON schema (for editors and other validators)."""
    from sekha_migrate import exit_codes
    from sekha_migrate.schema import SCHEMA_FILES, schema_text

    if target not in SCHEMA_FILES:
        detail = (
            "the env dialect is a .env file, not a JSON document; its SEKHA__LLM_PROVIDERS "
            "and SEKHA__DEFAULT_MODELS hold JSON that follows the docker schema"
            if target == "env"
            else f"unknown target {target!r}; choose docker or bridge"
        )
        typer.echo(f"sekha schema: {detail}", err=True)
        raise typer.Exit(exit_codes.USAGE)
    typer.echo(schema_text(target), nl=False)
