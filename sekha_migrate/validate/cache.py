"""validate's result cache: a file whose verdict cannot have changed is not checked again.

As ruff and mypy keep theirs, in `.sekha-migrate-cache/` in the directory `sekha validate`
runs from (it holds a `.gitignore` of `*`, so git never sees it). `--no-cache`, or
SEKHA_MIGRATE_NO_CACHE=1 in the environment, neither reads nor writes it.

An entry's name is a SHA-256 over everything the verdict depends on:
- the file's bytes and its path as shown (findings name it);
- the tool: its version, and the size and modification time of every file of the installed
  package (the rules, the schemas, the messages), so an upgrade or an edit misses;
- the settings that change findings: --strict, --target, --skip-non-sekha, the rule selection
  (--select / --ignore and the project file's settings, resolved);
- the value (or absence) of every variable the file names (`${VAR}`, `$VAR`), and of
  SEKHA__MCP_API_KEY, which the docker dialect's key check reads from the environment;
- for a controller file (config.yaml, ...), which other config.* sit beside it.
Files whose verdict reads other files (a compose file, which reads its env files and mounted
configs) and stdin are never cached. An entry holds what validate prints (findings are masked
where they quote a secret), never the document. Entries are written to a temporary file and
renamed into place, so concurrent runs never see half an entry; an entry that cannot be read
is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sekha_migrate import __version__
from sekha_migrate.findings import FileResult, Finding, Severity, ValidationRun
from sekha_migrate.sources.compose_names import is_compose_name
from sekha_migrate.validate.inputs import STDIN, expand_paths_marked

DIRECTORY = ".sekha-migrate-cache"
DISABLE_VARIABLE = "SEKHA_MIGRATE_NO_CACHE"
ENTRY_FORMAT = 1
# Over-inclusive on purpose: a name that is not a reference only costs a key part.
_NAMES = re.compile(rb"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_MCP_KEY_VARIABLE = "SEKHA__MCP_API_KEY"
_PACKAGE = Path(__file__).resolve().parent.parent

Finish = Callable[[FileResult], FileResult]


def cache_disabled(environ: Mapping[str, str]) -> bool:
    return environ.get(DISABLE_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def tool_fingerprint() -> str:
    """The version and every file of the package (size, modification time): what decides
    findings is code and data shipped here."""
    digest = hashlib.sha256(f"{__version__}\0{ENTRY_FORMAT}".encode())
    for root, dirs, names in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            path = os.path.join(root, name)
            try:
                status = os.stat(path)
            except OSError:
                continue
            digest.update(f"{path}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    from sekha_migrate.schema import SCHEMA_FILES, schema_file

    for dialect in SCHEMA_FILES:  # a source checkout reads them from schema/, beside the package
        try:
            digest.update(schema_file(dialect).read_bytes())
        except OSError:
            digest.update(f"no {dialect} schema".encode())  # validate itself says it is missing
    return digest.hexdigest()


class ResultCache:
    """Entries in `directory`, for one set of settings (`settings`: every option that
    changes findings, as text)."""

    def __init__(self, directory: Path, settings: str) -> None:
        self.directory = directory
        self._prefix = hashlib.sha256(f"{tool_fingerprint()}\0{settings}".encode()).digest()

    def key(self, shown: str, data: bytes, env: Mapping[str, str]) -> str:
        digest = hashlib.sha256(self._prefix)
        digest.update(f"{len(shown)}:{shown}\0{len(data)}:".encode())
        digest.update(data)
        for name in sorted({m.decode() for m in _NAMES.findall(data)} | {_MCP_KEY_VARIABLE}):
            value = env.get(name)
            part = "-" if value is None else f"={len(value)}:{value}"
            digest.update(f"\0{name}{part}".encode("utf-8", "surrogatepass"))
        digest.update(_beside(shown).encode())
        return digest.hexdigest()

    def get(self, key: str, shown: str) -> FileResult | None:
        try:
            entry = json.loads((self.directory / f"{key}.json").read_bytes())
            if entry["format"] != ENTRY_FORMAT or entry["path"] != shown:
                return None
            findings = tuple(_finding(item) for item in entry["findings"])
            return FileResult(shown, findings, readable=bool(entry["readable"]),
                              target=entry["target"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent, half-written by an older tool, or damaged: check the file

    def put(self, key: str, result: FileResult) -> None:
        entry = {
            "format": ENTRY_FORMAT,
            "path": result.path,
            "readable": result.readable,
            "target": result.target,
            "findings": [finding.to_dict() for finding in result.findings],
        }
        import tempfile  # only a miss writes: a run answered from the cache never loads it

        try:
            self._ensure_directory()
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".entry-")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump(entry, stream, ensure_ascii=False)
                os.replace(temporary, self.directory / f"{key}.json")
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass  # a cache that cannot be written only costs the next run its time

    def _ensure_directory(self) -> None:
        if (self.directory / ".gitignore").is_file():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        ignore = self.directory / ".gitignore"
        import tempfile

        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".gitignore-")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write("# Written by sekha-migrate: its result cache, never committed.\n*\n")
        os.replace(temporary, ignore)


def _finding(item: dict[str, Any]) -> Finding:
    return Finding(
        Severity(item["severity"]), str(item["code"]), str(item["message"]),
        file=item["file"], line=item["line"], column=item["column"], path=str(item["path"]),
        hint=item["hint"],
    )


def _beside(shown: str) -> str:
    """Which of the controller's config.* sit beside a file the controller could read (one
    of them shadows the others: consumers.shadowed_config)."""
    from sekha_migrate.model.loaders import CONTROLLER_FILE_ORDER

    if os.path.basename(shown) not in CONTROLLER_FILE_ORDER:
        return ""
    directory = os.path.dirname(shown) or "."
    return ",".join(n for n in CONTROLLER_FILE_ORDER if os.path.isfile(os.path.join(directory, n)))


def _cacheable(shown: str, data: bytes, target: str | None) -> bool:
    """Whether the verdict depends on this file's bytes alone: not a compose file (which
    validate reads as the deployment it describes, other files included), nor a Kubernetes
    manifest (the Deployment beside a ConfigMap says where it is mounted), nor a Helm chart's
    values or template (the chart's templates say what a value becomes; a template met in a
    directory walk is skipped, named on the command line refused)."""
    if target is not None:
        return True
    if Path(shown).name in _CHART_NAMES or b"{{" in data or b"apiVersion" in data:
        return False
    return not is_compose_name(Path(shown)) and b"services" not in data


_CHART_NAMES = frozenset({"values.yaml", "values.yml", "Chart.yaml"})


def validate_paths_cached(
    arguments: list[str],
    cache: ResultCache,
    *,
    env: Mapping[str, str],
    strict: bool,
    target: str | None,
    finish: Finish,
) -> ValidationRun:
    """validate_paths, answered from `cache` where it can; `finish` is what the command
    does to each file's result after checking it (--skip-non-sekha, the rule selection),
    so the entry holds the file's final findings."""
    from sekha_migrate.sources.text import SourceError, read_bytes

    results: list[FileResult] = []
    for item, walked in expand_paths_marked(arguments):
        data: bytes | None = None
        if item != STDIN:
            try:
                data = read_bytes(Path(item))
            except (SourceError, OSError):
                data = None  # the engine reads it again and says why it cannot
        if data is None or not _cacheable(item, data, target):
            results.append(finish(_uncached(item, walked, env, strict, target)))
            continue
        key = cache.key(item, data, env)
        result = cache.get(key, item)
        if result is None:
            from sekha_migrate.validate.engine import validate_file_bytes

            result = finish(validate_file_bytes(item, data, env=env, strict=strict,
                                                target=target))
            cache.put(key, result)
        results.append(result)
    return ValidationRun(tuple(results))


def _uncached(
    item: str, walked: bool, env: Mapping[str, str], strict: bool, target: str | None
) -> FileResult:
    from sekha_migrate.validate.engine import validate_paths

    if item == STDIN:
        return validate_paths([STDIN], env=env, strict=strict, target=target).files[0]
    from sekha_migrate.validate.engine import validate_file

    return validate_file(item, env=env, strict=strict, target=target, walked=walked)
