"""v1 sources into a flat list of key reads, each with its origin.

TOML and v1 YAML share one walk (they hold the same keys); .env files and the process
environment share another (they hold the same names).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sekha_migrate.findings import DataPath, Mark, Severity
from sekha_migrate.migrate.discover import SourceFile, SourceKind
from sekha_migrate.migrate.results import ENVIRONMENT, Issue, Origin
from sekha_migrate.model import v1
from sekha_migrate.sources.env_doc import load_env_text
from sekha_migrate.sources.text import SourceError, UnreadablePathError, decode_text, read_bytes
from sekha_migrate.sources.toml_doc import load_toml
from sekha_migrate.sources.yaml_doc import load_yaml


@dataclass(frozen=True)
class RawRead:
    origin: Origin
    value: Any
    setting: str | None  # the flat v1 setting, None when the key is not one
    note: str | None = None  # why it is unmappable, or where it was found


@dataclass
class SourceReading:
    source: SourceFile
    reads: list[RawRead] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    data: Any = None  # the parsed document (TOML/YAML), for recognising v2 files
    text: str | None = None
    key_mark: Callable[[DataPath], Mark | None] | None = None  # YAML: where a key was


def load_source(source: SourceFile) -> SourceReading:
    """Parse one file. Problems become located issues, never exceptions (except a path
    that cannot be read at all, which is the caller's usage error)."""
    reading = SourceReading(source)
    try:
        reading.text = decode_text(read_bytes(source.path))
        if source.kind is SourceKind.TOML:
            loaded_toml = load_toml(reading.text)
            reading.data = loaded_toml.data
            reading.reads = list(_walk_tree(loaded_toml.data, loaded_toml.mark_for, source.name))
        elif source.kind is SourceKind.YAML:
            loaded_yaml = load_yaml(reading.text)
            reading.data = loaded_yaml.data
            reading.issues += [
                Issue(f.severity, f.code, f.message, source.name, f.line, f.column, f.hint)
                for f in loaded_yaml.findings
            ]
            reading.key_mark = partial(loaded_yaml.mark_for, prefer_key=True)
            if isinstance(loaded_yaml.data, dict):
                reading.reads = list(_walk_tree(loaded_yaml.data, reading.key_mark, source.name))
            elif loaded_yaml.data is not None:
                reading.issues.append(
                    Issue(Severity.ERROR, "not-a-mapping", "the file is not a mapping of keys",
                          source.name, 1, 1)
                )
        else:
            reading.reads, reading.issues = _read_env_text(reading.text, source.name)
    except SourceError as exc:
        if isinstance(exc, UnreadablePathError):
            raise
        reading.issues.append(
            Issue(Severity.ERROR, exc.code, exc.message, source.name, exc.line, exc.column,
                  exc.hint)
        )
    return reading


def _walk_tree(
    data: Mapping[str, Any], mark_for: Callable[[DataPath], Mark | None], file: str
) -> Iterator[RawRead]:
    def origin(path: DataPath) -> Origin:
        mark = mark_for(path)
        return Origin(file, mark.line if mark else None, mark.column if mark else None,
                      ".".join(str(part) for part in path))

    for key, value in data.items():
        if isinstance(value, dict):
            yield from _walk_table(str(key), value, origin)
        elif key in v1.FLAT_KEYS:
            yield RawRead(origin((key,)), value, key)
        else:
            yield RawRead(origin((key,)), value, None, "not a v1 setting")


def _walk_table(
    table: str, values: Mapping[str, Any], origin: Callable[[DataPath], Origin]
) -> Iterator[RawRead]:
    known = v1.SECTION_KEYS.get(table)
    for key, value in values.items():
        path = (table, key)
        if known is not None and key in known:
            setting = known[key]
            reason = v1.UNMAPPABLE_REASONS.get(f"{table}.{key}")
            yield RawRead(origin(path), value, setting, reason if setting is None else None)
        elif key in v1.FLAT_KEYS and not isinstance(value, dict):
            home = v1.HOME_SECTION.get(key)
            note = None if home == table else f"found under [{table}]"
            yield RawRead(origin(path), value, key, note)
        elif isinstance(value, dict):
            yield RawRead(origin(path), value, None, f"nested table [{table}.{key}] is not v1")
        else:
            where = f"[{table}]" if known is not None else f"unknown table [{table}]"
            yield RawRead(origin(path), value, None, f"not a v1 setting of {where}")


def _read_env_text(text: str, file: str) -> tuple[list[RawRead], list[Issue]]:
    loaded = load_env_text(text)
    issues = [
        Issue(Severity.WARNING, "env-syntax",
              f"python-dotenv cannot parse this line and skips it: {line_text[:60]!r}",
              file, line, 1, hint="write NAME=value")
        for line, line_text in loaded.unparsed
    ]
    reads = []
    for entry in loaded.entries:
        origin = Origin(file, entry.mark.line, entry.mark.column, entry.name)
        reads.append(_env_read(origin, entry.name, entry.value))
    return reads, issues


def _env_read(origin: Origin, name: str, value: str | None) -> RawRead:
    setting = v1.flat_key_for_env(name)
    if value is None:
        return RawRead(origin, value, None, "a name without a value")
    if setting is None:
        return RawRead(origin, value, None, "not a Sekha setting")
    return RawRead(origin, value, setting)


def read_process_env(environ: Mapping[str, str]) -> list[RawRead]:
    """SEKHA_* variables of this process, as the controller itself would read them.

    Other names (OLLAMA_URL, OPENAI_API_KEY, ...) are read from .env files only: a shell
    or CI job has many unrelated variables, and guessing from them would surprise."""
    reads = []
    for name in sorted(environ):
        if v1.is_sekha_env_name(name):
            reads.append(_env_read(Origin(ENVIRONMENT, None, None, name), name, environ[name]))
    return reads
