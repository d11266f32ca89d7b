"""Which files a migration reads, in which order of precedence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from sekha_migrate.errors import UsageError
from sekha_migrate.sources.compose_names import COMPOSE_PATTERNS, is_compose_name

# config-rs's File::with_name("config") reads ./config.* in any format it knows.
DISCOVERED_NAMES = ("config.toml", "config.yaml", "config.yml", "config.json", ".env")
# config-rs's File::with_name("config") reads any format it knows; these are the ones
# Sekha users wrote.
HOME_NAMES = ("config.toml", "config.yaml", "config.yml", "config.json")


class SourceKind(str, Enum):
    TOML = "toml"
    YAML = "yaml"
    ENV = "env"


class SourceLayer(int, Enum):
    """Precedence, lowest first, as the controller's loader applies it."""

    FILE = 1  # config.toml / v1 YAML in the project
    HOME = 2  # ~/.sekha/config.toml
    ENV_FILE = 3  # .env, compose environments
    PROCESS_ENV = 4  # SEKHA_* variables of this process


@dataclass(frozen=True)
class SourceFile:
    path: Path
    kind: SourceKind
    layer: SourceLayer

    @property
    def name(self) -> str:
        return str(self.path)


class MigrateUsageError(UsageError):
    """Arguments that name nothing to migrate, or a path that cannot be read (exit 2)."""


def kind_of(path: Path) -> SourceKind | None:
    name = path.name.lower()
    if name.endswith(".toml"):
        return SourceKind.TOML
    if name.endswith((".yaml", ".yml", ".json")):
        return SourceKind.YAML
    if name == ".env" or name.startswith(".env.") or name.endswith(".env"):
        return SourceKind.ENV
    return None


def explicit_sources(paths: Sequence[Path]) -> list[SourceFile]:
    """SOURCES given on the command line: structured files first, then env files, each in
    the order given (a later file wins over an earlier one of the same layer)."""
    found: list[SourceFile] = []
    for path in paths:
        try:
            exists = path.exists()
        except OSError as exc:
            raise MigrateUsageError(f"{path} cannot be read: {exc.strerror}") from None
        if not exists:
            raise MigrateUsageError(f"{path} does not exist")
        if path.is_dir():
            raise MigrateUsageError(f"{path} is a directory; use --dir to migrate a directory")
        kind = kind_of(path)
        if kind is None:
            raise MigrateUsageError(
                f"cannot tell what {path} is: name it *.toml, *.yaml/*.yml or .env/*.env"
            )
        found.append(SourceFile(path, kind, _layer(path, kind)))
    return sorted(found, key=lambda source: source.layer)


def _layer(path: Path, kind: SourceKind) -> SourceLayer:
    """Compose files hold environments: they rank with .env files, above config files."""
    if kind is SourceKind.ENV or is_compose_name(path):
        return SourceLayer.ENV_FILE
    return SourceLayer.FILE


def discover_sources(directory: Path, *, include_home: bool, home: Path) -> list[SourceFile]:
    """config.toml, config.yaml/.yml, compose files and .env in `directory`;
    ~/.sekha/config.* on request."""
    if not directory.is_dir():
        raise MigrateUsageError(f"{directory} is not a directory")
    found: list[SourceFile] = []
    for name in DISCOVERED_NAMES:
        path = directory / name
        if path.is_file():
            kind = kind_of(path)
            assert kind is not None
            found.append(SourceFile(path, kind, _layer(path, kind)))
    for path in sorted({p for pattern in COMPOSE_PATTERNS for p in directory.glob(pattern)}):
        if path.is_file():
            found.append(SourceFile(path, SourceKind.YAML, SourceLayer.ENV_FILE))
    if include_home:
        found += home_source(home)
    return sorted(found, key=lambda source: source.layer)


def home_source(home: Path) -> list[SourceFile]:
    """~/.sekha/config.* when it exists (the controller's per-user file, any format)."""
    found = []
    for path in home_configs(home, required=True):
        kind = kind_of(path)
        assert kind is not None
        found.append(SourceFile(path, kind, SourceLayer.HOME))
    return found


def home_configs(home: Path, *, required: bool = False) -> list[Path]:
    """The ~/.sekha/config.* files a v1 controller run as this user would read. A home this
    user cannot read (`sudo -u app` keeping HOME=/root, `docker run --user 1000`) holds none
    that can be migrated: [] then, or MigrateUsageError when they were asked for."""
    found = []
    for name in HOME_NAMES:
        path = home / ".sekha" / name
        try:
            if path.is_file():
                found.append(path)
        except OSError as exc:
            if required:
                raise MigrateUsageError(
                    f"--include-home: cannot read {path.parent} ({exc.strerror}); is HOME "
                    f"({home}) this user's home?"
                ) from None
            return []
    return found


def v1_home(environ: Mapping[str, str]) -> Path:
    """The home the v1 controller used for ~/.sekha/config.*: $HOME, or "." when HOME is
    unset (its own fallback, so a service without HOME read ./.sekha/config.*)."""
    home = environ.get("HOME")
    return Path(home) if home else Path(".")


def user_home() -> Path | None:
    """The home directory, or None when it cannot be known (HOME unset, no passwd entry)."""
    try:
        return Path.home()
    except (RuntimeError, KeyError):
        return None

