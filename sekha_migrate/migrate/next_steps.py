"""The operator's next steps after a migration: which file goes to which program at which
path, which variables to set for which program, and which compose entries become dead.
Derived from the loaders' facts (model.loaders), never from a copy of them."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from pathlib import Path

from sekha_migrate.migrate.results import KeyRead, KeyStatus, NextStep
from sekha_migrate.migrate.secrets_out import KEPT, SECRETS_FILE, Placed, where_set
from sekha_migrate.model import loaders

CONTROLLER, BRIDGE = loaders.CONTROLLER, loaders.BRIDGE


def _unloaded_env_file(item: Placed) -> bool:
    """The bridge loads no .env (consumers.md section 2): a key kept in one never reaches it
    unless something hands the file to its environment."""
    where = (item.where or "").rsplit(":", 1)[0]
    name = where.replace("\\", "/").rsplit("/", 1)[-1]
    return item.component == loaders.BRIDGE and (name == ".env" or name.startswith(".env."))


def next_steps(
    *,
    target: str,
    output: Path,
    secrets_file: Path | None,
    placed: Sequence[Placed],
    reads: Sequence[KeyRead],
    compose_files: Collection[str],
) -> tuple[NextStep, ...]:
    steps = [*_files(target, output, secrets_file, placed), *_variables(placed)]
    steps += _dead_entries(target, reads, compose_files, output.parent)
    return tuple(steps)


def _files(
    target: str, output: Path, secrets_file: Path | None, placed: Sequence[Placed]
) -> Iterator[NextStep]:
    name = output.name
    if target == "docker":
        ahead = ", ".join(n for n in loaders.CONTROLLER_FILE_ORDER[
            :loaders.CONTROLLER_FILE_ORDER.index("config.yaml")])
        yield NextStep(CONTROLLER, "file", name,
                       f"mount it at {loaders.CONTROLLER_WORKDIR}/config.yaml, with no {ahead} "
                       "beside it (the controller reads only the first config.* it finds)")
        yield NextStep(BRIDGE, "file", name,
                       "not the bridge's file (it reads providers / provider_type): write its "
                       "own with sekha migrate --target bridge")
    elif target == "bridge":
        yield NextStep(BRIDGE, "file", name,
                       f"mount it at {loaders.BRIDGE_WORKDIR}/"
                       f"{loaders.BRIDGE_DEFAULT_CONFIG_PATH}, or set "
                       f"{loaders.BRIDGE_CONFIG_PATH_VARIABLE} to its path")
    else:
        yield NextStep(CONTROLLER, "file", name,
                       "the controller service's env_file: (or the compose project's .env); "
                       "keep it private when it holds keys")
    if secrets_file is None:
        return
    moved = {p.component for p in placed if p.how == SECRETS_FILE}
    if CONTROLLER in moved:
        yield NextStep(CONTROLLER, "file", secrets_file.name,
                       "the controller service's env_file:, or the .env in its working "
                       f"directory ({loaders.CONTROLLER_WORKDIR}); mode 0600, never committed")
    if BRIDGE in moved:
        yield NextStep(BRIDGE, "file", secrets_file.name,
                       "the bridge service's env_file: (the bridge loads no .env itself); "
                       "mode 0600, never committed")


def _variables(placed: Sequence[Placed]) -> Iterator[NextStep]:
    seen: set[tuple[str, str]] = set()
    for item in placed:
        if item.name is None or (item.component, item.name) in seen:
            continue
        seen.add((item.component, item.name))
        if item.how == SECRETS_FILE:
            detail = f"its value is in {item.where}"
        elif item.how == KEPT and item.where is not None and _unloaded_env_file(item):
            detail = (f"set in {item.where}, which the bridge does not load (it reads no "
                      ".env): pass it to the bridge's environment (compose environment: or "
                      "env_file:, or export it)")
        elif item.how == KEPT and item.where is not None:
            detail = f"already set in {item.where}; keep it in this program's environment"
        else:
            detail = "referred to in the file; set it in this program's environment"
        yield NextStep(item.component, "variable", item.name, detail)


def _dead_entries(
    target: str, reads: Sequence[KeyRead], compose_files: Collection[str], base: Path
) -> Iterator[NextStep]:
    """Compose entries that configure nothing once the migrated file is in place."""
    for read in reads:
        origin = read.origin
        if origin.file not in compose_files or read.status is not KeyStatus.MAPPED:
            continue
        entry = f"{where_set(origin, base)} {origin.key}"
        if read.component == CONTROLLER and loaders.controller_env_key(origin.key) is None:
            yield NextStep(CONTROLLER, "dead", entry,
                           "the controller never reads this name; its value is now in the "
                           "migrated file: remove the entry")
        elif (read.component == BRIDGE and target == "bridge"
              and origin.key in loaders.BRIDGE_FROM_ENV_ONLY):
            yield NextStep(BRIDGE, "dead", entry,
                           "read only when the bridge has no config file; its value is now "
                           "in the migrated file: remove the entry")
