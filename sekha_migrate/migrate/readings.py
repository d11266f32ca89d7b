"""v1 sources into a flat list of key reads, each with its origin and the Sekha program
(controller, bridge, proxy) it configures.

TOML and v1 YAML share one walk (they hold the same keys); .env files, compose services
and the process environment share another (they hold the same names).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sekha_migrate.findings import DataPath, Finding, Mark, Severity
from sekha_migrate.migrate.discover import MigrateUsageError, SourceFile, SourceKind
from sekha_migrate.migrate.results import ENVIRONMENT, Origin
from sekha_migrate.model import loaders, v1, v1_components
from sekha_migrate.model.masking import is_secret_name
from sekha_migrate.sources.env_doc import load_env_text, resolve_env
from sekha_migrate.sources.helm_chart import (
    is_chart_values,
    is_helm_template,
    template_message,
)
from sekha_migrate.sources.k8s_doc import ConfigMapEntry, configmap_entries, is_configmap
from sekha_migrate.sources.text import SourceError, UnreadablePathError, decode_text, read_bytes
from sekha_migrate.sources.toml_doc import load_toml
from sekha_migrate.sources.yaml_doc import load_yaml

if TYPE_CHECKING:  # compose_doc is imported when a compose file is read
    from sekha_migrate.sources.compose_doc import ComposeService


@dataclass(frozen=True)
class RawRead:
    origin: Origin
    value: Any
    setting: str | None  # the flat v1 setting, None when the key is not one
    note: str | None = None  # why it is unmappable, or where it was found
    component: str = loaders.CONTROLLER  # the program that reads it
    component_key: str | None = None  # a setting that program keeps for itself
    index_path: tuple[str | int, ...] = ()  # into llm_providers / default_models
    never_read: bool = False  # the v1 controller never saw this name: it ran the default
    reference: str | None = None  # the variable a whole-value ${VAR} refers to
    unset: tuple[str, ...] = ()  # variables the value refers to that were set nowhere
    # A secret variable the value was built from (`LOG_LEVEL=${API_KEY}x`): the value is
    # never shown, in a message or the table of reads.
    secret_from: str | None = None

    @property
    def is_sekha(self) -> bool:
        return self.setting is not None or self.component_key is not None


@dataclass
class SourceReading:
    source: SourceFile
    reads: list[RawRead] = field(default_factory=list)
    issues: list[Finding] = field(default_factory=list)
    data: Any = None  # the parsed document (TOML/YAML), for recognising v2 files
    text: str | None = None
    key_mark: Callable[[DataPath], Mark | None] | None = None  # YAML: where a key was
    variables: dict[str, str] = field(default_factory=dict)  # compose: what ${VAR} used
    skipped_services: list[str] = field(default_factory=list)  # compose: not Sekha's
    is_compose: bool = False


def load_source(source: SourceFile, environ: Mapping[str, str] | None = None) -> SourceReading:
    """Parse one file. Problems become located issues, never exceptions (except a path
    that cannot be read at all, which is the caller's usage error).

    `environ` is the shell compose would interpolate `${VAR}` from."""
    reading = SourceReading(source)
    shell = dict(environ or {})
    try:
        reading.text = decode_text(read_bytes(source.path))
        if source.kind is SourceKind.TOML:
            loaded_toml = load_toml(reading.text)
            reading.data = loaded_toml.data
            reading.reads = list(_walk_tree(loaded_toml.data, loaded_toml.mark_for, source.name))
        elif source.kind is SourceKind.YAML:
            if is_helm_template(reading.text):
                raise MigrateUsageError(template_message(source.path))
            loaded_yaml = load_yaml(reading.text)
            reading.data = loaded_yaml.data
            reading.issues += [replace(f, file=source.name) for f in loaded_yaml.findings]
            reading.key_mark = partial(loaded_yaml.mark_for, prefer_key=True)
            if _is_compose(loaded_yaml.data):
                _read_compose(reading, loaded_yaml.data, shell)
            elif is_configmap(loaded_yaml.data):
                _read_configmap(reading, loaded_yaml.data)
            elif is_chart_values(source.path, loaded_yaml.data):
                from sekha_migrate.migrate.helm_values import read_chart_values

                reading.reads, reading.issues = read_chart_values(
                    source, loaded_yaml.data, reading.key_mark, reading.issues)
            elif isinstance(loaded_yaml.data, dict):
                reading.reads = list(_walk_tree(loaded_yaml.data, reading.key_mark, source.name))
            elif loaded_yaml.data is not None:
                reading.issues.append(
                    Finding(Severity.ERROR, "not-a-mapping", "the file is not a mapping of keys",
                          file=source.name, line=1, column=1)
                )
        else:
            reading.reads, reading.issues = _read_env_text(reading.text, source.name, shell)
    except RecursionError:
        reading.issues.append(Finding(Severity.ERROR, "syntax", "nesting too deep to read",
                                    file=source.name, line=1, column=1))
    except SourceError as exc:
        if isinstance(exc, UnreadablePathError):
            raise
        reading.issues.append(exc.finding(file=source.name))
    return reading


def _read_configmap(reading: SourceReading, data: Mapping[str, Any]) -> None:
    """A Kubernetes ConfigMap: each config file in its `data` is read as a v1 source, its
    values placed at their lines in the manifest; the manifest's own keys are not Sekha's."""
    assert reading.key_mark is not None and reading.text is not None
    name = reading.source.name
    entries = configmap_entries(data, reading.text, reading.key_mark)
    if not entries:
        reading.issues.append(Finding(
            Severity.ERROR, "no-sekha-settings", "the ConfigMap holds no config file (config."
            "toml, config.yaml or config.json under data:)", file=name, line=1, column=1))
        return
    for entry in entries:
        try:
            if entry.name.endswith(".toml"):
                inner = load_toml(entry.text)
                inner_data: Any = inner.data
                inner_mark: Callable[[DataPath], Mark | None] = inner.mark_for
            else:
                loaded = load_yaml(entry.text)
                inner_data, inner_mark = loaded.data, partial(loaded.mark_for, prefer_key=True)
        except SourceError as exc:
            line = entry.first_line + exc.line - 1 if exc.line else entry.first_line
            reading.issues.append(Finding(Severity.ERROR, exc.code,
                                          f"data.{entry.name}: {exc.message}", file=name,
                                          line=line, column=(exc.column or 1) + entry.indent))
            continue
        if isinstance(inner_data, dict):
            reading.reads += list(_walk_tree(inner_data, _shifted(inner_mark, entry), name))
        reading.issues += _mount_issues(reading, data, entry)


def _mount_issues(reading: SourceReading, data: Mapping[str, Any], entry: ConfigMapEntry
                  ) -> list[Finding]:
    """A Deployment beside the ConfigMap that mounts the file where the controller never
    looks (sekha-docker's k8s/deployment.yaml: /config.toml): v1 ran on its defaults."""
    from sekha_migrate.sources.k8s_doc import configmap_name, deployment_mounts

    issues = []
    for mounted in deployment_mounts(reading.source.path.parent, configmap_name(data),
                                     entry.name):
        if mounted.path.startswith(f"{loaders.CONTROLLER_WORKDIR}/config"):
            continue
        issues.append(Finding(
            Severity.WARNING, "mount-unread",
            f"{mounted.file} mounts {entry.name} of this ConfigMap at {mounted.path}; the "
            f"controller reads {loaders.CONTROLLER_WORKDIR}/config.* only, so a controller "
            "deployed by it never read this file and ran on its defaults",
            file=reading.source.name, line=entry.first_line - 1, column=1,
            hint=f"mount the migrated file at {loaders.CONTROLLER_WORKDIR}/config.yaml "
            "(mountPath, with subPath config.yaml)"))
    return issues


def _shifted(mark_for: Callable[[DataPath], Mark | None], entry: ConfigMapEntry
             ) -> Callable[[DataPath], Mark | None]:
    """Marks inside an embedded file, as lines and columns of the manifest around it."""
    def shifted(path: DataPath) -> Mark | None:
        mark = mark_for(path)
        if mark is None:
            return None
        return Mark(mark.line + entry.first_line - 1, mark.column + entry.indent)

    return shifted


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
        elif key in v1.FLAT_KEY_ALIASES:
            yield RawRead(origin((key,)), value, v1.FLAT_KEY_ALIASES[key])
        else:
            yield RawRead(origin((key,)), value, None, "not a v1 setting")


def _walk_table(
    table: str, values: Mapping[str, Any], origin: Callable[[DataPath], Origin]
) -> Iterator[RawRead]:
    """Keys in a table: the flat v1 struct read none of them (`[server] port` left the
    port at its default), so each known one is carried with `never_read` set."""
    known = v1.SECTION_KEYS.get(table)
    for key, value in values.items():
        path = (table, key)
        if known is not None and key in known:
            setting = known[key]
            reason = v1.UNMAPPABLE_REASONS.get(f"{table}.{key}")
            yield RawRead(origin(path), value, setting, reason if setting is None else None,
                          never_read=setting is not None)
        elif key in v1.FLAT_KEYS and not isinstance(value, dict):
            home = v1.HOME_SECTION.get(key)
            note = None if home == table else f"found under [{table}]"
            yield RawRead(origin(path), value, key, note, never_read=True)
        elif isinstance(value, dict):
            yield RawRead(origin(path), value, None, f"nested table [{table}.{key}] is not v1")
        else:
            where = f"[{table}]" if known is not None else f"unknown table [{table}]"
            yield RawRead(origin(path), value, None, f"not a v1 setting of {where}")


def _read_env_text(
    text: str, file: str, shell: Mapping[str, str]
) -> tuple[list[RawRead], list[Finding]]:
    loaded = load_env_text(text)
    issues = [
        Finding(Severity.WARNING, "env-syntax",
              f"python-dotenv cannot parse this line and skips it: {line_text[:60]!r}",
              file=file, line=line, column=1, hint="write NAME=value")
        for line, line_text in loaded.unparsed
    ]
    components = v1_components.components_of_env([entry.name for entry in loaded.entries])
    if components.reason:
        issues.append(Finding(Severity.INFO, "env-component", f"{file} {components.reason}",
                              file=file, line=1, column=1))
    reads = []
    for resolved in resolve_env(loaded, shell):
        entry = resolved.entry
        origin = Origin(file, entry.mark.line, entry.mark.column, entry.name)
        if resolved.error is not None:
            issues.append(_interpolation_issue(origin, resolved.error))
            continue
        if entry.name.upper() in components.ambiguous:  # refused: the error accounts for it
            issues.append(_ambiguous_issue(origin, components))
            continue
        reads.append(_env_read(origin, entry.name, resolved.value,
                               components.component_of(entry.name), resolved.reference,
                               resolved.unset, resolved.names))
    return reads, issues


def _ambiguous_issue(origin: Origin, components: v1_components.EnvComponents) -> Finding:
    """A name no program reads as written, that could be more than one program's setting:
    guessing would put a bridge's port on the controller, or the reverse."""
    _, programs = v1_components.readers_of_env_name(origin.key)
    setting = v1.flat_key_for_env(origin.key) or ""
    spelled = v1_components.env_spellings(setting)
    others = [f"{spelled[p]} for the {p}" for p in loaders.COMPONENTS
              if p in programs and p in spelled]
    owners = " or the ".join(f"{p}'s" for p in loaders.COMPONENTS if p in programs)
    where = (f"{origin.file} holds names of several programs" if components.by_name
             else f"nothing else in {origin.file} says which program it is for")
    return Finding(
        Severity.ERROR, "env-ambiguous-name",
        f"{origin.key}: no Sekha program reads this name as written, and it could be the "
        f"{owners} {setting}; {where}, so it is not guessed",
        file=origin.file, line=origin.line, column=origin.column,
        hint="spell it as its program reads it (" + ", ".join(others) + "), or keep each "
        "program's names in its own file (or compose service)",
    )


def _interpolation_issue(origin: Origin, error: str) -> Finding:
    return Finding(Severity.ERROR, "interpolation", f"{origin.key}: {error}", file=origin.file,
                 line=origin.line, column=origin.column,
                 hint="set the variable in the shell or in the .env beside the file")


def _env_read(
    origin: Origin,
    name: str,
    value: str | None,
    component: str = loaders.CONTROLLER,
    reference: str | None = None,
    unset: tuple[str, ...] = (),
    names: tuple[str, ...] = (),
) -> RawRead:
    meaning = v1_components.meaning_of_env(name, component)
    secret_from = next((n for n in names if is_secret_name(n)), None)
    if meaning.setting is None and meaning.component_key is None:
        note = v1_components.DEAD_NAMES.get(name.upper(), "not a Sekha setting")
        return RawRead(origin, value, None, note, meaning.component, unset=unset,
                       secret_from=secret_from)
    return RawRead(origin, value, meaning.setting, None, meaning.component,
                   meaning.component_key, meaning.index_path, meaning.never_read, reference,
                   unset, secret_from)


# ---- compose files --------------------------------------------------------------------------


def _read_compose(reading: SourceReading, data: Mapping[str, Any], shell: dict[str, str]) -> None:
    """Each Sekha service's env_file: then environment: (which wins), interpolated from
    the shell and the .env beside the compose file, as `docker compose up` would."""
    assert reading.key_mark is not None
    directory = reading.source.path.parent
    variables = {**_dotenv_beside(directory, shell, reading), **shell}
    reading.variables = variables
    reading.is_compose = True
    from sekha_migrate.sources.compose_doc import load_compose

    compose = load_compose(data, reading.key_mark, variables)
    for service in compose.services:
        component = v1_components.component_of_service(service.name, service.image, service.build)
        if component is None:
            reading.skipped_services.append(service.name)
            continue
        reading.reads += _service_env_files(reading, service, component, directory, variables)
        for entry in service.entries:
            origin = Origin(reading.source.name, entry.mark.line if entry.mark else None,
                            entry.mark.column if entry.mark else None, entry.name)
            if entry.error is not None:  # the error says it all; there is no value
                reading.issues.append(_interpolation_issue(origin, entry.error))
                continue
            reading.reads.append(_env_read(origin, entry.name, entry.value, component,
                                           entry.reference, entry.unset, entry.names))


def _dotenv_beside(directory: Path, shell: Mapping[str, str], reading: SourceReading
                   ) -> dict[str, str]:
    path = directory / ".env"
    if not path.is_file():
        return {}
    try:
        loaded = load_env_text(decode_text(read_bytes(path)))
    except SourceError as exc:
        reading.issues.append(exc.finding(file=str(path), severity=Severity.WARNING))
        return {}
    return {r.entry.name: r.value for r in resolve_env(loaded, shell) if r.value is not None}


def _service_env_files(
    reading: SourceReading,
    service: ComposeService,
    component: str,
    directory: Path,
    variables: Mapping[str, str],
) -> list[RawRead]:
    reads: list[RawRead] = []
    for name, required, mark in service.env_files:
        path = directory / name
        try:
            text = decode_text(read_bytes(path))
        except SourceError as exc:
            if required:
                reading.issues.append(Finding(
                    Severity.ERROR, "env-file", f"services.{service.name}.env_file: "
                    f"{exc.message}", file=reading.source.name, line=mark.line if mark else None,
                    column=mark.column if mark else None,
                    hint="create the file, or mark it `required: false`"))
            continue
        for resolved in resolve_env(load_env_text(text), variables):
            entry = resolved.entry
            origin = Origin(str(path), entry.mark.line, entry.mark.column, entry.name)
            if resolved.error is not None:
                reading.issues.append(_interpolation_issue(origin, resolved.error))
                continue
            reads.append(_env_read(origin, entry.name, resolved.value, component,
                                   resolved.reference, resolved.unset, resolved.names))
    return reads


def read_process_env(environ: Mapping[str, str]) -> list[RawRead]:
    """SEKHA_* variables of this process, as the controller itself would read them.

    Other names (OLLAMA_URL, OPENAI_API_KEY, ...) are read from .env files only: a shell
    or CI job has many unrelated variables, and guessing from them would surprise."""
    reads = []
    for name in sorted(environ):
        if v1_components.is_sekha_env_name(name):
            origin = Origin(ENVIRONMENT, None, None, name)
            reads.append(_env_read(origin, name, environ[name]))
    return reads


def _is_compose(data: Any) -> bool:
    from sekha_migrate.sources.compose_doc import is_compose

    return is_compose(data)
