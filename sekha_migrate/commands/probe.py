from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

import typer

from sekha_migrate.commands.options import ENV_FILE


class ProbeFormat(str, Enum):
    text = "text"
    json = "json"


def probe_command(
    config: Path = typer.Argument(
        Path("config.yaml"), metavar="[CONFIG]",
        help="The v2 config file to probe (default: config.yaml in the current directory, as "
        "validate); or a compose file (or a directory holding one): its bridge service's "
        "providers and its controller service's Chroma.", show_default=False,
    ),
    embed: bool = typer.Option(
        False,
        "--embed",
        help="Also send one embedding request per embedding model and compare the "
        "vector length with its configured dimension.",
    ),
    timeout: float | None = typer.Option(
        None,
        "--timeout",
        # No short flag: -t is --target in every command that has one.
        help="Seconds each provider gets for all its checks (default: its own `timeout`).",
        show_default=False,
    ),
    env_file: list[Path] | None = ENV_FILE,
    output_format: ProbeFormat = typer.Option(
        ProbeFormat.text, "--format", "-f", help="text (default) or json."
    ),
    chroma: bool | None = typer.Option(
        None, "--chroma/--no-chroma",
        help="Ask Chroma for the dimension of the vectors it holds and compare it with the "
        "embedding model's. Default: when --chroma-url is given or the controller's "
        "configuration sets chroma_url.", show_default=False,
    ),
    chroma_url: str | None = typer.Option(
        None, "--chroma-url", help="Chroma's address (default: the controller's chroma_url).",
        show_default=False,
    ),
    chroma_token: str | None = typer.Option(
        None, "--chroma-token", envvar="CHROMA_TOKEN",
        help="A token for a Chroma that requires one (or CHROMA_TOKEN); sent as both "
        "Authorization: Bearer and X-Chroma-Token.", show_default=False,
    ),
    host_map: list[str] | None = typer.Option(
        None, "--host-map",
        help="With a compose file: reach the service NAME at HOST[:PORT] from here "
        "(repeatable), e.g. --host-map chroma=localhost:8000 for its published port. "
        "Unmapped service names are probed as written.", show_default=False,
    ),
) -> None:
    """Check that every configured provider answers and offers the configured models.

    Exit 0 when every provider answered and every model is there (with the configured
    dimension, under --embed); 1 when the config has errors or anything is missing,
    mismatched or failing; 2 for usage errors and an unreadable CONFIG. With --format json,
    stdout is always exactly one JSON document.
    """
    from sekha_migrate import exit_codes
    from sekha_migrate.report.probe import render_probe, render_usage_error
    from sekha_migrate.validate.engine import UsageError, load_env

    fmt = output_format.value
    if timeout is not None and not timeout > 0:
        render_usage_error("--timeout must be a number of seconds above 0", fmt)
        raise typer.Exit(exit_codes.USAGE)
    try:
        env = load_env(env_file or [])
    except UsageError as exc:
        render_usage_error(str(exc), fmt)
        raise typer.Exit(exit_codes.USAGE) from None

    from sekha_migrate.probe import probe_file
    from sekha_migrate.probe.compose import (
        HostMapError,
        compose_file_of,
        parse_host_map,
        probe_compose,
    )

    try:
        mapped = parse_host_map(host_map or [])
    except HostMapError as exc:
        render_usage_error(str(exc), fmt)
        raise typer.Exit(exit_codes.USAGE) from None
    compose = compose_file_of(config)
    if config.is_dir() and compose is None:
        render_usage_error(f"{config} is a directory without a compose file: name the "
                           "config file to probe", fmt)
        raise typer.Exit(exit_codes.USAGE)
    live = _live_progress() if fmt == "text" else None
    try:
        if compose is not None:
            import os

            result = probe_compose(compose, environ={**os.environ, **env}, host_map=mapped,
                                   embed=embed, timeout=timeout, on_progress=live,
                                   chroma=chroma, chroma_url=chroma_url,
                                   chroma_token=chroma_token)
        else:
            result = probe_file(config, env=env, embed=embed, timeout=timeout,
                                on_progress=live, chroma=chroma, chroma_url=chroma_url,
                                chroma_token=chroma_token)
    finally:
        if live is not None:
            live.close()
    render_probe(result, fmt)
    if not result.readable:
        raise typer.Exit(exit_codes.USAGE)
    raise typer.Exit(exit_codes.OK if result.ok else exit_codes.PROBLEMS)


def _live_progress() -> Any:
    """Progress on stderr when a person watches it, else None (CI logs get the report)."""
    import sys

    from sekha_migrate.report.console import can_redraw, is_quiet
    from sekha_migrate.report.probe_progress import LiveProgress

    return LiveProgress(sys.stderr) if can_redraw(sys.stderr) and not is_quiet() else None
