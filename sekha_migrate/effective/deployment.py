"""From what an operator points at (a directory, a config file, an env file, a compose file)
to what each Sekha component there will run with."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sekha_migrate.effective.bridge import resolve_bridge
from sekha_migrate.effective.controller import resolve_controller, with_dotenv
from sekha_migrate.effective.environment import (
    ServiceInputs,
    mounted_files,
    read_compose_project,
    read_env_file,
)
from sekha_migrate.effective.files import FileView, read_config_file
from sekha_migrate.effective.proxy import proxy_environment, resolve_proxy
from sekha_migrate.effective.values import (
    EffectiveConfig,
    Environment,
    Unread,
    Variable,
    process_environment,
    with_secrets,
)
from sekha_migrate.errors import UsageError
from sekha_migrate.findings import Finding
from sekha_migrate.model import loaders
from sekha_migrate.origin import Origin
from sekha_migrate.sources.compose_names import COMPOSE_PATTERNS, is_compose_name
from sekha_migrate.sources.k8s_doc import is_configmap

if TYPE_CHECKING:
    from sekha_migrate.sources.compose_doc import ComposeService

_BRIDGE_NAMES = frozenset({"OLLAMA_BASE_URL", "EMBEDDING_MODEL", "CHAT_MODEL", "VISION_MODEL",
                           "CONFIG_PATH", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"})


class ShowUsageError(UsageError):
    """A path that does not exist or cannot be read as configuration (exit 2)."""


@dataclass(frozen=True)
class EffectiveDeployment:
    """Every component found at the paths given, each as it will run."""

    configs: tuple[EffectiveConfig, ...]
    findings: tuple[Finding, ...] = ()

    def component(self, name: str) -> EffectiveConfig | None:
        return next((c for c in self.configs if c.component == name), None)

    @property
    def ok(self) -> bool:
        return all(c.starts for c in self.configs) and not any(
            f.severity.value == "error" for f in self.findings)


@dataclass(frozen=True)
class Scope:
    """Where the components run: their environment (the shell's, by default none) and the
    controller's $HOME (None: no ~/.sekha/config.* read)."""

    environ: Mapping[str, str] = field(default_factory=dict)
    home: Path | None = None
    components: tuple[str, ...] = loaders.COMPONENTS


def resolve_paths(paths: Sequence[str | os.PathLike[str]], scope: Scope | None = None
                  ) -> EffectiveDeployment:
    """The effective configuration of each component the paths configure."""
    scope = scope or Scope()
    configs: list[EffectiveConfig] = []
    findings: list[Finding] = []
    for raw in paths or (".",):
        path = Path(raw)
        if not path.exists():
            raise ShowUsageError(f"{path} does not exist")
        if path.is_dir():
            composes = sorted({p for pattern in COMPOSE_PATTERNS for p in path.glob(pattern)})
            if composes:
                for compose in composes:
                    _compose(compose, scope, configs, findings)
            else:
                configs += resolve_directory(path, scope)
        elif is_compose_name(path):
            _compose(path, scope, configs, findings)
        else:
            configs += _file(path, scope)
    return EffectiveDeployment(tuple(configs), tuple(findings))


def resolve_directory(directory: Path, scope: Scope,
                      extra: Environment | None = None) -> list[EffectiveConfig]:
    """The components started in `directory` as their working directory, with the shell's
    environment (and `extra` variables, as an env file handed to them would give)."""
    files = FileView(directory)
    shell = {**process_environment(scope.environ), **(extra or {})}
    if scope.components != loaders.COMPONENTS:  # asked for by name: shown whatever is there
        wanted = set(scope.components)
    else:
        wanted = _components_of(directory, shell) if extra is None else _named_components(shell)
    configs = []
    for component in scope.components:
        if component not in wanted:
            continue
        configs.append(_resolve(component, files, shell, scope.home))
    return configs


def _resolve(component: str, files: FileView, environment: Environment,
             home: Path | None, service: str | None = None) -> EffectiveConfig:
    config = _resolve_one(component, files, environment, home, service)
    config = config._replace(unread=(*config.unread, *_fed_elsewhere(component, environment)))
    return with_secrets(config, environment)


def _fed_elsewhere(component: str, environment: Environment) -> list[Unread]:
    """Names handed to this component (by compose or an env file) that another Sekha
    component reads, or an older release of this one: dead configuration here."""
    from sekha_migrate.model import v1_components

    unread = []
    for name, variable in sorted(environment.items()):
        if variable.origin.via == "process environment" or loaders.reads_name(component, name):
            continue
        if name.startswith("SEKHA_") and component == loaders.CONTROLLER:
            continue  # the controller's resolver says why itself
        readers = [c for c in loaders.COMPONENTS if c != component and loaders.reads_name(c, name)]
        if readers:
            why = f"read by the {' and the '.join(readers)}, not the {component}"
        elif (name in v1_components.BRIDGE_ENV_NAMES or name in v1_components.PROXY_ENV_NAMES
              or name.startswith("SEKHA")):
            why = f"a name of an older Sekha release: the {component} does not read it"
        else:
            continue
        unread.append(Unread(name, why, variable.origin))
    return unread


def _resolve_one(component: str, files: FileView, environment: Environment,
                 home: Path | None, service: str | None) -> EffectiveConfig:
    if component == loaders.CONTROLLER:
        merged, dotenv, problems = with_dotenv(files, environment)
        config = resolve_controller(files, merged, home=home, service=service)
        return _with(config, dotenv, problems)
    if component == loaders.BRIDGE:
        config = resolve_bridge(files, environment, service=service)
        dotenv_path = files.find(".env")
        if dotenv_path is not None:
            config = config._replace(unread=(*config.unread, Unread(
                str(dotenv_path), "the bridge loads no .env: give its variables through "
                "compose (environment: or env_file:) or the process environment")))
        return config
    merged, dotenv, problems = proxy_environment(files, environment)
    return _with(resolve_proxy(merged, service=service), dotenv, problems)


def _with(config: EffectiveConfig, dotenv: str | None, problems: list[Finding]
          ) -> EffectiveConfig:
    read = (*config.files_read, dotenv) if dotenv else config.files_read
    return config._replace(files_read=read, findings=(*problems, *config.findings))


def _components_of(directory: Path, environment: Environment) -> set[str]:
    """Which components a directory configures: a controller config, a bridge YAML, names
    only the bridge or the proxy read in its .env or environment. The controller when
    nothing says otherwise."""
    found: set[str] = set()
    names = set(environment)
    dotenv = directory / ".env"
    if dotenv.is_file():
        names |= set(read_env_file(dotenv, {}, via="")[0])
    config_yaml = directory / loaders.BRIDGE_DEFAULT_CONFIG_PATH
    if config_yaml.is_file():
        data = read_config_file(config_yaml).data
        if isinstance(data, dict) and "providers" in data:
            found.add(loaders.BRIDGE)
    if any((directory / name).is_file() for name in loaders.CONTROLLER_FILE_ORDER
           if not (name == "config.yaml" and loaders.BRIDGE in found)):
        found.add(loaders.CONTROLLER)
    found |= _named_components(dict.fromkeys(names))
    return found or {loaders.CONTROLLER}


def _named_components(names: Mapping[str, object]) -> set[str]:
    found: set[str] = set()
    for name in names:
        if loaders.controller_env_key(name) is not None:
            found.add(loaders.CONTROLLER)
        elif name in _BRIDGE_NAMES:
            found.add(loaders.BRIDGE)
        elif name in loaders.PROXY_ENV:
            found.add(loaders.PROXY)
    return found


def _file(path: Path, scope: Scope) -> list[EffectiveConfig]:
    name = path.name.lower()
    if name.startswith(".env.") or name.endswith(".env"):  # .env itself ends with .env
        given, problems = read_env_file(path, scope.environ, via="env file given")
        configs = resolve_directory(path.parent, scope, extra=given) if given else []
        return [_with(c, None, problems) for c in configs] or [
            *resolve_directory(path.parent, replace(scope, components=(loaders.CONTROLLER,)))]
    data = read_config_file(path).data
    if is_configmap(data) and loaders.CONTROLLER in scope.components:
        from sekha_migrate.effective.k8s import configmap_view

        view, said = configmap_view(path, data)
        config = _resolve(loaders.CONTROLLER, view, process_environment(scope.environ),
                          scope.home)
        return [config._replace(mode=f"{config.mode}; {said}")]
    if isinstance(data, dict) and "providers" in data and loaders.BRIDGE in scope.components:
        # A bridge YAML: the bridge started with CONFIG_PATH naming it.
        shell = process_environment(scope.environ)
        origin_path = Variable(loaders.BRIDGE_CONFIG_PATH_VARIABLE, str(path.resolve()),
                               _given(path))
        return [_resolve(loaders.BRIDGE, FileView(path.parent),
                         {**shell, loaders.BRIDGE_CONFIG_PATH_VARIABLE: origin_path},
                         scope.home)]
    if loaders.CONTROLLER not in scope.components:
        return []
    if path.name in loaders.CONTROLLER_FILE_ORDER:
        return [_resolve(loaders.CONTROLLER, FileView(path.parent),
                         process_environment(scope.environ), scope.home)]
    # Any other name is never read by the controller as it is: show it as the config
    # file it would have to become, and say so.
    target = f"/app/config{path.suffix or '.toml'}"
    config = _resolve(loaders.CONTROLLER, FileView(mounts={target: path.resolve()}),
                      process_environment(scope.environ), scope.home)
    return [config._replace(mode=f"{config.mode}; {path.name} shown as {target}, the name "
                    "the controller reads (it never reads a file called "
                    f"{path.name})")]


def _given(path: Path) -> Origin:
    return Origin(None, key=f"the file given ({path})")


class ComposeDeployment(NamedTuple):
    """A compose project as it will run: every service, and the effective configuration of
    each Sekha service by its service name."""

    path: Path
    services: tuple[ComposeService, ...]
    inputs: Mapping[str, ServiceInputs]
    configs: Mapping[str, EffectiveConfig]
    findings: tuple[Finding, ...]


def resolve_compose(path: Path, scope: Scope | None = None) -> ComposeDeployment:
    """Each Sekha service of a compose file, with the environment compose gives it and the
    files it mounts, as its container sees them."""
    scope = scope or Scope()
    project = read_compose_project(path, scope.environ)
    configs: dict[str, EffectiveConfig] = {}
    for service in project.sekha:
        if service.component not in scope.components:
            continue
        files = FileView(mounts=mounted_files(service.mounts), workdir=service.working_dir)
        config = _resolve(service.component, files, service.environment, None,
                          service=f"{service.name} in {path.name}")
        configs[service.name] = config._replace(findings=(*service.findings, *config.findings))
    return ComposeDeployment(path, project.services,
                             {service.name: service for service in project.sekha}, configs,
                             project.findings)


def _compose(path: Path, scope: Scope, configs: list[EffectiveConfig],
             findings: list[Finding]) -> None:
    deployment = resolve_compose(path, scope)
    findings += deployment.findings
    configs += deployment.configs.values()
