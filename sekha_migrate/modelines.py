"""The editor modeline (`# yaml-language-server: $schema=...`) that init and migrate write.

A modeline is committed with the config and read on every teammate's machine, so it may only
name what travels with the repository: a URL given with --schema-url, or a copy of the schema
inside the repository (`sekha schema --output schema/sekha-config-v2.schema.json`), named
relatively from the config file's directory (yaml-language-server resolves a relative
$schema from the YAML file, redhat-developer/yaml-language-server#499). Never the schema
inside this tool's installation (a virtualenv path) or an absolute checkout path: without a
copy in the repository and without a URL, no modeline is written.
"""

from __future__ import annotations

import os
from pathlib import Path

# Where a repository keeps its schema copy, looked for from the config's directory up to the
# repository's root; the first is what the docs suggest.
SCHEMA_DIRECTORIES = ("schema", "schemas", ".", ".sekha")


def modeline(schema_ref: str) -> str:
    """The comment (without '# ') that points YAML editors at the schema."""
    return f"yaml-language-server: $schema={schema_ref}"


def repository_schema(directory: Path, target: str = "docker") -> Path | None:
    """A copy of the target's schema in the repository that holds `directory` (or in that
    directory alone when it is in no git repository), nearest first."""
    from sekha_migrate.schema import SCHEMA_FILES

    name = SCHEMA_FILES[target]
    start = directory.resolve()
    root = _repository_root(start)
    for folder in [start, *start.parents] if root is not None else [start]:
        for sub in SCHEMA_DIRECTORIES:
            candidate = folder / sub / name
            if candidate.is_file():
                return candidate
        if folder == root:
            break
    return None


def relative_reference(schema: Path, directory: Path) -> str:
    """`schema` as the modeline names it from `directory`: `./x.json`, `../schema/x.json`."""
    relative = Path(os.path.relpath(schema.resolve(), directory.resolve())).as_posix()
    return relative if relative.startswith("../") else f"./{relative}"


def schema_reference(directory: Path, target: str, schema_url: str | None) -> str | None:
    """What the modeline of a config written into `directory` names: the URL given, else the
    repository's copy of the schema, else None (no modeline)."""
    if schema_url:
        return schema_url
    found = repository_schema(directory, target)
    return relative_reference(found, directory) if found is not None else None


def output_modeline(directory: Path, target: str, schema_url: str | None,
                    existing: bytes | None) -> list[str]:
    """The modeline a re-written output gets: the URL given, else the one the output already
    has (so that `migrate --check` in CI passes on the file as it was written), else the
    repository's copy of the schema, else none."""
    from sekha_migrate.schema import modeline_schema_url

    if schema_url is None and existing:
        schema_url = modeline_schema_url(existing.decode("utf-8", "replace"))
    reference = schema_reference(directory, target, schema_url)
    return [modeline(reference)] if reference else []


def _repository_root(directory: Path) -> Path | None:
    for folder in [directory, *directory.parents]:
        if (folder / ".git").exists():
            return folder
    return None
