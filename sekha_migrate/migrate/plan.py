"""plan_migration: from v1 sources (or a v2 file in another dialect) to the v2 text, with
the origin of every value and the fate of every key read. Writes nothing."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sekha_migrate.dialects.yaml_text import render_document
from sekha_migrate.findings import Finding, Severity, format_path
from sekha_migrate.migrate import v1_rules as rules
from sekha_migrate.migrate.build import build_v2
from sekha_migrate.migrate.dialect import looks_like_v2
from sekha_migrate.migrate.discover import (
    MigrateUsageError,
    SourceFile,
    SourceKind,
    discover_sources,
    explicit_sources,
    home_source,
    v1_home,
)
from sekha_migrate.migrate.next_steps import next_steps
from sekha_migrate.migrate.plan_output import (
    at_origin,
    output_header,
    read_existing,
    shown_path,
    validate_output,
    validation_issues,
)
from sekha_migrate.migrate.plan_v2 import plan_v2
from sekha_migrate.migrate.readings import SourceReading, load_source, read_process_env
from sekha_migrate.migrate.results import ENVIRONMENT, MigrationPlan, Origin, PlanKind
from sekha_migrate.migrate.secrets_out import (
    Sources,
    holds_literal_secrets,
    place_secrets,
    secrets_file_text,
)
from sekha_migrate.migrate.v1_accounting import (
    account_reads,
    effective_values,
    read_issues,
    set_for_the_controller,
    type_reads,
)
from sekha_migrate.model import facts, loaders
from sekha_migrate.sources.text import UnreadablePathError

if TYPE_CHECKING:
    from sekha_migrate.dialects.base import Written
    from sekha_migrate.effective.values import EffectiveConfig
    from sekha_migrate.migrate.effects import Effects

SECRETS_FILE_NAME = "sekha-secrets.env"


@dataclass(frozen=True)
class MigrationRequest:
    sources: Sequence[Path] = ()  # explicit SOURCES; empty: discover them in `directory`
    directory: Path = Path(".")
    output: Path | None = None  # default: config.yaml in `directory`
    include_home: bool = False
    home: Path | None = None  # default: the user's home directory
    # The process environment. Only SEKHA_* names are read from it (as the controller
    # does); pass {} to read files only (`--no-env`).
    environ: Mapping[str, str] = field(default_factory=dict)
    # The variables compose interpolation sees (`${VAR}` in a .env or compose file), as the
    # shell would give them to `docker compose`; None: the same as `environ`. `--no-env`
    # keeps the shell here: it stops SEKHA_* settings, not the files' own interpolation.
    shell: Mapping[str, str] | None = None
    dimension: int | None = None
    measured_dimension: int | None = None
    externalize_secrets: bool = False
    secrets_file: Path | None = None
    # The dialect to write: docker, bridge or env. None: docker for v1 sources, and a v2
    # file stays in the dialect it is written in.
    target: str | None = None
    schema_url: str | None = None  # for the editor modeline (modelines.schema_reference)
    # Measure the embedding dimension with the configured provider (one embedding request)
    # instead of the table of known models; its ${VARS} come from this process's environment.
    probe: bool = False
    # With `probe`, Chroma is asked for the dimension of the vectors it holds (at this
    # address, else the v1 controller's chroma_url when a source set it), and a plan whose
    # embedding dimension differs is refused unless `accept_reembedding` says it is meant.
    chroma_url: str | None = None
    chroma_token: str | None = None
    accept_reembedding: bool = False


def default_output(directory: Path, target: str | None) -> Path:
    """Where a migration writes when --output is not given: config.yaml for the YAML
    dialects (the bridge reads config.yaml by default too), sekha.env for compose."""
    return directory / ("sekha.env" if target == "env" else "config.yaml")


def plan_migration(request: MigrationRequest) -> MigrationPlan:
    """The migration `request` asks for, written nowhere. MigrateUsageError when the request
    names nothing to migrate (or cannot be met); with `probe`, ProbeError when the provider
    cannot measure the dimension."""
    if request.target not in (None, "docker", "bridge", "env"):
        raise MigrateUsageError(f"--target {request.target!r}: choose docker, bridge or env")
    if request.probe and request.dimension is not None:
        raise MigrateUsageError("--probe measures the dimension; --dimension sets it: choose one")
    from sekha_migrate.migrate.as_written import as_written

    request = as_written(request)
    plan = _plan(request)
    if request.probe and plan.embedding is not None:
        from sekha_migrate.migrate.probe_dimension import measure_plan_dimension

        measured = measure_plan_dimension(plan, env={**os.environ, **dict(plan.secrets)})
        plan = _plan(replace(request, measured_dimension=measured))
    plan, effects = _with_effects(plan, request.environ)
    if request.probe and plan.embedding is not None:
        plan = _against_stored_vectors(plan, request, effects)
    return plan


def _against_stored_vectors(plan: MigrationPlan, request: MigrationRequest,
                            effects: Effects | None) -> MigrationPlan:
    """Refuse a plan that would orphan the memories Chroma holds: a new embedding dimension
    makes Chroma reject every vector the controller stores or searches with."""
    from sekha_migrate.probe.chroma import read_stored_vectors, stored_findings

    url = request.chroma_url
    if url is None and effects is not None:
        setting = effects.before.settings.get("chroma_url")
        url = str(setting.value) if setting is not None and not setting.origin.is_default else None
    if url is None:
        return plan
    assert plan.embedding is not None
    stored = read_stored_vectors(url, token=request.chroma_token)
    found = stored_findings(stored, plan.embedding.model, plan.embedding.dimension)
    if request.accept_reembedding:
        found = [replace(f, severity=Severity.WARNING,
                         message=f"{f.message} (accepted with --accept-reembedding: re-embed "
                         "the stored memories before the controller runs with it)")
                 if f.code == "chroma-dimension-mismatch" else f for f in found]
    elif any(f.code == "chroma-dimension-mismatch" for f in found):
        found = [replace(f, hint=f"{f.hint}; or pass --accept-reembedding if you mean to")
                 if f.code == "chroma-dimension-mismatch" else f for f in found]
    return replace(plan, findings=(*plan.findings, *found))


def _with_effects(plan: MigrationPlan, environ: Mapping[str, str]
                  ) -> tuple[MigrationPlan, Effects | None]:
    """What the written file changes in what its reader runs with (see migrate.effects)."""
    from sekha_migrate.migrate.effects import migration_effects

    effects = migration_effects(plan, environ)
    if effects is None:
        return plan, None
    # A file its reader would refuse at start is an error of the migration, whatever the
    # schema says.
    stops = [f for f in effects.after.findings if f.code == "would-not-start"]
    return replace(plan, effects=effects.changes,
                   findings=(*plan.findings, *stops, *_public_key(effects.after))), effects


def _public_key(after: EffectiveConfig) -> list[Finding]:
    """The controller the migration leaves would run with its public default key (v1 did
    too, when nothing changes: all the more reason to say it)."""
    if after.component != loaders.CONTROLLER:
        return []
    if after.value("mcp_api_key") != loaders.PUBLIC_DEFAULT_KEY:
        return []
    return [Finding(
        Severity.WARNING, "public-default-key",
        "no source gives the controller an mcp_api_key: it runs with its public default key "
        f"({loaders.PUBLIC_DEFAULT_KEY!r}), which authenticates every MCP call",
        hint="generate a key (openssl rand -hex 32) and set SEKHA__MCP_API_KEY in the "
        "controller's environment, or mcp_api_key in its file")]


def _plan(request: MigrationRequest) -> MigrationPlan:
    sources = _sources(request)
    shell = request.environ if request.shell is None else request.shell
    readings = _compose_variables([_load(source, shell) for source in sources])
    v2_files: list[SourceReading] = []
    v1_readings: list[SourceReading] = []
    for reading in readings:
        is_v2 = reading.source.kind is SourceKind.YAML and looks_like_v2(reading.data)
        (v2_files if is_v2 else v1_readings).append(reading)
    output = request.output or default_output(request.directory, request.target)
    if not readings:
        raise MigrateUsageError(
            f"no configuration found in {request.directory} (looked for "
            "config.toml, config.yaml/.yml/.json, .env and docker-compose*.yml / compose*.yml); "
            "name the files to migrate"
        )
    if not v1_readings:
        if len(v2_files) != 1:
            names = ", ".join(r.source.name for r in v2_files)
            raise MigrateUsageError(f"several v2 files to normalise ({names}); name one")
        return plan_v2(v2_files[0], request)
    if v2_files and request.sources:
        names = ", ".join(r.source.name for r in v2_files)
        raise MigrateUsageError(
            f"{names} is already v2; migrate the v1 files alone, or normalise it on its own"
        )
    plan = _plan_v1(v1_readings, request, output)
    replaced = [r for r in v2_files if r.source.path.resolve() == output.resolve()]
    if replaced and not plan.up_to_date:
        names = ", ".join(shown_path(s.path, output.parent) for s in plan.sources)
        warning = Finding(
            Severity.WARNING, "replaces-v2",
            f"{output} is already a v2 file; migrating {names} replaces it "
            "(it is backed up first)",
            file=str(output), hint="use --output to write somewhere else, or --diff to compare",
        )
        plan = replace(plan, findings=(*plan.findings, warning))
    return plan


def _sources(request: MigrationRequest) -> list[SourceFile]:
    home = _home(request)
    if request.sources:
        found = explicit_sources(list(request.sources))
        if request.include_home:
            found += home_source(home)
        return sorted(found, key=lambda source: source.layer)
    return discover_sources(request.directory, include_home=request.include_home, home=home)


def _compose_variables(readings: list[SourceReading]) -> list[SourceReading]:
    """A .env beside a compose file holds the variables compose interpolates: its values
    reach the services through the compose file, so it is not read as settings again."""
    compose_dirs = {r.source.path.parent.resolve() for r in readings if r.is_compose}
    for reading in readings:
        if (reading.source.kind is SourceKind.ENV and reading.source.path.name == ".env"
                and reading.source.path.parent.resolve() in compose_dirs):
            reading.reads = [
                replace(read, setting=None, component_key=None, index_path=(),
                        note="a variable docker compose interpolates into the compose file")
                for read in reading.reads
            ]
    return readings


def _home(request: MigrationRequest) -> Path:
    if request.home is not None:
        return request.home
    return v1_home(os.environ)


def _load(source: SourceFile, environ: Mapping[str, str]) -> SourceReading:
    try:
        return load_source(source, environ)
    except UnreadablePathError as exc:
        raise MigrateUsageError(exc.message) from None


# ---- v1 -----------------------------------------------------------------------------------


def _plan_v1(
    readings: list[SourceReading], request: MigrationRequest, output: Path
) -> MigrationPlan:
    issues = [issue for reading in readings for issue in reading.issues]
    raw = [read for reading in readings for read in reading.reads]
    raw += read_process_env(request.environ)
    typed, invalid, issues_typed = type_reads(raw)
    issues += issues_typed
    values, overridden = effective_values(raw, typed)
    dimension = (
        (request.dimension, Origin(None, key="--dimension")) if request.dimension else None
    )
    env_files = {r.source.name for r in readings
                 if r.source.kind is SourceKind.ENV or r.is_compose}
    built = build_v2(values, dimension=dimension, measured_dimension=request.measured_dimension,
                     controller_set=set_for_the_controller(raw, typed))
    issues += built.issues
    indexed, indexed_issues = rules.apply_indexed(built, raw)
    issues += indexed_issues
    components = rules.component_settings(raw, typed)
    reads = account_reads(raw, typed, invalid, overridden, built, indexed, components)
    issues += read_issues(reads, raw, env_files | {ENVIRONMENT})
    issues += rules.unset_variable_issues(raw)
    refusal = rules.no_settings_issue(readings)
    if refusal is not None and not any(i.severity is Severity.ERROR for i in issues):
        issues.append(refusal)
    issues += rules.layout_issues(readings, output, _home(request), request.include_home)
    provenance = dict(built.provenance)
    target = request.target or "docker"
    secrets_path = request.secrets_file or output.parent / SECRETS_FILE_NAME
    placement = place_secrets(
        built.document, provenance, _secret_sources(readings, env_files, secrets_path, output),
        target=target, externalize=request.externalize_secrets,
    )
    document, secrets = placement.document, placement.secrets
    secrets_file = secrets_path if secrets else None
    sources = tuple(reading.source for reading in readings)
    header = output_header(list(sources), output, target, request.schema_url)
    if target == "docker":
        text = render_document(document, header=header, absent=placement.notes)
    else:
        from sekha_migrate.convert import render_written

        written = _write_target(document, components.values.get("bridge", {}), target,
                                provenance)
        text = render_written(written, header=header, absent=placement.notes)
        issues += [at_origin(finding, provenance) for finding in written.findings()]
    variables = {k: v for r in readings for k, v in r.variables.items()}
    # The output's ${VAR} stand for the values that were read (interpolated), never for
    # the raw text of the line they were read from.
    check_env = {**variables, **rules.values_read(raw, env_files | {ENVIRONMENT}),
                 **dict(secrets)}
    validation = validate_output(text, output, check_env, target)
    issues += validation_issues(validation, output, provenance)
    return MigrationPlan(
        PlanKind.V1,
        sources,
        output,
        document,
        text,
        provenance=provenance,
        reads=tuple(reads),
        findings=tuple(issues),
        embedding=built.embedding,
        secrets=secrets,
        secrets_file=secrets_file,
        secrets_text=secrets_file_text(secrets),
        holds_literal_secrets=holds_literal_secrets(document),
        existing_output=read_existing(output),
        validation=validation,
        target=target,
        component_settings=components.values,
        component_provenance=components.origins,
        next_steps=next_steps(
            target=target, output=output, secrets_file=secrets_file, placed=placement.placed,
            reads=reads, compose_files={r.source.name for r in readings if r.is_compose},
        ),
    )


def _secret_sources(
    readings: list[SourceReading], env_files: set[str], secrets_file: Path, output: Path
) -> Sources:
    """Which origins are environments, and which of them hand their SEKHA__ names to the
    controller as they are: the process, a `.env` dotenvy reads, a compose service (an
    env_file: it names is no source of its own)."""
    names = {r.source.name for r in readings}
    read_as_is = {ENVIRONMENT}
    read_as_is |= {r.source.name for r in readings if r.is_compose or (
        r.source.kind is SourceKind.ENV and r.source.path.name == loaders.CONTROLLER_DOTENV)}
    environments = env_files | {ENVIRONMENT}
    env_file_origins = {read.origin.file for r in readings for read in r.reads
                        if read.origin.file is not None and read.origin.file not in names}
    return Sources(environments | env_file_origins, read_as_is | env_file_origins,
                   shown_path(secrets_file, output.parent), output.parent)


def _write_target(
    document: Mapping[str, Any], bridge_own: Mapping[str, Any], target: str,
    provenance: Mapping[str, Origin],
) -> Written:
    """The v1 result in another dialect: the docker document through the model, with the
    bridge's own settings (its port, Celery URLs) given to the bridge's file, where they
    belong, and only there. The controller's settings that no source gave (its defaults)
    are not the bridge file's to mention: only those the input held are reported."""
    from sekha_migrate.convert import write_config
    from sekha_migrate.dialects import docker

    config = docker.read(document)
    if target == "bridge":
        own = {k: v for k, v in bridge_own.items() if k in facts.BRIDGE_SETTINGS}
        given = {k: v for k, v in config.controller.items()
                 if (origin := provenance.get(format_path((k,)))) and not origin.is_default}
        config = replace(config, bridge={**config.bridge, **own}, controller=given)
    return write_config(config, target)
