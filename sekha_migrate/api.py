"""The public entry points that take a user's arguments as they come (str or PathLike
paths, keywords) and hand the library its own types. Everything here is re-exported by
`sekha_migrate`; see its docstring for the whole API."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from sekha_migrate.migrate.plan import MigrationRequest
from sekha_migrate.migrate.plan import plan_migration as _plan_migration
from sekha_migrate.migrate.results import MigrationPlan

if TYPE_CHECKING:
    from sekha_migrate.effective.deployment import EffectiveDeployment

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
    chroma_url: str | None = None,
    accept_reembedding: bool = False,
) -> MigrationPlan:
    """Plan a migration without writing anything: read the sources (or discover them in
    `directory`), build the configuration in the `target` dialect (docker, bridge or env;
    default docker for v1 sources, and a v2 file keeps its own), and validate it.

    `environ` is the environment whose `SEKHA_*` variables override the files, as they did
    for the controller; the default `{}` reads the files only (pass `os.environ` to do what
    the CLI does). The plan's `.valid`, `.text`, `.issues` and `.reads` say what would be
    written and why; `apply_plan(plan)` writes it. Raises `UsageError` when the arguments
    name nothing to migrate. With `probe`, the Chroma at `chroma_url` (default: the v1
    controller's, when a source set it) is asked for the dimension of the vectors it holds,
    and a different new dimension is an error unless `accept_reembedding`. A
    `MigrationRequest` may be passed instead of the keywords.
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
            chroma_url=chroma_url,
            accept_reembedding=accept_reembedding,
        )
    return _plan_migration(request)


def effective_configuration(
    paths: Iterable[PathArg] = (".",),
    *,
    components: Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
    home: PathArg | None = None,
) -> EffectiveDeployment:
    """What each Sekha component (controller, bridge, proxy) configured at `paths` will run
    with: every setting's value, its origin (default, file:line, a variable and where it was
    set) and what it overrode, following each component's own loader.

    A path may be a directory (the components' working directory, or a compose project), a
    config file, an env file or a compose file. `environ` is the environment the components
    start with (and compose interpolates from); the default `{}` leaves the caller's shell
    out (pass `os.environ` to do what the CLI does). `home` is the controller's $HOME, for
    ~/.sekha/config.* (default: not read). `components` limits the result (default: all
    three). Raises `UsageError` for a path that does not exist.
    """
    from sekha_migrate.effective.deployment import Scope, resolve_paths
    from sekha_migrate.model import loaders

    chosen = tuple(components) if components is not None else loaders.COMPONENTS
    unknown = [c for c in chosen if c not in loaders.COMPONENTS]
    if unknown:
        from sekha_migrate.errors import UsageError

        raise UsageError(f"unknown component {unknown[0]!r}: choose controller, bridge or proxy")
    scope = Scope(environ=dict(environ or {}), home=Path(home) if home is not None else None,
                  components=chosen)
    return resolve_paths(list(paths), scope)
