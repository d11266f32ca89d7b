"""`sekha probe` output: a provider table and a routing table (text), or one JSON document."""

from __future__ import annotations

import os
import sys
from typing import Any

from sekha_migrate.findings import Finding, Severity
from sekha_migrate.json_text import dump_json
from sekha_migrate.probe.results import ModelCheck, ProbeResult, ProbeStatus, ProviderProbe
from sekha_migrate.report.console import Line
from sekha_migrate.report.findings import finding_lines

_STATUS_STYLE = {
    ProbeStatus.OK: "green",
    ProbeStatus.SKIPPED: "yellow",
}
_ROUTE_STYLE = {"preferred": "green", "fallback": "yellow", "unset": "dim"}


def probe_json(result: ProbeResult) -> str:
    return dump_json(result.to_dict())


def usage_error_document(message: str) -> dict[str, Any]:
    """What --format json prints when the command line itself is wrong: still one document."""
    finding = Finding(Severity.ERROR, "usage-error", message)
    return {
        "ok": False,
        "error": message,
        "findings": [finding.to_dict()],
        "providers": [],
        "routing": [],
    }


def render_usage_error(message: str, output_format: str) -> None:
    """A usage error: a line on stderr, and with --format json the error document on stdout."""
    sys.stderr.write(f"sekha probe: {message}\n")
    if output_format == "json":
        print(dump_json(usage_error_document(message)))


def render_probe(result: ProbeResult, output_format: str) -> None:
    """Print a probe result to stdout in the chosen format."""
    if output_format == "json":
        print(probe_json(result))
        return
    if not result.readable:
        for finding in result.config_findings:
            sys.stderr.write(f"sekha probe: {finding.message}\n")  # it names the path
        return
    from sekha_migrate.report.console import fitted, is_plain, is_quiet, make_console

    if is_quiet():
        return
    console = make_console()
    plain = is_plain(sys.stdout)
    if plain and "COLUMNS" not in os.environ:
        console.width = 140  # a log or a pipe: room for the tables rather than 80 columns
    from rich.text import Text

    config_lines = _config_finding_lines(result)
    for line in config_lines:
        console.print(Text.assemble(*line), soft_wrap=True)  # one line, as validate prints it
    if config_lines:
        console.print()
    if result.providers:
        console.print(fitted(console, _boxless(provider_table(result, result.source), plain)))
    for warning in _warnings(result):
        console.print(warning)
    if result.routing:
        console.print()
        console.print(fitted(console, _boxless(routing_table(result), plain)))
    console.print()
    if result.stored is not None:
        console.print(Text(_stored_line(result)))
    for line in _probe_problem_lines(result):
        console.print(Text.assemble(*line), soft_wrap=True)  # one line, as validate prints it
    console.print(_summary(result))


def _stored_line(result: ProbeResult) -> str:
    """One line on what Chroma holds (its findings follow with the others)."""
    stored = result.stored
    assert stored is not None
    what = {
        "ok": f"'conversations' holds {stored.dimension}-dimension vectors",
        "empty": "'conversations' holds no vector yet",
        "missing": "no 'conversations' collection yet",
        "too-old": f"v1 API only, 'conversations' holds {stored.dimension}-dimension vectors",
    }.get(stored.state, stored.state)
    api = f" ({stored.api} API, version {stored.version})" if stored.api else ""
    return f"Chroma at {stored.url}{api}: {what}"


def _config_finding_lines(result: ProbeResult) -> list[Line]:
    """validate's errors and warnings, and why an entry was not probed; the other notes only
    with --verbose (the JSON always has them all)."""
    from sekha_migrate.report.console import is_verbose

    lines: list[Line] = []
    for finding in result.config_findings:
        quiet_note = finding.severity is Severity.INFO and finding.code != "provider-not-probed"
        if quiet_note and not is_verbose():
            continue
        lines += finding_lines(finding, result.source)
    return lines


def _boxless(table: Any, plain: bool) -> Any:
    """Off a terminal: aligned columns without box drawing, readable in any CI log."""
    if plain:
        table.box = None
    return table




def _probe_problem_lines(result: ProbeResult) -> list[Line]:
    """What the probe found wrong, in the line every command prints a finding with."""
    lines: list[Line] = []
    for finding in result.probe_findings:
        if finding.severity is Severity.ERROR:
            lines += finding_lines(finding, result.source)
    return lines


# -- the provider table ------------------------------------------------------------------------


def provider_table(result: ProbeResult, source: str = "") -> Any:
    from rich.table import Table

    title = f"Providers in {source}" if source else "Providers"
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("provider", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column("URL")
    table.add_column("status", no_wrap=True)
    table.add_column("latency", no_wrap=True, justify="right")
    table.add_column("models")
    table.add_column("dimensions")
    table.add_column("breaker", no_wrap=True)
    for provider in result.providers:
        table.add_row(
            provider.id,
            provider.type,
            provider.base_url,
            _status_cell(provider),
            f"{provider.latency_ms:.0f} ms" if provider.latency_ms is not None else "—",
            _models_cell(provider),
            _dimensions_cell(provider.models),
            _breaker_cell(provider.breaker),
        )
    return table


def _status_cell(provider: ProviderProbe) -> str:
    style = _STATUS_STYLE.get(provider.status, "bold red")
    return f"[{style}]{provider.status.value}[/]"


def _models_cell(provider: ProviderProbe) -> str:
    models = provider.models
    if not models:
        return "none configured"
    if all(model.present is None for model in models):
        return f"{len(models)} not checked"
    ids = list(dict.fromkeys(m.model_id for m in models))
    missing = list(dict.fromkeys(m.model_id for m in models if m.present is False))
    found = len(ids) - len(missing)
    cell = f"{found}/{len(ids)} found"
    if missing:
        cell += "\n[bold red]missing: " + ", ".join(_escape(m) for m in missing) + "[/]"
    return cell


def _dimensions_cell(models: tuple[ModelCheck, ...]) -> str:
    parts = []
    for model in models:
        if model.task != "embedding":
            continue
        name = _escape(model.model_id)
        if model.dimension_measured is None:
            continue
        if model.dimension_mismatch:
            parts.append(
                f"[bold red]{name}: {model.dimension_measured} ≠ {model.dimension_expected}[/]"
            )
        else:
            parts.append(f"[green]{name}: {model.dimension_measured} ✓[/]")
    return "\n".join(parts) if parts else "—"


def _breaker_cell(breaker: dict[str, Any]) -> str:
    """`open, opened 12 s ago, 3 failed`; otherwise the state and how many checks failed."""
    state = str(breaker.get("state", "?"))
    style = {"closed": "green", "open": "bold red"}.get(state, "yellow")
    cell = f"[{style}]{state}[/]"
    since = breaker.get("time_since_state_change")
    if state == "open" and isinstance(since, (int, float)):
        cell += f", opened {seconds_ago(since)}"
    failures = breaker.get("total_failures") or 0
    return cell + (f", {failures} failed" if failures else "")


def seconds_ago(seconds: float) -> str:
    """`12 s ago`, `5 min ago`, `3 h ago`: how long ago, to a reader."""
    if seconds < 120:
        return f"{round(seconds)} s ago"
    if seconds < 2 * 3600:
        return f"{round(seconds / 60)} min ago"
    return f"{round(seconds / 3600)} h ago"


def _warnings(result: ProbeResult) -> list[str]:
    return [
        f"[yellow]![/] {provider.id}: {_escape(warning)}"
        for provider in result.providers
        for warning in provider.warnings
    ]


# -- routing and summary -----------------------------------------------------------------------


def routing_table(result: ProbeResult) -> Any:
    from rich.table import Table

    table = Table(title="Routing of default_models now", title_justify="left", header_style="bold")
    for column in ("default", "configured", "served by", "status", "why"):
        table.add_column(column)
    for row in result.routing:
        status = str(row.get("status", ""))
        served = "—"
        if row.get("provider_id"):
            served = f"{_escape(row['provider_id'])} / {_escape(row.get('model_id') or '')}"
            provider_status = row.get("provider_status")
            if provider_status and provider_status != ProbeStatus.OK.value:
                served += f"\n[bold red]probe: {provider_status}[/]"
        table.add_row(
            _escape(str(row.get("key", ""))),
            _escape(str(row.get("preferred_model") or "—")),
            served,
            f"[{_ROUTE_STYLE.get(status, 'bold red')}]{status}[/]",
            _escape(str(row.get("reason", ""))),
        )
    return table


def _summary(result: ProbeResult) -> str:
    providers = len(result.providers)
    models = sum(len(p.models) for p in result.providers)
    if result.ok:
        return (
            f"[green]✓[/] {providers} provider{'s' if providers != 1 else ''} answered; "
            f"all {models} configured model{'s' if models != 1 else ''} present"
        )
    count = len(result.problems())
    problems = f"{count} problem{'s' if count != 1 else ''}"
    if not result.providers:
        return f"[bold red]nothing probed[/]: {problems}"
    return f"[bold red]probe failed[/]: {problems}"


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
