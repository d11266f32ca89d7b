"""Which files a migration reads, in which order of precedence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

DISCOVERED_NAMES = ("config.toml", "config.yaml", "config.yml", ".env")


class SourceKind(str, Enum):
    TOML = "toml"
    YAML = "yaml"
    ENV = "env"


class SourceLayer(int, Enum):
    """Precedence, lowest first, as the controller's loader applies it."""

    FILE = 1  # config.toml / v1 YAML in the project
    HOME = 2  # ~/.sekha/config.toml
    ENV_FILE = 3  # .env
    PROCESS_ENV = 4  # SEKHA_* variables of this process


@dataclass(frozen=True)
class SourceFile:
    path: Path
    kind: SourceKind
    layer: SourceLayer

    @property
    def name(self) -> str:
        return str(self.path)


class MigrateUsageError(Exception):
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
        if not path.exists():
            raise MigrateUsageError(f"{path} does not exist")
        if path.is_dir():
            raise MigrateUsageError(f"{path} is a directory; use --dir to migrate a directory")
        kind = kind_of(path)
        if kind is None:
            raise MigrateUsageError(
                f"cannot tell what {path} is: name it *.toml, *.yaml/*.yml or .env/*.env"
            )
        layer = SourceLayer.ENV_FILE if kind is SourceKind.ENV else SourceLayer.FILE
        found.append(SourceFile(path, kind, layer))
    return sorted(found, key=lambda source: source.layer)


def discover_sources(directory: Path, *, include_home: bool, home: Path) -> list[SourceFile]:
    """config.toml, config.yaml/.yml and .env in `directory`; ~/.sekha/config.toml on request."""
    if not directory.is_dir():
        raise MigrateUsageError(f"{directory} is not a directory")
    found: list[SourceFile] = []
    for name in DISCOVERED_NAMES:
        path = directory / name
        if path.is_file():
            kind = kind_of(path)
            assert kind is not None
            layer = SourceLayer.ENV_FILE if kind is SourceKind.ENV else SourceLayer.FILE
            found.append(SourceFile(path, kind, layer))
    if include_home:
        found += home_source(home)
    return sorted(found, key=lambda source: source.layer)


def home_source(home: Path) -> list[SourceFile]:
    """~/.sekha/config.toml when it exists (the controller's per-user file)."""
    path = home / ".sekha" / "config.toml"
    return [SourceFile(path, SourceKind.TOML, SourceLayer.HOME)] if path.is_file() else []

