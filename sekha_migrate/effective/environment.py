"""Environments with origins: an env file read as a loader reads it, and a compose service's
environment as `docker compose up` hands it to the container."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, NamedTuple

from sekha_migrate.effective.values import Variable
from sekha_migrate.findings import Finding, Severity
from sekha_migrate.origin import Origin
from sekha_migrate.sources.env_doc import load_env_text, resolve_env
from sekha_migrate.sources.text import SourceError, decode_text, read_bytes

if TYPE_CHECKING:  # compose_doc is imported when a compose file is read
    from sekha_migrate.sources.compose_doc import ComposeService


def read_env_file(
    path: Path, shell: Mapping[str, str], *, via: str
) -> tuple[dict[str, Variable], list[Finding]]:
    """The variables an env file sets, `${VAR}` expanded from `shell` first and then from
    the lines above (dotenvy, python-dotenv and compose agree on that order). A line whose
    expansion fails sets nothing, and says why."""
    shown = str(path)
    try:
        text = decode_text(read_bytes(path))
    except SourceError as exc:
        return {}, [exc.finding(file=shown)]
    return env_text_variables(text, shown, shell, via=via)


def env_text_variables(
    text: str, shown: str, shell: Mapping[str, str], *, via: str
) -> tuple[dict[str, Variable], list[Finding]]:
    """The variables an env file's text sets (see `read_env_file`), named `shown`."""
    variables: dict[str, Variable] = {}
    problems: list[Finding] = []
    for resolved in resolve_env(load_env_text(text), shell):
        entry = resolved.entry
        if resolved.error is not None:
            problems.append(Finding(Severity.ERROR, "interpolation",
                                    f"{entry.name}: {resolved.error}", file=shown,
                                    line=entry.mark.line, column=entry.mark.column))
            continue
        if resolved.value is None:  # a bare NAME line sets nothing
            continue
        origin = Origin(shown, entry.mark.line, entry.mark.column, entry.name, via)
        variables[entry.name] = Variable(entry.name, resolved.value, origin)
    return variables, problems


class ServiceInputs(NamedTuple):
    """What a compose service's container gets: its environment and the files mounted."""

    name: str
    component: str
    environment: dict[str, Variable]
    mounts: dict[str, Path]  # container path -> host path
    working_dir: str
    findings: tuple[Finding, ...]
    failed: frozenset[str] = frozenset()  # names whose interpolation compose refuses


class ComposeProject(NamedTuple):
    """A compose file as `docker compose up` reads it: every service (Sekha's or not), the
    inputs of each Sekha service, and what stopped compose or the reading."""

    services: tuple[ComposeService, ...]
    sekha: tuple[ServiceInputs, ...]
    findings: tuple[Finding, ...]


def read_compose_project(path: Path, shell: Mapping[str, str]) -> ComposeProject:
    """The compose file's services, each Sekha one with the inputs its container gets."""
    from sekha_migrate.sources.compose_doc import is_compose, load_compose
    from sekha_migrate.sources.yaml_doc import load_yaml

    shown = str(path)
    try:
        loaded = load_yaml(decode_text(read_bytes(path)))
    except SourceError as exc:
        return ComposeProject((), (), (exc.finding(file=shown),))
    if not is_compose(loaded.data):
        return ComposeProject((), (), (Finding(
            Severity.ERROR, "not-a-mapping", "not a compose file (no services)", file=shown,
            line=1, column=1),))
    directory = path.parent
    beside, problems = ({}, []) if not (directory / ".env").is_file() else read_env_file(
        directory / ".env", shell, via="compose's .env")
    variables = {**{n: v.value for n, v in beside.items()}, **shell}
    compose = load_compose(loaded.data, lambda p: loaded.mark_for(p, prefer_key=True), variables)
    services = tuple(_extended(path, service, compose.services, variables)
                     for service in compose.services)
    sekha = tuple(inputs for service in services
                  if (inputs := _service_inputs(path, service, variables)) is not None)
    return ComposeProject(services, sekha, tuple(problems))


_EXTENDS_DEPTH = 8  # compose refuses a cycle; this stops one without a stack overflow


def _extended(path: Path, service: ComposeService, siblings: Sequence[ComposeService],
              variables: Mapping[str, str], depth: int = _EXTENDS_DEPTH) -> ComposeService:
    """`service` with the image and healthcheck of the service it `extends:` (in this file
    or another), where it sets none itself. Only these two are merged: they decide what the
    service runs and when it is healthy; its environment and mounts stay its own."""

    if service.extends is None or depth == 0 or (service.image and service.healthcheck):
        return service
    file, name = service.extends
    base_path, candidates = path, siblings
    if file is not None:
        base_path = path.parent / file
        candidates = _services_of(base_path, variables)
    base = next((s for s in candidates if s.name == name and s is not service), None)
    if base is None:
        return service
    base = _extended(base_path, base, candidates, variables, depth - 1)
    healthcheck = service.healthcheck or base.healthcheck
    if healthcheck is not None and healthcheck.file is None and base_path != path \
            and service.healthcheck is None:
        healthcheck = healthcheck._replace(file=str(base_path))
    return service._replace(image=service.image or base.image, healthcheck=healthcheck)


def _services_of(path: Path, variables: Mapping[str, str]) -> Sequence[ComposeService]:
    """The services of another compose file (an `extends:` target); none when unreadable."""
    from sekha_migrate.sources.compose_doc import is_compose, load_compose
    from sekha_migrate.sources.yaml_doc import load_yaml

    try:
        loaded = load_yaml(decode_text(read_bytes(path)))
    except SourceError:
        return ()
    if not is_compose(loaded.data):
        return ()
    return load_compose(loaded.data, lambda p: loaded.mark_for(p, prefer_key=True),
                        variables).services


def _service_inputs(path: Path, service: ComposeService, variables: Mapping[str, str]
                    ) -> ServiceInputs | None:
    """What a Sekha service's container gets; None for a service that is not Sekha's."""
    from sekha_migrate.model.v1_components import component_of_service

    shown, directory = str(path), path.parent
    component = component_of_service(service.name, service.image, service.build)
    if component is None:
        return None
    via = f"compose service {service.name}"
    found: list[Finding] = []
    environment: dict[str, Variable] = {}
    for name, required, _mark in service.env_files:
        file = directory / name
        if not file.is_file():
            if required:
                found.append(Finding(Severity.ERROR, "env-file",
                                     f"services.{service.name}.env_file: {file} does not "
                                     "exist", file=shown))
            continue
        read, file_problems = read_env_file(file, variables, via=f"env_file of {via}")
        environment.update(read)
        found += file_problems
    for entry in service.entries:
        line = entry.mark.line if entry.mark else None
        column = entry.mark.column if entry.mark else None
        if entry.error is not None:
            found.append(Finding(Severity.ERROR, "interpolation", f"{entry.name}: "
                                 f"{entry.error}", file=shown, line=line, column=column))
        elif entry.value is not None:
            origin = Origin(shown, line, column, entry.name, _entry_via(via, entry.reference,
                                                                          variables))
            environment[entry.name] = Variable(entry.name, entry.value, origin)
    mounts = {target: _host_path(directory, source) for source, target, _ in service.mounts}
    for source, target, mark in service.mounts:
        if not _host_path(directory, source).exists():
            found.append(Finding(
                Severity.WARNING, "mount-missing",
                f"services.{service.name}.volumes: {source} does not exist beside the "
                f"compose file; docker would mount an empty directory at {target}",
                file=shown, line=mark.line if mark else None,
                column=mark.column if mark else None,
                hint="create the file, or fix the path (it is relative to the compose "
                "file)"))
    failed = frozenset(entry.name for entry in service.entries if entry.error is not None)
    return ServiceInputs(service.name, component, environment, mounts,
                         service.working_dir or "/app", tuple(found), failed)


def _entry_via(via: str, reference: str | None, variables: Mapping[str, str]) -> str:
    """Say which variable a whole-value `${VAR}` entry took its value from, and when that
    variable was unset (an empty value from `${VAR:-}` is the commonest surprise)."""
    if reference is None:
        return via
    state = "" if reference in variables else " unset"
    return f"{via}, ${{{reference}}}{state}"


def _host_path(directory: Path, source: str) -> Path:
    if source.startswith("~"):
        return Path(source).expanduser()
    return directory / source  # an absolute source replaces the directory


def mounted_files(mounts: Mapping[str, Path]) -> dict[str, Path]:
    """File mounts and the files inside directory mounts, by container path."""
    files: dict[str, Path] = {}
    for target, host in mounts.items():
        if host.is_dir():
            for child in sorted(host.iterdir()):
                if child.is_file():
                    files[str(PurePosixPath(target, child.name))] = child
        else:
            files[target] = host
    return files
