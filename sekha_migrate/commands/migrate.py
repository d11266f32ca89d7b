from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from sekha_migrate.commands.common import fail, stdin_is_terminal
from sekha_migrate.commands.options import Target


class Emit(str, Enum):
    """What migrate writes: the v2 file, or Kubernetes manifests holding it."""

    file = "file"
    k8s = "k8s"


if TYPE_CHECKING:  # imported where used, so `sekha --help` stays fast
    from sekha_migrate.migrate.overwrite import Refusal
    from sekha_migrate.migrate.results import MigrationPlan


def migrate_command(
    sources: list[Path] | None = typer.Argument(
        None,
        metavar="[SOURCES]...",
        help="v1 files to migrate (*.toml, v1 *.yaml, .env), lowest precedence first; or one "
        "v2 file to normalise. Default: config.toml, config.yaml/.yml and .env in --dir.",
        show_default=False,
    ),
    directory: Path | None = typer.Option(
        None, "--dir", "-d", help="Where to look for sources. Default: here.", show_default=False
    ),
    include_home: bool = typer.Option(
        False, "--include-home", help="Also read ~/.sekha/config.toml (above config.toml)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Where to write. Default: config.yaml in --dir.",
        show_default=False,
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", "-n",
        help="Write nothing: the v2 YAML goes to stdout, everything else to stderr.",
    ),
    diff: bool = typer.Option(
        False, "--diff",
        help="Show a unified diff against the existing output file (with --dry-run: exit 1 "
        "when they differ).",
    ),
    check: bool = typer.Option(
        False, "--check",
        help="Write nothing; exit 1 when writing would change the output (a CI guard).",
    ),
    schema_url: str | None = typer.Option(
        None, "--schema-url",
        help="Schema URL (or path relative to the output) for the editor modeline. Default: "
        "the output's own modeline, else the repository's copy of the schema (sekha schema "
        "--output schema/NAME), named relatively; else no modeline.",
        show_default=False,
    ),
    yes: bool = typer.Option(
        False, "--yes", "-y", help="Write without asking. Without a terminal nobody is asked."
    ),
    dimension: int | None = typer.Option(
        None, "--dimension", min=128, max=4096,
        help="Embedding dimension to write (overrides the table of known models).",
        show_default=False,
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Fail (exit 1) when the embedding dimension would be assumed."
    ),
    externalize_secrets: bool = typer.Option(
        False, "--externalize-secrets",
        help="Move literal API keys to an env file (mode 0600) and write ${VAR} references.",
    ),
    secrets_file: Path | None = typer.Option(
        None, "--secrets-file",
        help="The env file for --externalize-secrets. Default: sekha-secrets.env beside "
        "the output.", show_default=False,
    ),
    report: Path | None = typer.Option(
        None, "--report", help="Write the full report as JSON to this file.", show_default=False
    ),
    probe: bool = typer.Option(
        False, "--probe",
        help="Measure the embedding dimension by embedding one short string with the "
        "configured provider (instead of the table of known models).",
    ),
    chroma_url: str | None = typer.Option(
        None, "--chroma-url",
        help="With --probe: the Chroma whose stored vectors the new embedding dimension must "
        "match (default: the v1 controller's chroma_url, when a source set it).",
        show_default=False,
    ),
    chroma_token: str | None = typer.Option(
        None, "--chroma-token", envvar="CHROMA_TOKEN",
        help="A token for that Chroma (or CHROMA_TOKEN).", show_default=False,
    ),
    accept_reembedding: bool = typer.Option(
        False, "--accept-reembedding",
        help="With --probe: write even though Chroma holds vectors of another dimension "
        "(you will re-embed the stored memories; until then the controller recalls nothing).",
    ),
    target: Target | None = typer.Option(
        None, "--target", "-t",
        help="The dialect to write: docker (sekha-docker's schema; the default for v1 input), "
        "bridge (sekha-llm-bridge's config.yaml) or env (the compose environment, sekha.env). "
        "A v2 file stays in its own dialect unless this names another.",
        show_default=False,
    ),
    no_env: bool = typer.Option(
        False, "--no-env",
        help="Ignore SEKHA_* variables of this process (by default they override the files, "
        "as they do for the controller). ${VAR} in a .env or compose file is still "
        "interpolated from the shell, as docker compose does; run under `env -i` to "
        "interpolate from the files alone.",
    ),
    emit: Emit = typer.Option(
        Emit.file, "--emit",
        help="file: the v2 file (and a secrets env file); k8s: a Kubernetes ConfigMap "
        "(sekha-configmap.yaml, its config.yaml to mount at /app/config.yaml) and the keys as "
        "a Secret (sekha-secret.yaml, 0600) it names; keys are always moved out "
        "(--externalize-secrets).",
    ),
    force: bool = typer.Option(
        False, "--force",
        help="Replace an existing --output, --secrets-file or --report that sekha did not "
        "write (or that was edited since). Sources are never replaced by another flag.",
    ),
) -> None:
    """Migrate a v1 configuration (TOML, YAML, .env) to one valid v2 config.yaml.

    Every source file and the existing output are backed up to .sekha-backups/ before
    anything is written; `sekha rollback` undoes the migration. The result is validated
    first: if it would be invalid, nothing is written and the exit code is 1.
    """
    import os

    from sekha_migrate import exit_codes
    from sekha_migrate.errors import ProbeError
    from sekha_migrate.migrate.discover import MigrateUsageError
    from sekha_migrate.migrate.plan import MigrationRequest, plan_migration

    k8s_secret: Path | None = None  # with --emit k8s: where the Secret manifest goes
    if emit is Emit.k8s:
        from sekha_migrate.migrate.k8s_out import default_paths

        output, k8s_secret = default_paths(directory or Path("."), output, secrets_file)
        secrets_file = k8s_secret
        externalize_secrets = True
    request = MigrationRequest(
        sources=tuple(sources or ()),
        directory=directory if directory is not None else Path("."),
        output=output,
        include_home=include_home,
        environ={} if no_env else dict(os.environ),
        shell=dict(os.environ),
        dimension=dimension,
        externalize_secrets=externalize_secrets,
        secrets_file=secrets_file,
        target=target.value if target is not None else None,
        schema_url=schema_url,
        probe=probe,
        chroma_url=chroma_url,
        chroma_token=chroma_token,
        accept_reembedding=accept_reembedding,
    )
    try:
        plan = plan_migration(request)
    except MigrateUsageError as exc:
        fail("migrate", str(exc), exit_codes.USAGE)
    except ProbeError as exc:
        fail("migrate", f"{exc}; nothing was written", exit_codes.PROBLEMS)
    if k8s_secret is not None:
        from sekha_migrate.migrate.k8s_out import as_kubernetes

        plan = as_kubernetes(plan, k8s_secret)
    if check:
        _check(plan)
    _apply(plan, report, dry_run=dry_run, diff=diff, yes=yes, strict=strict, force=force)


def _check(plan: MigrationPlan) -> NoReturn:
    """--check: like `ruff format --check`, 0 when the output is up to date, else 1."""
    from sekha_migrate import exit_codes

    if plan.up_to_date:  # canonical v2 counts as up to date
        typer.echo(f"{plan.output} is up to date")
        raise typer.Exit(exit_codes.OK)
    why = "is not valid" if not plan.valid else "would change"
    typer.echo(f"{plan.output} {why}: run sekha-migrate migrate", err=True)
    raise typer.Exit(exit_codes.PROBLEMS)


def _apply(
    plan: MigrationPlan, report: Path | None, *, dry_run: bool, diff: bool, yes: bool, strict: bool,
    force: bool,
) -> NoReturn:
    """apply_plan, rendered; on a terminal the user sees the plan before being asked."""
    from sekha_migrate import exit_codes
    from sekha_migrate.io import standard_stream
    from sekha_migrate.migrate.apply import ApplyError, ApplyStatus, apply_plan
    from sekha_migrate.report.console import make_writer
    from sekha_migrate.report.migrate_outcome import print_outcome, print_preview

    # `--report /dev/stdout | jq` reads the report alone: the rest goes to stderr.
    info = make_writer(stderr=dry_run or (report is not None and standard_stream(report) == 1))
    previewed: list[bool] = []

    def ask(plan: MigrationPlan) -> bool:
        if not stdin_is_terminal():
            return True  # nobody could answer; the backup makes going ahead safe
        print_preview(plan, ApplyStatus.WRITTEN, info, diff=diff)
        previewed.append(True)
        return typer.confirm(f"Write {plan.output}?", default=True)

    try:
        result = apply_plan(plan, force=force, dry_run=dry_run, strict=strict, report=report,
                            confirm=None if yes else ask)
    except ApplyError as exc:
        fail("migrate", str(exc), exit_codes.PROBLEMS)
    if result.status is ApplyStatus.REFUSED:
        _refused(result.refusals)
    if not previewed:
        print_preview(plan, result.status, info, diff=diff)
    print_outcome(result, info, diff=diff)
    # `--diff --dry-run` is a preview that fails on a difference, as `ruff format --diff`;
    # a cancelled run did not do what was asked, so a script must not carry on as if it had.
    differs = diff and result.status is ApplyStatus.DRY_RUN and not plan.up_to_date
    raise typer.Exit(exit_codes.OK if result.ok and not differs else exit_codes.PROBLEMS)


def _refused(found: Sequence[Refusal]) -> NoReturn:
    """Each reason not to write, then what would let the run go ahead (exit 2)."""
    from sekha_migrate import exit_codes

    for item in found:
        typer.echo(f"sekha migrate: {item.reason}", err=True)
    hint = "pass --force to replace it, or " if all(i.forceable for i in found) else ""
    fail("migrate", f"nothing was written; {hint}choose another path", exit_codes.USAGE)
