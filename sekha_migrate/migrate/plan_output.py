"""The header, existing bytes and validation of a plan's output text, shared by every kind of
plan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from sekha_migrate.findings import FileResult, Finding, Severity
from sekha_migrate.migrate.discover import SourceFile, user_home
from sekha_migrate.migrate.results import Origin, origin_at

_READERS = {
    "docker": 'Sekha configuration, format "2.0" (see: sekha schema).',
    "bridge": "Sekha LLM bridge configuration (its CONFIG_PATH; see: sekha schema --target "
    "bridge).",
    "env": "Sekha settings for docker compose: use it as the compose project's .env or in "
    "env_file:.",
}


def output_header(
    sources: list[SourceFile], output: Path, target: str = "docker", schema_url: str | None = None
) -> list[str]:
    names = ", ".join(shown_path(source.path, output.parent) for source in sources)
    return [
        *_modeline(output, target, schema_url),
        _READERS[target],
        f"Written by sekha migrate from {names}.",
        "Check it with: sekha validate" + (" --target env" if target == "env" else ""),
    ]


def _modeline(output: Path, target: str, schema_url: str | None) -> list[str]:
    """The editor's schema line for the YAML dialects (a .env has no schema to name)."""
    from sekha_migrate.modelines import output_modeline

    existing = read_existing(output)
    return [] if target == "env" else output_modeline(output.parent, target, schema_url, existing)


def shown_path(path: Path, beside: Path) -> str:
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


def read_existing(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def validate_output(
    text: str, output: Path, env: Mapping[str, str], target: str = "docker"
) -> FileResult:
    from sekha_migrate.validate.engine import validate_text

    return validate_text(text, path=str(output), env=env, target=target)


def at_origin(finding: Finding, provenance: Mapping[str, Origin]) -> Finding:
    """A finding about an output path, told at the source line its value came from."""
    origin = origin_at(finding.path, provenance)
    if origin is None or origin.is_default:
        return finding
    return replace(finding, file=origin.file, line=origin.line, column=origin.column)


def validation_issues(
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
