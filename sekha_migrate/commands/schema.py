from __future__ import annotations

from pathlib import Path

import typer


def schema_command(
    target: str = typer.Option(
        "docker", "--target", "-t", help="Whose schema: docker (default) or bridge."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o",
        help="Write the schema to this file instead of stdout, e.g. schema/"
        "sekha-config-v2.schema.json in your repository: sekha init and sekha migrate then "
        "name it in the editor modeline, relatively, so it works on every clone.",
        show_default=False,
    ),
) -> None:
    """Print a dialect's JSON schema (for editors and other validators), or write it into
    your repository with --output.

    Exit codes: 0 written; 2 an unknown target or an output that cannot be written.
    """
    from sekha_migrate import exit_codes
    from sekha_migrate.commands.common import fail
    from sekha_migrate.schema import SCHEMA_FILES, schema_text

    if target not in SCHEMA_FILES:
        detail = (
            "the env dialect is a .env file, not a JSON document; its SEKHA__LLM_PROVIDERS "
            "and SEKHA__DEFAULT_MODELS hold JSON that follows the docker schema"
            if target == "env"
            else f"unknown target {target!r}; choose docker or bridge"
        )
        fail("schema", detail, exit_codes.USAGE)
    if output is None:
        typer.echo(schema_text(target), nl=False)
        return
    _write_schema(output, schema_text(target), SCHEMA_FILES[target])


def _write_schema(output: Path, text: str, name: str) -> None:
    from sekha_migrate import exit_codes
    from sekha_migrate.commands.common import fail
    from sekha_migrate.io import WriteError, standard_stream, write_output
    from sekha_migrate.modelines import SCHEMA_DIRECTORIES

    to_stream = standard_stream(output) is not None
    try:
        if not to_stream:
            output.parent.mkdir(parents=True, exist_ok=True)
        write_output(output, text)
    except OSError as exc:
        fail("schema", f"cannot write {output}: {exc.strerror}", exit_codes.USAGE)
    except WriteError as exc:
        fail("schema", str(exc), exit_codes.USAGE)
    if to_stream:
        return
    from sekha_migrate.report.console import make_writer

    where = ", ".join(f"{d}/" for d in SCHEMA_DIRECTORIES if d != ".")
    make_writer(stderr=True).print(
        f"Wrote {output}. sekha init and sekha migrate name a {name} they find in {where} or "
        "beside the config (up to the repository's root) in the modeline they write, "
        "relatively; or pass them --schema-url.", markup=False)
