"""plan_migration: from v1 sources (or a v2 file in another dialect) to the v2 text, with
the origin of every value and the fate of every key read. Writes nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sekha_migrate.findings import DataPath, FileResult, Mark, Severity, format_path
from sekha_migrate.migrate.build import Built, build_v2
from sekha_migrate.migrate.dialect import Rename, looks_like_v2, normalise_document
from sekha_migrate.migrate.discover import (
    MigrateUsageError,
    SourceFile,
    SourceKind,
    discover_sources,
    explicit_sources,
    home_source,
)
from sekha_migrate.migrate.readings import RawRead, SourceReading, load_source, read_process_env
from sekha_migrate.migrate.render import render_document
from sekha_migrate.migrate.results import (
    BUILT_IN,
    ENVIRONMENT,
    Issue,
    KeyRead,
    KeyStatus,
    MigrationPlan,
    Origin,
    PlanKind,
    origin_at,
)
from sekha_migrate.migrate.secrets_out import externalize_secrets, holds_literal_secrets
from sekha_migrate.model import v1, v2
from sekha_migrate.sources.env_doc import load_env_text
from sekha_migrate.sources.text import UnreadablePathError

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
    dimension: int | None = None
    measured_dimension: int | None = None
    externalize_secrets: bool = False
    secrets_file: Path | None = None


def plan_migration(request: MigrationRequest) -> MigrationPlan:
    sources = _sources(request)
    readings = [_load(source) for source in sources]
    v2_files: list[SourceReading] = []
    v1_readings: list[SourceReading] = []
    for reading in readings:
        is_v2 = reading.source.kind is SourceKind.YAML and looks_like_v2(reading.data)
        (v2_files if is_v2 else v1_readings).append(reading)
    output = request.output or request.directory / "config.yaml"
    if not readings:
        raise MigrateUsageError(
            f"no configuration found in {request.directory} (looked for "
            "config.toml, config.yaml, config.yml and .env); name the files to migrate"
        )
    if not v1_readings:
        if len(v2_files) != 1:
            names = ", ".join(r.source.name for r in v2_files)
            raise MigrateUsageError(f"several v2 files to normalise ({names}); name one")
        return _plan_dialect(v2_files[0], request.output or v2_files[0].source.path)
    if v2_files and request.sources:
        names = ", ".join(r.source.name for r in v2_files)
        raise MigrateUsageError(
            f"{names} is already v2; migrate the v1 files alone, or normalise it on its own"
        )
    plan = _plan_v1(v1_readings, request, output)
    replaced = [r for r in v2_files if r.source.path.resolve() == output.resolve()]
    if replaced and not plan.up_to_date:
        names = ", ".join(_shown(s.path, output.parent) for s in plan.sources)
        warning = Issue(
            Severity.WARNING, "replaces-v2",
            f"{output} is already a v2 file; migrating {names} replaces it "
            "(it is backed up first)",
            str(output), hint="use --output to write somewhere else, or --diff to compare",
        )
        plan = replace(plan, issues=(*plan.issues, warning))
    return plan


def _sources(request: MigrationRequest) -> list[SourceFile]:
    home = request.home if request.home is not None else Path.home()
    if request.sources:
        found = explicit_sources(list(request.sources))
        if request.include_home:
            found += home_source(home)
        return sorted(found, key=lambda source: source.layer)
    return discover_sources(request.directory, include_home=request.include_home, home=home)


def _load(source: SourceFile) -> SourceReading:
    try:
        return load_source(source)
    except UnreadablePathError as exc:
        raise MigrateUsageError(exc.message) from None


# ---- v2 in another dialect -----------------------------------------------------------------


def _plan_dialect(reading: SourceReading, output: Path) -> MigrationPlan:
    document, renames = normalise_document(reading.data)
    existing = _read_existing(output)
    same_file = output.resolve() == reading.source.path.resolve()
    if not renames and same_file:
        return MigrationPlan(PlanKind.CANONICAL, (reading.source,), output, document, "",
                             issues=tuple(reading.issues), existing_output=existing)
    file = reading.source.name
    issues = list(reading.issues)
    for rename in renames:
        severity = Severity.WARNING if rename.conflict else Severity.INFO
        mark = _dialect_mark(reading, rename.path)
        issues.append(Issue(severity, "dialect-key", rename.describe(), file,
                            mark.line if mark else None, mark.column if mark else None))
    provenance = _dialect_provenance(reading, document, renames)
    text = render_document(document, header=_header([reading.source], output))
    validation = _validate(text, output, {})
    return MigrationPlan(
        PlanKind.DIALECT,
        (reading.source,),
        output,
        document,
        text,
        provenance=provenance,
        issues=tuple(issues + _validation_issues(validation, output, provenance)),
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
        if isinstance(value, dict) and value:
            for key, item in value.items():
                walk(item, (*path, key))
        elif isinstance(value, list) and value:
            for index, item in enumerate(value):
                walk(item, (*path, index))
        else:
            written = written_as.get(path, path)
            mark = _dialect_mark(reading, written)
            provenance[format_path(path)] = Origin(
                reading.source.name, mark.line if mark else None,
                mark.column if mark else None, ".".join(str(p) for p in written),
            )

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
    env_files = {r.source.name for r in readings if r.source.kind is SourceKind.ENV}
    built = build_v2(values, dimension=dimension, measured_dimension=request.measured_dimension,
                     env_sources=env_files | {ENVIRONMENT})
    issues += built.issues
    reads = _account(raw, typed, invalid, overridden, built)
    issues += _read_issues(reads, env_files | {ENVIRONMENT})
    document = built.document
    secrets: tuple[tuple[str, str], ...] = ()
    secrets_file = None
    provenance = dict(built.provenance)
    if request.externalize_secrets:
        document, moved = externalize_secrets(document)
        secrets = tuple(moved)
        secrets_file = request.secrets_file or output.parent / SECRETS_FILE_NAME
    sources = tuple(reading.source for reading in readings)
    text = render_document(document, header=_header(list(sources), output))
    check_env = {**_env_file_values(readings), **_sekha_environ(request), **dict(secrets)}
    validation = _validate(text, output, check_env)
    issues += _validation_issues(validation, output, provenance)
    return MigrationPlan(
        PlanKind.V1,
        sources,
        output,
        document,
        text,
        provenance=provenance,
        reads=tuple(reads),
        issues=tuple(issues),
        embedding=built.embedding,
        secrets=secrets,
        secrets_file=secrets_file,
        secrets_text=_secrets_text(secrets),
        holds_literal_secrets=holds_literal_secrets(document),
        existing_output=_read_existing(output),
        validation=validation,
    )


def _type_reads(
    raw: list[RawRead],
) -> tuple[dict[int, Any], dict[int, str], list[Issue]]:
    """Typed values by read index; the reads whose value could not be typed, and why."""
    typed: dict[int, Any] = {}
    invalid: dict[int, str] = {}
    issues: list[Issue] = []
    for index, read in enumerate(raw):
        if read.setting is None:
            continue
        try:
            typed[index] = v1.coerce_value(read.setting, read.value)
        except v1.V1ValueError as exc:
            invalid[index] = str(exc)
            origin = read.origin
            issues.append(Issue(
                Severity.ERROR, "invalid-value", f"{origin.key}: {exc}",
                origin.file, origin.line, origin.column,
            ))
    return typed, invalid, issues


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
        if index not in typed or read.setting is None:
            continue
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
) -> list[KeyRead]:
    """What became of every key read: mapped (where to), overridden, invalid or unmappable."""
    reads = []
    for index, read in enumerate(raw):
        secret = read.setting in v1.SECRET_V1_KEYS or _looks_secret(read.origin.key)
        value = typed.get(index, read.value)
        base = KeyRead(read.origin, value, read.setting, KeyStatus.UNMAPPABLE,
                       note=read.note, secret=secret)
        if read.setting is None:
            reads.append(replace(base, note=read.note or "not a v1 setting"))
        elif index in invalid:
            reads.append(replace(base, status=KeyStatus.INVALID, note=invalid[index]))
        elif index in overridden:
            winner = raw[overridden[index]].origin
            reads.append(replace(base, status=KeyStatus.OVERRIDDEN,
                                 note=f"overridden by {winner.describe()}"))
        elif built.uses.get(read.setting):
            reads.append(replace(base, status=KeyStatus.MAPPED,
                                 targets=tuple(built.uses[read.setting])))
        elif read.setting in built.replaced:
            reads.append(replace(base, status=KeyStatus.OVERRIDDEN,
                                 note=f"replaced by {built.replaced[read.setting]}"))
        else:
            reads.append(replace(base, note=read.note or _unused_reason(read, value)))
    return reads


def _unused_reason(read: RawRead, value: Any) -> str:
    if value in ("", None):
        return "empty value"
    return "v2 has no place for this setting"


_SECRET_WORDS = ("KEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD")


def _looks_secret(name: str) -> bool:
    """Names of unrelated variables that still must not be shown whole (POSTGRES_PASSWORD)."""
    upper = name.upper()
    return any(word in upper for word in _SECRET_WORDS)


def _read_issues(reads: list[KeyRead], env_files: set[str]) -> list[Issue]:
    """Misplaced keys and keys v2 cannot hold. Unrelated names in environment files (a
    compose project's POSTGRES_PASSWORD) are only noted; in config files they are warned
    about, since they are more likely typos."""
    issues = []
    for read in reads:
        origin = read.origin
        if read.status is KeyStatus.MAPPED and read.note:
            issues.append(Issue(
                Severity.WARNING, "misplaced-key",
                f"{origin.key}: {read.note}, where it does not belong; mapped to "
                f"{', '.join(read.targets)}",
                origin.file, origin.line, origin.column,
                hint="move it to where v1 expects it, or leave it: the v2 file is what counts",
            ))
        elif read.status is KeyStatus.UNMAPPABLE:
            issues.append(Issue(
                Severity.INFO if origin.file in env_files else Severity.WARNING,
                "unmappable-key",
                f"{origin.key} is not carried to v2: {read.note}; "
                "its value stays in the backup",
                origin.file, origin.line, origin.column,
            ))
    return issues


# ---- shared -------------------------------------------------------------------------------


def _header(sources: list[SourceFile], output: Path) -> list[str]:
    names = ", ".join(_shown(source.path, output.parent) for source in sources)
    return [
        'Sekha configuration, format "2.0" (see: sekha schema).',
        f"Written by sekha migrate from {names}.",
        "Check it with: sekha validate",
    ]


def _shown(path: Path, beside: Path) -> str:
    """A stable name for the header: relative to the output's directory, or ~/..."""
    absolute = path.absolute()
    for base, prefix in ((beside.absolute(), ""), (Path.home(), "~/")):
        try:
            return prefix + str(absolute.relative_to(base))
        except ValueError:
            continue
    return str(path)


def _sekha_environ(request: MigrationRequest) -> dict[str, str]:
    return {k: v for k, v in request.environ.items() if v1.is_sekha_env_name(k)}


def _read_existing(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def _env_file_values(readings: list[SourceReading]) -> dict[str, str]:
    values: dict[str, str] = {}
    for reading in readings:
        if reading.source.kind is SourceKind.ENV and reading.text is not None:
            loaded = load_env_text(reading.text)
            values.update({k: v for k, v in loaded.values().items() if v is not None})
    return values


def _validate(text: str, output: Path, env: Mapping[str, str]) -> FileResult:
    from sekha_migrate.validate.engine import validate_text

    return validate_text(text, path=str(output), env=env)


def _validation_issues(
    validation: FileResult, output: Path, provenance: Mapping[str, Origin]
) -> list[Issue]:
    """Errors of the generated text, told with the source the value came from."""
    issues = []
    for finding in validation.findings:
        if finding.severity is not Severity.ERROR:
            continue
        origin = origin_at(finding.path, provenance)
        message = f"{finding.path}: {finding.message}"
        if origin is not None and not origin.is_default:
            issues.append(Issue(Severity.ERROR, finding.code, message, origin.file,
                                origin.line, origin.column, finding.hint))
        else:
            issues.append(Issue(Severity.ERROR, finding.code, message, str(output),
                                finding.line, finding.column, finding.hint))
    return issues


def _secrets_text(secrets: tuple[tuple[str, str], ...]) -> str:
    if not secrets:
        return ""
    lines = ["# Secrets moved out of config.yaml by sekha migrate --externalize-secrets."]
    lines += [f"{name}={_env_quote(value)}" for name, value in secrets]
    return "\n".join(lines) + "\n"


def _env_quote(value: str) -> str:
    """Single quotes keep a value literal for python-dotenv and docker compose alike."""
    if "'" not in value and "\n" not in value:
        return f"'{value}'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'

