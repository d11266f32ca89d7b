"""The `sekha` command: thin wiring from flags to the library and back to exit codes.

Every subcommand lives in `sekha_migrate/commands/` and imports what is heavy
(jsonschema, httpx, rich tables) inside its function, so `sekha --help` stays fast.
"""

from __future__ import annotations

import typer

from sekha_migrate import __version__
from sekha_migrate.commands.migrate import migrate_command
from sekha_migrate.commands.probe import probe_command
from sekha_migrate.commands.rollback import rollback_command
from sekha_migrate.commands.schema import schema_command
from sekha_migrate.commands.validate import validate_command

app = typer.Typer(
    name="sekha",
    help="Move Sekha configuration to v2, keep it valid, and check that it works.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"sekha {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", "-V", help="Print the version and exit.", is_eager=True,
        callback=_print_version,
    ),
) -> None:
    """Move Sekha configuration to v2, keep it valid, and check that it works.

    Exit codes for every command: 0 success, 1 the configuration (or probe) has
    problems, 2 usage errors and unreadable paths.
    """


app.command("validate", no_args_is_help=False)(validate_command)
app.command("schema")(schema_command)
app.command("rollback")(rollback_command)
app.command("probe")(probe_command)
app.command("migrate", no_args_is_help=False)(migrate_command)
# Further commands register here, one line each (see sekha_migrate/commands/).


def main() -> None:
    app()
