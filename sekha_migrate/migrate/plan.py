"""plan_migration: from v1 sources (or a v2 file in another dialect) to the v2 text, with
the origin of every value and the fate of every key read. Writes nothing."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sekha_migrate.dialects import detect_dialect
from sekha_migrate.dialects.yaml_text import render_document
from sekha_migrate.findings import DataPath, FileResult, Finding, Mark, Severity, format_path
from sekha_migrate.migrate import v1_rules as rules
from sekha_migrate.migrate.build import Built, build_v2
from sekha_migrate.migrate.dialect import Rename, looks_like_v2, normalise_document
from sekha_migrate.migrate.discover import (
    MigrateUsageError,
    SourceFile,
    SourceKind,
    discover_sources,
    explicit_sources,
    home_source,
    user_home,
    v1_home,
)
from sekha_migrate.migrate.next_steps import next_steps
from sekha_migrate.migrate.readings import RawRead, SourceReading, load_source, read_process_env
from sekha_migrate.migrate.results import (
    BUILT_IN,
    ENVIRONMENT,
    KeyRead,
    KeyStatus,
    MigrationPlan,
    Origin,
    PlanKind,
    origin_at,
)
from sekha_migrate.migrate.secrets_out import (
    Sources,
    holds_literal_secrets,
    place_secrets,
    secrets_file_text,
)
from sekha_migrate.model import facts, loaders, v1, v1_components, v2
from sekha_migrate.model.masking import is_secret_name
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
        return _plan_v2(v2_files[0], request)
    if v2_files and request.sources:
        names = ", ".join(r.source.name for r in v2_files)
        raise MigrateUsageError(
            f"{names} is already v2; migrate the v1 files alone, or normalise it on its own"
        )
    plan = _plan_v1(v1_readings, request, output)
    replaced = [r for r in v2_files if r.source.path.resolve() == output.resolve()]
    if replaced and not plan.up_to_date:
        names = ", ".join(_shown(s.path, output.parent) for s in plan.sources)
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


# ---- v2 in another dialect -----------------------------------------------------------------


def _plan_v2(reading: SourceReading, request: MigrationRequest) -> MigrationPlan:
    """A v2 file stays in its consumer's dialect unless --target names another; only
    drifted key names are normalised within the docker dialect."""
    source_dialect = detect_dialect(reading.data) or "docker"
    target = request.target or source_dialect
    if source_dialect == target == "docker":
        return _plan_dialect(reading, request.output or reading.source.path, request.schema_url)
    return _plan_conversion(reading, source_dialect, target, request)


def _conversion_output(reading: SourceReading, target: str, request: MigrationRequest) -> Path:
    """Never the input itself unless --output names it: config.yaml -> config.docker.yaml."""
    if request.output is not None:
        return request.output
    source = reading.source.path
    if target == "env":
        return source.parent / "sekha.env"
    return source.with_name(f"{source.stem}.{target}{source.suffix or '.yaml'}")


def _plan_conversion(
    reading: SourceReading, source_dialect: str, target: str, request: MigrationRequest
) -> MigrationPlan:
    from sekha_migrate.convert import read_config, render_written, write_config
    from sekha_migrate.sources.yaml_comments import comments_by_key
    from sekha_migrate.sources.yaml_doc import load_yaml

    file = reading.source.name
    checked = _validate(reading.text or "", reading.source.path, {}, source_dialect)
    # How the source's own consumer would read a ${VAR} does not stop a conversion: the
    # converted text is validated under the target's rules below.
    errors = [replace(f, file=file) for f in checked.findings
              if f.severity is Severity.ERROR and f.code != "literal-placeholder"]
    if source_dialect == target or errors:
        # Already in the target dialect: nothing to write, or nothing safe to convert.
        return MigrationPlan(PlanKind.CANONICAL if not errors else PlanKind.DIALECT,
                             (reading.source,), reading.source.path, reading.data, "",
                             findings=(*reading.issues, *errors), validation=checked,
                             target=target)
    output = _conversion_output(reading, target, request)
    written = write_config(read_config(reading.data, source_dialect), target)
    kept = comments_by_key(reading.text or "", load_yaml(reading.text or "").key_marks)
    header = _header([reading.source], output, target, request.schema_url)
    text = render_written(written, header=header, comments=kept.get)
    validation = _validate(text, output, {}, target)
    provenance = _conversion_provenance(reading, written.links)
    issues = list(reading.issues)
    issues += [replace(f, file=file) for f in written.findings()]
    issues += _validation_issues(validation, output, provenance)
    return MigrationPlan(
        PlanKind.DIALECT,
        (reading.source,),
        output,
        written.document,
        text,
        provenance=provenance,
        findings=tuple(issues),
        holds_literal_secrets=holds_literal_secrets(written.document),
        existing_output=_read_existing(output),
        validation=validation,
        target=target,
    )


def _conversion_provenance(
    reading: SourceReading, links: Mapping[DataPath, DataPath]
) -> dict[str, Origin]:
    """Each written key's origin: the line it stood on in the file converted."""
    provenance: dict[str, Origin] = {}
    for out, source in links.items():
        mark = reading.key_mark(source) if reading.key_mark else None
        provenance[format_path(out)] = Origin(
            reading.source.name, mark.line if mark else None, mark.column if mark else None,
            ".".join(str(part) for part in source),
        )
    return provenance


def _plan_dialect(
    reading: SourceReading, output: Path, schema_url: str | None = None
) -> MigrationPlan:
    document, renames = normalise_document(reading.data)
    existing = _read_existing(output)
    same_file = output.resolve() == reading.source.path.resolve()
    if not renames and same_file:
        # Already v2: nothing to convert, but an invalid file is not "nothing to do".
        own = _validate(reading.text or "", output, {})
        errors = [replace(f, file=reading.source.name)
                  for f in own.findings if f.severity is Severity.ERROR]
        kind = PlanKind.DIALECT if errors else PlanKind.CANONICAL
        return MigrationPlan(kind, (reading.source,), output, document, "",
                             findings=(*reading.issues, *errors), existing_output=existing,
                             validation=own)
    file = reading.source.name
    issues = list(reading.issues)
    for rename in renames:
        severity = Severity.WARNING if rename.conflict else Severity.INFO
        mark = _dialect_mark(reading, rename.path)
        issues.append(Finding(severity, "dialect-key", rename.describe(), file=file,
                              line=mark.line if mark else None,
                              column=mark.column if mark else None,
                              path=format_path(rename.path)))
    provenance = _dialect_provenance(reading, document, renames)
    text = render_document(document, header=_header([reading.source], output, "docker", schema_url))
    validation = _validate(text, output, {})
    return MigrationPlan(
        PlanKind.DIALECT,
        (reading.source,),
        output,
        document,
        text,
        provenance=provenance,
        findings=tuple(issues + _validation_issues(validation, output, provenance)),
        holds_literal_secrets=holds_literal_secrets(document),
        existing_output=existing,
        validation=validation,
    )


def _dialect_mark(reading: SourceReading, path: DataPath) -> Mark | None:
    """Where a (possibly renamed) path was written: paths below a renamed top-level key
    (`providers` -> `llm_providers`) are looked up under the name the file used."""
    if reading.key_mark is None:
        return None
    data = reading.data
    if path and isinstance(data, dict) and path[0] not in data:
        for written in data:
            if v2.DIALECT_KEYS[v2.ROOT].get(written) == path[0]:
                path = (written, *path[1:])
                break
    return reading.key_mark(path)


def _dialect_provenance(
    reading: SourceReading, document: Mapping[str, Any], renames: Sequence[Rename]
) -> dict[str, Origin]:
    # A renamed key's value was written under its old name.
    written_as = {(*r.path[:-1], r.canonical): r.path for r in renames if "." not in r.canonical}

    def walk(value: Any, path: DataPath) -> None:
        # Containers too: a finding about a key missing from a mapping is told at the
        # mapping's own line in the source, never at a line of the generated text.
        written = written_as.get(path, path)
        mark = _dialect_mark(reading, written)
        if path:
            provenance[format_path(path)] = Origin(
                reading.source.name, mark.line if mark else None,
                mark.column if mark else None, ".".join(str(p) for p in written),
            )
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))

    provenance: dict[str, Origin] = {}
    walk(document, ())
    return provenance


# ---- v1 -----------------------------------------------------------------------------------


def _plan_v1(
    readings: list[SourceReading], request: MigrationRequest, output: Path
) -> MigrationPlan:
    issues = [issue for reading in readings for issue in reading.issues]
    raw = [read for reading in readings for read in reading.reads]
    raw += read_process_env(request.environ)
    typed, invalid, issues_typed = _type_reads(raw)
    issues += issues_typed
    values, overridden = _effective(raw, typed)
    dimension = (
        (request.dimension, Origin(None, key="--dimension")) if request.dimension else None
    )
    env_files = {r.source.name for r in readings
                 if r.source.kind is SourceKind.ENV or r.is_compose}
    built = build_v2(values, dimension=dimension, measured_dimension=request.measured_dimension,
                     controller_set=_set_for_the_controller(raw, typed))
    issues += built.issues
    indexed, indexed_issues = rules.apply_indexed(built, raw)
    issues += indexed_issues
    components = rules.component_settings(raw, typed)
    reads = _account(raw, typed, invalid, overridden, built, indexed, components)
    issues += _read_issues(reads, raw, env_files | {ENVIRONMENT})
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
    header = _header(list(sources), output, target, request.schema_url)
    if target == "docker":
        text = render_document(document, header=header, absent=placement.notes)
    else:
        from sekha_migrate.convert import render_written

        written = _write_target(document, components.values.get("bridge", {}), target,
                                provenance)
        text = render_written(written, header=header, absent=placement.notes)
        issues += [_at_origin(finding, provenance) for finding in written.findings()]
    variables = {k: v for r in readings for k, v in r.variables.items()}
    # The output's ${VAR} stand for the values that were read (interpolated), never for
    # the raw text of the line they were read from.
    check_env = {**variables, **rules.values_read(raw, env_files | {ENVIRONMENT}),
                 **dict(secrets)}
    validation = _validate(text, output, check_env, target)
    issues += _validation_issues(validation, output, provenance)
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
        existing_output=_read_existing(output),
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
                   _shown(secrets_file, output.parent), output.parent)


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


def _type_reads(
    raw: list[RawRead],
) -> tuple[dict[int, Any], dict[int, str], list[Finding]]:
    """Typed values by read index; the reads whose value could not be typed, and why.
    Empty values stay untyped: they mean unset."""
    typed: dict[int, Any] = {}
    invalid: dict[int, str] = {}
    issues: list[Finding] = []
    for index, read in enumerate(raw):
        key = rules.typing_key(read)
        if key is None:
            continue
        try:
            typed[index] = rules.effective_value(read, v1.coerce_value(key, read.value))
        except (v1.V1ValueError, RecursionError) as exc:
            reason = str(exc) if isinstance(exc, v1.V1ValueError) else "nested too deeply"
            if read.secret_from:  # the reason quotes the value, and the value holds a secret
                reason = f"not a valid {key} (the value, built from {read.secret_from}, " \
                    "is not shown)"
            invalid[index] = reason
            origin = read.origin
            issues.append(Finding(
                Severity.ERROR, "invalid-value", f"{origin.key}: {reason}",
                file=origin.file, line=origin.line, column=origin.column,
            ))
    return typed, invalid, issues


def _set_for_the_controller(raw: list[RawRead], typed: dict[int, Any]) -> frozenset[str]:
    """Settings whose winning read is the controller's own (the bridge's OLLAMA_BASE_URL
    sets the registry's Ollama, not the controller's ollama_url)."""
    winners: dict[str, str] = {}
    for index, read in enumerate(raw):
        if index in typed and rules.counts_for_docker(read) and read.setting is not None:
            winners[read.setting] = read.component
    return frozenset(s for s, component in winners.items() if component == loaders.CONTROLLER)


def _effective(
    raw: list[RawRead], typed: dict[int, Any]
) -> tuple[dict[str, tuple[Any, Origin]], dict[int, int]]:
    """Defaults overlaid by every typed read in precedence order (a later read wins).

    Returns the values, and for each overridden read the index of the read that replaced it."""
    values: dict[str, tuple[Any, Origin]] = {
        setting: (default, BUILT_IN) for setting, default in v1.V1_DEFAULTS.items()
    }
    winners: dict[str, int] = {}
    overridden: dict[int, int] = {}
    for index, read in enumerate(raw):
        if index not in typed or not rules.counts_for_docker(read):
            continue
        assert read.setting is not None
        if read.setting in winners:
            overridden[winners[read.setting]] = index
        winners[read.setting] = index
        values[read.setting] = (typed[index], read.origin)
    return values, overridden


def _account(
    raw: list[RawRead],
    typed: dict[int, Any],
    invalid: dict[int, str],
    overridden: dict[int, int],
    built: Built,
    indexed: dict[int, str],
    components: rules.ComponentSettings,
) -> list[KeyRead]:
    """What became of every key read: mapped (where to), overridden, invalid or unmappable."""
    reads = []
    for index, read in enumerate(raw):
        secret = (read.setting in v1.SECRET_V1_KEYS or is_secret_name(read.origin.key)
                  or read.secret_from is not None)
        value = rules.reportable(typed.get(index, read.value))
        base = KeyRead(read.origin, value, read.setting, KeyStatus.UNMAPPABLE,
                       note=read.note, secret=secret, component=read.component)
        winner = overridden.get(index, components.overridden.get(index))
        if not read.is_sekha:
            reads.append(replace(base, note=read.note or "not a v1 setting"))
        elif index in invalid:
            reads.append(replace(base, status=KeyStatus.INVALID, note=invalid[index]))
        elif rules.is_empty(read.value) and index not in typed:
            reads.append(replace(base, note=_empty_note(read)))
        elif read.index_path:
            target = indexed.get(index)
            reads.append(replace(base, status=KeyStatus.MAPPED, targets=(target,)) if target
                         else replace(base, note="no entry at that index"))
        elif winner is not None:
            reads.append(replace(base, status=KeyStatus.OVERRIDDEN,
                                 note=f"overridden by {raw[winner].origin.describe()}"))
        elif index in components.owner:
            status, targets, note = rules.component_status(read, *components.owner[index])
            reads.append(replace(base, status=status, targets=targets, note=note))
        elif read.setting and built.uses.get(read.setting):
            reads.append(replace(base, status=KeyStatus.MAPPED,
                                 targets=tuple(built.uses[read.setting])))
        elif read.setting in built.replaced:
            reads.append(replace(base, status=KeyStatus.OVERRIDDEN,
                                 note=f"replaced by {built.replaced[read.setting]}"))
        else:
            reads.append(replace(base, note=read.note or _unused_reason(read, value)))
    return reads


def _empty_note(read: RawRead) -> str:
    """An empty SEKHA__ name is a value to the controller (config-rs sets ""), and it stays
    in the environment it was read from; to the other programs empty means unset."""
    if read.value is None:
        return "no value: unset"
    if read.component == loaders.CONTROLLER and loaders.controller_env_key(read.origin.key):
        return ("empty: the controller reads it as \"\" (an empty variable is a value), and "
                "it still overrides the v2 file while it is set")
    return "empty: unset, as v1 read it"


def _unused_reason(read: RawRead, value: Any) -> str:
    if value in ("", None):
        return "empty value"
    return "v2 has no place for this setting"


def _read_issues(reads: list[KeyRead], raw: list[RawRead], env_files: set[str]) -> list[Finding]:
    """Misplaced keys, names v1 never read, and keys v2 cannot hold. Unrelated names in
    environment files (a compose project's POSTGRES_PASSWORD) are only noted; in config
    files, and for unknown SEKHA__ names, they are warned about: likely typos."""
    issues = []
    for read, source in zip(reads, raw, strict=True):
        origin = read.origin
        if read.status is KeyStatus.MAPPED and read.note:
            issues.append(Finding(
                Severity.WARNING, "misplaced-key",
                f"{origin.key}: {read.note}, where it does not belong; mapped to "
                f"{', '.join(read.targets)}",
                file=origin.file, line=origin.line, column=origin.column,
                hint="move it to where v1 expects it, or leave it: the v2 file is what counts",
            ))
        elif source.never_read and (issue := rules.never_read_issue(read)) is not None:
            issues.append(issue)
        elif read.status is KeyStatus.UNMAPPABLE:
            name = origin.key.upper()
            loud_name = source.setting is None and (
                name.startswith("SEKHA__") or name in v1_components.DEAD_NAMES)
            quiet = (origin.file in env_files or source.is_sekha) and not loud_name
            issues.append(Finding(
                Severity.INFO if quiet else Severity.WARNING,
                "unmappable-key",
                f"{origin.key} is not carried to v2: {read.note}; "
                "its value stays in the backup",
                file=origin.file, line=origin.line, column=origin.column,
            ))
    return issues


# ---- shared -------------------------------------------------------------------------------


_READERS = {
    "docker": 'Sekha configuration, format "2.0" (see: sekha schema).',
    "bridge": "Sekha LLM bridge configuration (its CONFIG_PATH; see: sekha schema --target "
    "bridge).",
    "env": "Sekha settings for docker compose: use it as the compose project's .env or in "
    "env_file:.",
}


def _header(
    sources: list[SourceFile], output: Path, target: str = "docker", schema_url: str | None = None
) -> list[str]:
    names = ", ".join(_shown(source.path, output.parent) for source in sources)
    return [
        *_modeline(output, target, schema_url),
        _READERS[target],
        f"Written by sekha migrate from {names}.",
        "Check it with: sekha validate" + (" --target env" if target == "env" else ""),
    ]


def _modeline(output: Path, target: str, schema_url: str | None) -> list[str]:
    """The editor's schema line for the YAML dialects (a .env has no schema to name)."""
    from sekha_migrate.modelines import output_modeline

    existing = _read_existing(output)
    return [] if target == "env" else output_modeline(output.parent, target, schema_url, existing)


def _shown(path: Path, beside: Path) -> str:
    """A stable name for the header: relative to the output's directory, or ~/..."""
    absolute = path.absolute()
    home = user_home()
    bases = [(beside.absolute(), "")] + ([(home, "~/")] if home is not None else [])
    for base, prefix in bases:
        try:
            return _as_text(prefix + str(absolute.relative_to(base)))
        except ValueError:
            continue
    return _as_text(str(path))


def _as_text(name: str) -> str:
    """A file name that is not UTF-8 (its bytes kept as surrogates) with U+FFFD for the bad
    bytes: the header is written as UTF-8 text, which cannot hold them."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _read_existing(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def _validate(
    text: str, output: Path, env: Mapping[str, str], target: str = "docker"
) -> FileResult:
    from sekha_migrate.validate.engine import validate_text

    return validate_text(text, path=str(output), env=env, target=target)


def _at_origin(finding: Finding, provenance: Mapping[str, Origin]) -> Finding:
    """A finding about an output path, told at the source line its value came from."""
    origin = origin_at(finding.path, provenance)
    if origin is None or origin.is_default:
        return finding
    return replace(finding, file=origin.file, line=origin.line, column=origin.column)


def _validation_issues(
    validation: FileResult, output: Path, provenance: Mapping[str, Origin]
) -> list[Finding]:
    """Errors of the generated text, told with the source the value came from."""
    issues = []
    for finding in validation.findings:
        if finding.severity is not Severity.ERROR:
            continue
        origin = origin_at(finding.path, provenance)
        if origin is not None and not origin.is_default:
            issues.append(replace(finding, file=origin.file, line=origin.line,
                                  column=origin.column))
        else:
            issues.append(replace(finding, file=str(output)))
    return issues

