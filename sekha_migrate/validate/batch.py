"""`sekha validate` over many files: answered from the result cache where it can, the rest
checked (over more than one process when that pays), the results in the order given.

Each file's result leaves with its findings only: the parsed document and its marks are
dropped as soon as the file is checked, so a run over many files holds no document longer
than its own file (the library's `validate_paths` keeps them: its callers read them).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sekha_migrate.findings import FileResult, ValidationRun
from sekha_migrate.validate.inputs import STDIN, expand_paths_marked

if TYPE_CHECKING:
    from sekha_migrate.validate.cache import ResultCache

Finish = Callable[[FileResult], FileResult]


class Job(NamedTuple):
    """A file to check: where it goes in the run, its bytes when the cache read them (the
    entry is then written under `key`)."""

    position: int
    path: str
    walked: bool
    data: bytes | None = None
    key: str | None = None


def check_paths(
    arguments: Sequence[str],
    *,
    env: Mapping[str, str],
    strict: bool,
    target: str | None,
    finish: Finish,
    cache: ResultCache | None = None,
    environ: Mapping[str, str] | None = None,
) -> ValidationRun:
    """Validate files, directories and globs (`-`: stdin) as `validate_paths` does, each
    result passed through `finish` (what the command does to it: --skip-non-sekha, the rule
    selection), so a cache entry holds the file's final findings. `environ` decides how many
    processes check the files (SEKHA_MIGRATE_JOBS; default: os.environ)."""
    items = expand_paths_marked(arguments)
    results: list[FileResult | None] = [None] * len(items)
    jobs: list[Job] = []
    for index, (path, walked) in enumerate(items):
        data = _read(path) if cache is not None and path != STDIN else None
        if cache is None or data is None or not _cacheable(path, data, target):
            jobs.append(Job(index, path, walked, data))
            continue
        key = cache.key(path, data, env)
        results[index] = cache.get(key, path)
        if results[index] is None:
            jobs.append(Job(index, path, walked, data, key))
    if jobs:
        checked = _check_jobs(jobs, env=env, strict=strict, target=target, finish=finish,
                              environ=os.environ if environ is None else environ)
        for job, result in zip(jobs, checked, strict=True):
            results[job.position] = result
            if cache is not None and job.key is not None:
                cache.put(job.key, result)
    if cache is not None:
        cache.save()
    return ValidationRun(tuple(r for r in results if r is not None))


def _check_jobs(
    jobs: list[Job], *, env: Mapping[str, str], strict: bool, target: str | None,
    finish: Finish, environ: Mapping[str, str],
) -> list[FileResult]:
    from sekha_migrate.validate.workers import check_in_order, worker_count

    def check(job: Job) -> FileResult:
        return _checked(job, env=env, strict=strict, target=target, finish=finish)

    if any(job.path == STDIN for job in jobs):  # stdin is this process's to read
        return [check(job) for job in jobs]
    weights = [_size(job) for job in jobs] if len(jobs) > 1 else [0]
    return check_in_order(jobs, check, weights=weights, workers=worker_count(weights, environ))


def _checked(
    job: Job, *, env: Mapping[str, str], strict: bool, target: str | None, finish: Finish
) -> FileResult:
    from sekha_migrate.validate import engine

    if job.path == STDIN:
        result = engine.validate_paths([STDIN], env=env, strict=strict, target=target).files[0]
    else:
        data = job.data if job.data is not None else _read(job.path)
        result = engine.validate_file(job.path, env=env, strict=strict, target=target,
                                      walked=job.walked, data=data)
    return replace(finish(result), data=None, locate=None)


def _read(path: str) -> bytes | None:
    """The file's bytes, or None when they cannot be had (the engine reads it again and says
    why); without the engine reader's check for a directory, which open makes anyway."""
    from sekha_migrate.sources.text import MAX_CONFIG_BYTES, read_at_most

    try:
        with Path(path).open("rb") as stream:
            data = read_at_most(stream, MAX_CONFIG_BYTES)
    except (OSError, ValueError):
        return None
    return data if len(data) <= MAX_CONFIG_BYTES else None


def _size(job: Job) -> int:
    if job.data is not None:
        return len(job.data)
    try:
        return os.stat(job.path).st_size
    except (OSError, ValueError):
        return 0


def _cacheable(path: str, data: bytes, target: str | None) -> bool:
    from sekha_migrate.validate.cache import cacheable

    return cacheable(path, data, target)
