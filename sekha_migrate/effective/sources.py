"""A component's effective configuration from a set of sources as a migration names them:
config files (the first by config-rs's order stands in for `config.*`), ~/.sekha files,
env files and compose services (the environment the component starts with), and the
process environment; a file not written yet may be given as text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from sekha_migrate.effective.bridge import resolve_bridge
from sekha_migrate.effective.controller import resolve_controller
from sekha_migrate.effective.environment import (
    env_text_variables,
    read_compose_project,
    read_env_file,
)
from sekha_migrate.effective.files import FileView
from sekha_migrate.effective.proxy import resolve_proxy
from sekha_migrate.effective.values import (
    EffectiveConfig,
    Variable,
    process_environment,
    with_secrets,
)
from sekha_migrate.model import loaders


class SourceSet(NamedTuple):
    """The sources a component is started with. `texts` are files given as text (a
    migration's output): (name it would have, name to show, text)."""

    config_files: Sequence[Path] = ()
    home_files: Sequence[Path] = ()
    env_files: Sequence[Path] = ()
    compose_files: Sequence[Path] = ()
    environ: Mapping[str, str] = {}
    config_texts: Sequence[tuple[str, str, str]] = ()
    env_texts: Sequence[tuple[str, str]] = ()  # (name to show, text)


def resolve_source_set(component: str, sources: SourceSet) -> EffectiveConfig:
    """What `component` runs with when started with exactly these sources."""
    environment = _environment(component, sources)
    files = _files(component, sources)
    if component == loaders.CONTROLLER:
        home = sources.home_files[0].parent.parent if sources.home_files else None
        config = resolve_controller(files, environment, home=home)
    elif component == loaders.BRIDGE:
        config = resolve_bridge(files, environment)
    else:
        config = resolve_proxy(environment)
    return with_secrets(config, environment)


def _files(component: str, sources: SourceSet) -> FileView:
    """Each given config file where the component looks for it: the controller's
    /app/config.<ext>, the bridge's /app/config.yaml."""
    mounts: dict[str, Path] = {}
    texts: dict[str, tuple[str, str]] = {}
    for path in sources.config_files:
        if component == loaders.BRIDGE and path.suffix.lower() not in (".yaml", ".yml"):
            continue  # a TOML or JSON was the controller's; the bridge reads its YAML only
        mounts.setdefault(_inside(component, path.suffix), path)
    for name, shown, text in sources.config_texts:
        texts[_inside(component, PurePosixPath(name).suffix)] = (shown, text)
    return FileView(mounts=mounts, texts=texts)


def _inside(component: str, suffix: str) -> str:
    if component == loaders.BRIDGE:
        return f"{loaders.BRIDGE_WORKDIR}/{loaders.BRIDGE_DEFAULT_CONFIG_PATH}"
    return f"{loaders.CONTROLLER_WORKDIR}/config{suffix or '.toml'}"


def _environment(component: str, sources: SourceSet) -> dict[str, Variable]:
    """Env files and compose services below the process environment, as dotenvy and
    python-dotenv merge them (never overriding what is set)."""
    environment: dict[str, Variable] = {}
    shell = dict(sources.environ)
    for compose in sources.compose_files:
        for service in read_compose_project(compose, shell).sekha:
            if service.component == component:
                environment.update(service.environment)
    for path in sources.env_files:
        read, _problems = read_env_file(path, shell, via="env file")
        environment.update(read)
    for shown, text in sources.env_texts:
        environment.update(env_text_variables(text, shown, shell, via="env file")[0])
    environment.update(process_environment(sources.environ))
    return environment
