"""What validate is asked to read: the paths (files, directories, globs, stdin) and the
variables for ${VAR}. Kept apart from the engine so that a run answered from the result
cache never imports the parser and the checks."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from sekha_migrate.errors import UsageError

CONFIG_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
# Directories never searched when a directory is given.
_SKIPPED_DIRS = {".git", ".sekha-backups", ".venv", "venv", "node_modules", "__pycache__"}


class ValidateUsageError(UsageError):
    """Arguments that name nothing to validate, or an env file that cannot be read."""


def expand_paths(arguments: Sequence[str]) -> list[str]:
    """Files as given; directories to their config files (recursively); globs to matches.

    Paths that do not exist are kept, so that validation reports them as unreadable.
    """
    return [item for item, _walked in expand_paths_marked(arguments)]


def expand_paths_marked(arguments: Sequence[str]) -> list[tuple[str, bool]]:
    """`expand_paths`, each path with whether it was found by walking a directory."""
    found: list[tuple[str, bool]] = []
    for argument in arguments:
        if not argument:
            raise ValidateUsageError("an empty path was given")
        if argument == STDIN:
            found.append((STDIN, False))
        elif os.path.isdir(argument):
            matches = _config_files_under(Path(argument))
            if not matches:
                raise ValidateUsageError(f"no .yaml, .yml or .json files in directory {argument}")
            found.extend((match, True) for match in matches)
        elif glob.has_magic(argument) and not os.path.exists(argument):
            matches = [m for m in sorted(glob.glob(argument, recursive=True)) if os.path.isfile(m)]
            if not matches:
                raise ValidateUsageError(f"no files match {argument}")
            found.extend((match, False) for match in matches)
        else:
            found.append((argument, False))
    # `config.yaml`, `./config.yaml` and a glob match of it are one file, validated once;
    # named anywhere, it counts as named.
    unique: dict[str, tuple[str, bool]] = {}
    for item, walked in found:
        key = item if item == STDIN else os.path.normpath(item)
        first = unique.setdefault(key, (item, walked))
        unique[key] = (first[0], first[1] and walked)
    return list(unique.values())


def _config_files_under(directory: Path) -> list[str]:
    files: list[str] = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        files.extend(
            os.path.join(root, name) for name in sorted(names) if name.endswith(CONFIG_SUFFIXES)
        )
    return files


def load_env(env_files: Iterable[Path | str]) -> dict[str, str]:
    """Variables for `${VAR}`: the env files in order, then the process environment on top."""
    merged: dict[str, str] = {}
    for env_file in env_files:
        from dotenv import dotenv_values

        path = Path(env_file)
        if not path.is_file():
            raise ValidateUsageError(f"env file {path} does not exist or is not a file")
        try:
            values = dotenv_values(path, encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidateUsageError(f"env file {path} cannot be read: {exc}") from None
        merged.update({k: v for k, v in values.items() if v is not None})
    merged.update(os.environ)
    return merged
