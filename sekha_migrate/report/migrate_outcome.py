"""`sekha migrate` on the terminal: the plan before writing, and what apply_plan did."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from sekha_migrate.migrate.apply import ApplyResult, ApplyStatus
from sekha_migrate.migrate.results import MigrationPlan
from sekha_migrate.report.migrate import (
    print_issues,
    print_next_steps,
    print_summary,
    unified_diff,
)


def print_preview(plan: MigrationPlan, status: ApplyStatus, out: Any, *, diff: bool) -> None:
    """The keys read, the issues and (with `diff`) the diff, as seen before writing."""
    if status is ApplyStatus.REFUSED:
        return  # the refusal is the whole answer
    if status is ApplyStatus.ALREADY_V2:
        print_issues(plan, out)
        return
    print_summary(plan, out)
    if diff and status is not ApplyStatus.INVALID:
        typer.echo(unified_diff(plan), nl=False)


def print_outcome(result: ApplyResult, out: Any, *, diff: bool) -> None:
    """One line (or two) saying what happened; the dry run's YAML goes to stdout."""
    plan, status = result.plan, result.status
    if status is ApplyStatus.DRY_RUN and not diff:
        typer.echo(plan.text, nl=False)
    line = _LINES.get(status)
    text = line(result) if line is not None else None
    if text:
        out.print(text)
    if status is ApplyStatus.WRITTEN and result.stranded:
        out.print(
            f"{', '.join(result.stranded)} now refer to the environment: the keys are in "
            f"{result.secrets_file}; load it (e.g. env_file: in compose) where Sekha runs."
        )
    if status in (ApplyStatus.WRITTEN, ApplyStatus.DRY_RUN, ApplyStatus.UP_TO_DATE):
        print_next_steps(plan, out)


def _already_v2(result: ApplyResult) -> str:
    plan = result.plan
    return (f"{plan.output} is already canonical v2 ({plan.target} dialect): nothing to do "
            "(sekha validate checks its values).")


def _invalid(result: ApplyResult) -> str:
    if not result.plan.valid:
        return "Nothing was written: fix the errors above and run again."
    return ("--strict: the embedding dimension would be assumed; nothing was written. "
            "Pass --dimension N.")


def _dry_run(result: ApplyResult) -> str | None:
    if result.secrets_file is None:
        return None
    return f"(the secrets would be written to {result.secrets_file})"


def _written(result: ApplyResult) -> str:
    keys = f" and {result.secrets_file} (mode 0600)" if result.secrets_file else ""
    where = result.backup.directory if result.backup else ".sekha-backups/"
    return f"Wrote {result.plan.output}{keys}. Backup: {where} (undo with: sekha rollback)"


_LINES: dict[ApplyStatus, Callable[[ApplyResult], str | None]] = {
    ApplyStatus.ALREADY_V2: _already_v2,
    ApplyStatus.INVALID: _invalid,
    ApplyStatus.DRY_RUN: _dry_run,
    ApplyStatus.UP_TO_DATE: lambda result: (
        f"{result.plan.output} already holds this configuration: nothing written."
    ),
    ApplyStatus.CANCELLED: lambda result: "Cancelled. Nothing was written.",
    ApplyStatus.WRITTEN: _written,
}
