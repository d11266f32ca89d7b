from __future__ import annotations

from enum import Enum

import typer


class ShowFormat(str, Enum):
    text = "text"
    json = "json"


class Component(str, Enum):
    controller = "controller"
    bridge = "bridge"
    proxy = "proxy"


def show_command(
    paths: list[str] | None = typer.Argument(
        None, metavar="[PATHS]...",
        help="A directory (the components' working directory, or a compose project), a "
        "config file, an env file or a compose file. Default: the current directory.",
        show_default=False,
    ),
    component: list[Component] | None = typer.Option(
        None, "--component", "-c",
        help="Show only this component (repeatable): controller, bridge or proxy.",
        show_default=False,
    ),
    output_format: ShowFormat = typer.Option(
        ShowFormat.text, "--format", "-f", help="text (default) or json."),
    changed: bool = typer.Option(
        False, "--changed", help="Only the values that do not come from a default."),
    no_env: bool = typer.Option(
        False, "--no-env",
        help="Leave out this shell's environment (by default the components are shown as "
        "if started from it; compose interpolation uses it too).",
    ),
    include_home: bool = typer.Option(
        False, "--include-home",
        help="Read ~/.sekha/config.* as a controller run as you would.",
    ),
) -> None:
    """Show what each component (controller, bridge, proxy) will really run with: every
    value, where it comes from, and what it overrides.

    Exit codes: 0 every component starts; 1 one would stop at start, or a file it needs has
    problems; 2 usage errors and unreadable paths.
    """
    import os

    from sekha_migrate import exit_codes
    from sekha_migrate.commands.common import fail
    from sekha_migrate.effective.deployment import Scope, ShowUsageError, resolve_paths
    from sekha_migrate.migrate.discover import user_home
    from sekha_migrate.model import loaders

    chosen = tuple(c.value for c in component) if component else loaders.COMPONENTS
    scope = Scope(environ={} if no_env else dict(os.environ),
                  home=user_home() if include_home else None, components=chosen)
    try:
        deployment = resolve_paths(paths or ["."], scope)
    except ShowUsageError as exc:
        fail("show", str(exc), exit_codes.USAGE)
    if output_format is ShowFormat.json:
        from sekha_migrate.report.show import show_json

        typer.echo(show_json(deployment, changed_only=changed))
    else:
        from sekha_migrate.report.console import emit, is_quiet, make_writer
        from sekha_migrate.report.show import show_lines

        if not deployment.configs:
            typer.echo("sekha show: no Sekha component is configured there", err=True)
        emit(make_writer(), *show_lines(deployment, changed_only=changed,
                                        hints=not is_quiet()))
    raise typer.Exit(exit_codes.OK if deployment.ok else exit_codes.PROBLEMS)
