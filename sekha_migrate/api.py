"""The public entry points that take a user's arguments as they come (str or PathLike
paths, keywords) and hand the library its own types. Everything here is re-exported by
`sekha_migrate`; see its docstring for the whole API."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from sekha_migrate.migrate.plan import MigrationRequest
from sekha_migrate.migrate.plan import plan_migration as _plan_migration
from sekha_migrate.migrate.results import MigrationPlan

PathArg = str | os.PathLike[str]


def plan_migration(
    request: MigrationRequest | None = None,
    *,
    sources: Iterable[PathArg] = (),
    directory: PathArg = ".",
    output: PathArg | None = None,
    target: str | None = None,
    include_home: bool = False,
    environ: Mapping[str, str] | None = None,
    dimension: int | None = None,
    probe: bool = False,
    externalize_secrets: bool = False,
    secrets_file: PathArg | None = None,
    schema_url: str | None = None,
) -> MigrationPlan:
    """Plan a migration without writing anything: read the sources (or discover them in
    `directory`), build the configuration in the `target` dialect (docker, bridge or env;
    default docker for v1 sources, and a v2 file keeps its own), and validate it.

    `environ` is the environment whose `SEKHA_*` variables override the files, as they did
    for the controller; the default `{}` reads the files only (pass `os.environ` to do what
    the CLI does). The plan's `.valid`, `.text`, `.issues` and `.reads` say what would be
    written and why; `apply_plan(plan)` writes it. Raises `UsageError` when the arguments
    name nothing to migrate. A `MigrationRequest` may be passed instead of the keywords.
    """
    if request is None:
        request = MigrationRequest(
            sources=tuple(Path(source) for source in sources),
            directory=Path(directory),
            output=Path(output) if output is not None else None,
            include_home=include_home,
            environ=dict(environ or {}),
            dimension=dimension,
            probe=probe,
            externalize_secrets=externalize_secrets,
            secrets_file=Path(secrets_file) if secrets_file is not None else None,
            target=target,
            schema_url=schema_url,
        )
    return _plan_migration(request)
