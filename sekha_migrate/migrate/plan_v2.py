"""Plans for a file that is already v2: kept as it is, converted to another dialect, or its
drifted key names normalised."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sekha_migrate.dialects import detect_dialect
from sekha_migrate.dialects.yaml_text import render_document
from sekha_migrate.findings import DataPath, Finding, Mark, Severity, format_path
from sekha_migrate.migrate.dialect import Rename, normalise_document
from sekha_migrate.migrate.plan_output import (
    output_header,
    read_existing,
    validate_output,
    validation_issues,
)
from sekha_migrate.migrate.readings import SourceReading
from sekha_migrate.migrate.results import MigrationPlan, Origin, PlanKind
from sekha_migrate.migrate.secrets_out import holds_literal_secrets
from sekha_migrate.model import v2

if TYPE_CHECKING:
    from sekha_migrate.migrate.plan import MigrationRequest


def plan_v2(reading: SourceReading, request: MigrationRequest) -> MigrationPlan:
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
    checked = validate_output(reading.text or "", reading.source.path, {}, source_dialect)
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
    header = output_header([reading.source], output, target, request.schema_url)
    text = render_written(written, header=header, comments=kept.get)
    validation = validate_output(text, output, {}, target)
    provenance = _conversion_provenance(reading, written.links)
    issues = list(reading.issues)
    issues += [replace(f, file=file) for f in written.findings()]
    issues += validation_issues(validation, output, provenance)
    return MigrationPlan(
        PlanKind.DIALECT,
        (reading.source,),
        output,
        written.document,
        text,
        provenance=provenance,
        findings=tuple(issues),
        holds_literal_secrets=holds_literal_secrets(written.document),
        existing_output=read_existing(output),
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
    existing = read_existing(output)
    same_file = output.resolve() == reading.source.path.resolve()
    if not renames and same_file:
        # Already v2: nothing to convert, but an invalid file is not "nothing to do".
        own = validate_output(reading.text or "", output, {})
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
    header = output_header([reading.source], output, "docker", schema_url)
    text = render_document(document, header=header)
    validation = validate_output(text, output, {})
    return MigrationPlan(
        PlanKind.DIALECT,
        (reading.source,),
        output,
        document,
        text,
        provenance=provenance,
        findings=tuple(issues + validation_issues(validation, output, provenance)),
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
