"""The `sekha` / `sekha-migrate` command: thin wiring from flags to the library and back.

Every subcommand lives in `sekha_migrate/commands/` and imports what is heavy
(jsonschema, httpx, rich tables) inside its function, so `sekha --help` stays fast.
Two names, one app: sekha-cli (another package) also installs `sekha`, so
`sekha-migrate` and `python -m sekha_migrate` always reach this tool.
"""

from __future__ import annotations

import os
import sys

import typer

from sekha_migrate import __version__
from sekha_migrate.commands.explain import explain_command
from sekha_migrate.commands.help_text import epilog
from sekha_migrate.commands.init import init_command
from sekha_migrate.commands.migrate import migrate_command
from sekha_migrate.commands.options import with_output_options
from sekha_migrate.commands.probe import probe_command
from sekha_migrate.commands.rollback import rollback_command
from sekha_migrate.commands.schema import schema_command
from sekha_migrate.commands.show import show_command
from sekha_migrate.commands.validate import validate_command

LONG_NAME = "sekha-migrate"

app = typer.Typer(
    name="sekha",
    help="Move Sekha configuration to v2, keep it valid, and check that it works.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(ctx: typer.Context, value: bool) -> None:
    if value:
        typer.echo(f"{ctx.find_root().info_name or 'sekha'} {__version__}")
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


def _register(name: str, command: object, *examples: str, **settings: object) -> None:
    wrapped = with_output_options(command)  # type: ignore[arg-type]
    app.command(name, epilog=epilog(name, *examples), **settings)(wrapped)  # type: ignore[arg-type]


# Listed in --help in the order an operator meets them: start a file (init) or convert one
# (migrate), check it (validate), check the providers it names (probe), see what each
# component will run with (show), undo (rollback); then the references (explain, schema).
_register(
    "init", init_command,
    "sekha-migrate init --template minimal",
    "sekha-migrate init --template full --output deploy/sekha.yaml",
    no_args_is_help=False,
)
_register(
    "migrate", migrate_command,
    "sekha-migrate migrate --dry-run --dir old-config/",
    "sekha-migrate migrate --check   # in CI: exit 1 when config.yaml is out of date",
    no_args_is_help=False,
)
_register(
    "validate", validate_command,
    "sekha-migrate validate config.yaml",
    "sekha-migrate validate configs/ --strict --format sarif --output-file sekha.sarif",
    "sekha-migrate validate config.yaml --env-file .env --format junit",
    no_args_is_help=False,
)
_register(
    "probe", probe_command,
    "sekha-migrate probe config.yaml", "sekha-migrate probe config.yaml --embed --timeout 10",
)
_register(
    "show", show_command,
    "sekha-migrate show                      # the components configured here",
    "sekha-migrate show docker-compose.yml -c controller --changed",
    "sekha-migrate show config.yaml --format json",
    no_args_is_help=False,
)
_register(
    "rollback", rollback_command,
    "sekha-migrate rollback --list", "sekha-migrate rollback --yes",
)
_register(
    "explain", explain_command,
    "sekha-migrate explain unknown-key", "sekha-migrate explain schema-minimum --format json",
)
_register("schema", schema_command, "sekha-migrate schema > sekha-config-v2.schema.json")
# Further commands register here, one line each (see sekha_migrate/commands/).


def program_name(argv0: str) -> str:
    """`sekha-migrate` when started by that name or as `python -m sekha_migrate`."""
    base = os.path.basename(argv0).lower()
    for suffix in (".exe", "-script.py", ".py"):
        base = base.removesuffix(suffix)
    return LONG_NAME if base in (LONG_NAME, "__main__") else "sekha"


def main() -> None:
    app(prog_name=program_name(sys.argv[0]))
