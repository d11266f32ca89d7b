"""The files a component can see, and reading one into data with the line of each key.

A component sees its working directory; in a compose project it sees what the service
mounts, at the path it is mounted to. `FileView` answers "which host file is at this path
inside the component?" for both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from sekha_migrate.findings import DataPath, Finding, Mark, Severity
from sekha_migrate.sources.text import SourceError, decode_text, read_bytes
from sekha_migrate.sources.toml_doc import load_toml
from sekha_migrate.sources.yaml_doc import load_yaml


class FileView(NamedTuple):
    """The files one component sees. `directory`: its working directory is this host
    directory. `mounts`: container path -> host path (a compose service's bind mounts),
    with `workdir` the container's working directory."""

    directory: Path | None = None
    mounts: Mapping[str, Path] = {}  # a tuple field: never mutated, so one {} serves all
    workdir: str = "/app"
    # Files not written yet (a migration's output): container path -> (name to show, text).
    texts: Mapping[str, tuple[str, str]] = {}

    def _inside(self, name: str) -> str:
        return str(PurePosixPath(self.workdir, name))

    def exists(self, name: str) -> bool:
        return self._inside(name) in self.texts or self.find(name) is not None

    def read(self, name: str) -> ReadFile | None:
        """The file at `name`, parsed; None when there is none."""
        if self._inside(name) in self.texts:
            shown, text = self.texts[self._inside(name)]
            return read_config_text(text, shown, PurePosixPath(name).suffix)
        path = self.find(name)
        return read_config_file(path) if path is not None else None

    def find(self, name: str) -> Path | None:
        """The host file at `name` (relative to the working directory, or absolute in the
        container), when it exists."""
        if self.directory is not None:
            candidate = self.directory / name  # an absolute name replaces the directory
            return candidate if candidate.is_file() else None
        host = self.mounts.get(self._inside(name))
        return host if host is not None and host.is_file() else None

    def shown(self, name: str) -> str:
        """How to name `name` in messages: the host path, or the container path."""
        if self._inside(name) in self.texts:
            return self.texts[self._inside(name)][0]
        host = self.find(name)
        if host is not None:
            return str(host)
        if self.directory is not None:
            return str(self.directory / name)
        return str(PurePosixPath(self.workdir, name))


class ReadFile(NamedTuple):
    """A configuration file's data and where each key was written; `problem` when it could
    not be read (the component would stop at start)."""

    path: str
    data: Any = None
    mark_for: Callable[[DataPath], Mark | None] = lambda path: None
    problem: Finding | None = None


def read_config_file(path: Path) -> ReadFile:
    """TOML by its extension, anything else as YAML (JSON is YAML too)."""
    try:
        text = decode_text(read_bytes(path))
    except SourceError as exc:
        return ReadFile(str(path), problem=exc.finding(file=str(path)))
    return read_config_text(text, str(path), path.suffix)


def read_config_text(text: str, shown: str, suffix: str) -> ReadFile:
    try:
        if suffix.lower() == ".toml":
            toml = load_toml(text)
            return ReadFile(shown, toml.data, toml.mark_for)
        yaml = load_yaml(text)
        return ReadFile(shown, yaml.data, lambda p: yaml.mark_for(p, prefer_key=True))
    except SourceError as exc:
        return ReadFile(shown, problem=exc.finding(file=shown))
    except RecursionError:
        return ReadFile(shown, problem=Finding(Severity.ERROR, "syntax",
                                               "nesting too deep to read", file=shown))
