"""The `sekha` / `sekha-migrate` command: thin wiring from flags to the library and back.

Every subcommand lives in `sekha_migrate/commands/`, is listed once in COMMANDS, and is
imported only when it runs (or --help or completion needs its text); it imports what is
heavy (jsonschema, httpx, rich tables) inside its function. `sekha --version` alone is
answered by the entry point before typer is imported (sekha_migrate/version.py).
Two names, one app: sekha-cli (another package) also installs `sekha`, so
`sekha-migrate` and `python -m sekha_migrate` always reach this tool.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import typer
from typer.core import TyperGroup

from sekha_migrate.version import VERSION_FLAGS, VERSION_HELP, program_name, version_line

__all__ = ["app", "command_tree", "main", "program_name"]


@dataclass(frozen=True)
class CommandEntry:
    """One subcommand: the function in sekha_migrate/commands/MODULE.py and its --help extras."""

    module: str
    function: str
    examples: tuple[str, ...]
    settings: dict[str, object] = field(default_factory=dict)


# Every subcommand, in the order --help lists them: the order an operator meets them. Start a
# file (init) or convert one (migrate), check it (validate), check the providers it names
# (probe), see what each component will run with (show), undo (rollback); then the
# references (explain, schema). A command's module (and what it imports)
# is loaded only when that command runs, or when --help or completion needs its text.
COMMANDS: dict[str, CommandEntry] = {
    "init": CommandEntry(
        "init", "init_command",
        (
            "sekha-migrate init --template minimal",
            "sekha-migrate init --template full --output deploy/sekha.yaml",
        ),
        {"no_args_is_help": False},
    ),
    "migrate": CommandEntry(
        "migrate", "migrate_command",
        (
            "sekha-migrate migrate --dry-run --dir old-config/",
            "sekha-migrate migrate --check   # in CI: exit 1 when config.yaml is out of date",
        ),
        {"no_args_is_help": False},
    ),
    "validate": CommandEntry(
        "validate", "validate_command",
        (
            "sekha-migrate validate config.yaml",
            "sekha-migrate validate configs/ --strict --format sarif --output-file sekha.sarif",
            "sekha-migrate validate config.yaml --env-file .env --format junit",
        ),
        {"no_args_is_help": False},
    ),
    "probe": CommandEntry(
        "probe", "probe_command",
        (
            "sekha-migrate probe config.yaml",
            "sekha-migrate probe config.yaml --embed --timeout 10",
        ),
    ),
    "show": CommandEntry(
        "show", "show_command",
        (
            "sekha-migrate show                      # the components configured here",
            "sekha-migrate show docker-compose.yml -c controller --changed",
            "sekha-migrate show config.yaml --format json",
        ),
        {"no_args_is_help": False},
    ),
    "rollback": CommandEntry(
        "rollback", "rollback_command",
        ("sekha-migrate rollback --list", "sekha-migrate rollback --yes"),
    ),
    "explain": CommandEntry(
        "explain", "explain_command",
        (
            "sekha-migrate explain unknown-key",
            "sekha-migrate explain schema-minimum --format json",
        ),
    ),
    "schema": CommandEntry(
        "schema", "schema_command", ("sekha-migrate schema > sekha-config-v2.schema.json",)
    ),
    # Further commands register here, one entry each (see sekha_migrate/commands/).
}


def load_command(name: str) -> typer.core.TyperCommand:
    """The click command of one subcommand, built by typer from its function as the root
    group would build it, with --quiet/--verbose/--color added."""
    from sekha_migrate.commands.help_text import epilog
    from sekha_migrate.commands.options import with_output_options

    entry = COMMANDS[name]
    module = importlib.import_module(f"sekha_migrate.commands.{entry.module}")
    wrapped = with_output_options(getattr(module, entry.function))
    single = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                         rich_markup_mode=None)
    single.command(name, epilog=epilog(name, *entry.examples), **entry.settings)(  # type: ignore[arg-type]
        wrapped
    )
    command = typer.main.get_command(single)
    assert isinstance(command, typer.core.TyperCommand)
    return command


class _LazyCommands(MutableMapping[str, Any]):
    """The group's name -> command mapping; a command is built on first lookup."""

    def __init__(self) -> None:
        self._loaded: dict[str, typer.core.TyperCommand] = {}

    def __getitem__(self, name: str) -> typer.core.TyperCommand:
        if name not in self._loaded:
            if name not in COMMANDS:
                raise KeyError(name)
            self._loaded[name] = load_command(name)
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:  # a click.Command
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter([*COMMANDS, *(name for name in self._loaded if name not in COMMANDS)])

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self._loaded))


class LazyGroup(TyperGroup):
    """The root group: names (for dispatch, typo suggestions and completion) come from
    COMMANDS; a command's module is imported only when the command is looked up."""

    def __init__(self, **attrs: object) -> None:
        super().__init__(**attrs)  # type: ignore[arg-type]
        self.commands = _LazyCommands()


app = typer.Typer(
    name="sekha",
    cls=LazyGroup,
    help="Move Sekha configuration to v2, keep it valid, and check that it works.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(ctx: typer.Context, value: bool) -> None:
    if value:
        typer.echo(version_line(ctx.find_root().info_name or "sekha"))
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, *VERSION_FLAGS, help=VERSION_HELP, is_eager=True, callback=_print_version,
    ),
) -> None:
    """Move Sekha configuration to v2, keep it valid, and check that it works.

    Exit codes for every command: 0 success, 1 the configuration (or probe) has
    problems, 2 usage errors and unreadable paths.
    """


def command_tree() -> TyperGroup:
    """The whole click command tree with every subcommand loaded (for documentation and
    tools that walk the commands and their options)."""
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    for name in COMMANDS:
        group.commands[name]
    return group


def main() -> None:
    app(prog_name=program_name(sys.argv[0]))
