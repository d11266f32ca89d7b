"""validate's result cache: a file whose verdict cannot have changed is not checked again.

As ruff and mypy keep theirs, in `.sekha-migrate-cache/` in the directory `sekha validate`
runs from (it holds a `.gitignore` of `*`, so git never sees it). `--no-cache`, or
SEKHA_MIGRATE_NO_CACHE=1 in the environment, neither reads nor writes it.

An entry's key is a BLAKE2b hash over everything the verdict depends on:
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
where they quote a secret), never the document.

The entries of one tool and one set of settings live in one file (`results-<id>.json`): a
warm run over 500 files reads one file, not 500. It is rewritten only when a run checked a
file, to a temporary file renamed into place, so concurrent runs never see half of it; the
last writer wins, and what another run added and it did not hold is only a miss next time.
A file that cannot be read is empty (every file misses). A new one removes those older than
a week (another tool version's, other settings').
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sekha_migrate import __version__
from sekha_migrate.findings import FileResult, Finding, Severity
from sekha_migrate.sources.compose_names import is_compose_name

try:  # CPython's own BLAKE2: hashlib would load OpenSSL first, 2.5 ms of every run
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter without it
    from hashlib import blake2b

DIRECTORY = ".sekha-migrate-cache"
DISABLE_VARIABLE = "SEKHA_MIGRATE_NO_CACHE"
ENTRY_FORMAT = 2
# Over-inclusive on purpose: a name that is not a reference only costs a key part.
_NAMES = re.compile(rb"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_MCP_KEY_VARIABLE = "SEKHA__MCP_API_KEY"
_PACKAGE = Path(__file__).resolve().parent.parent
MAX_ENTRIES = 20_000  # the oldest go first: paths validated once, long ago
STALE_SECONDS = 7 * 24 * 3600
_CHART_NAMES = frozenset({"values.yaml", "values.yml", "Chart.yaml"})


def cache_disabled(environ: Mapping[str, str]) -> bool:
    return environ.get(DISABLE_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def tool_fingerprint() -> str:
    """The version and every file of the package (size, modification time): what decides
    findings is code and data shipped here."""
    digest = blake2b(f"{__version__}\0{ENTRY_FORMAT}".encode(), digest_size=32)
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
    """The entries in `directory` for one set of settings (`settings`: every option that
    changes findings, as text). `get` and `put` during a run, `save` once at its end."""

    def __init__(self, directory: Path, settings: str) -> None:
        self.directory = directory
        self._prefix = blake2b(f"{tool_fingerprint()}\0{settings}".encode(), digest_size=32)
        self.file = directory / f"results-{self._prefix.hexdigest()[:24]}.json"
        self._entries: dict[str, list[Any]] | None = None
        self._new: dict[str, list[Any]] = {}  # made by this run, not yet written
        self._used: dict[str, str] = {}  # key -> path, of every entry this run answered or made

    def key(self, shown: str, data: bytes, env: Mapping[str, str]) -> str:
        digest = self._prefix.copy()
        digest.update(f"{len(shown)}:{shown}\0{len(data)}:".encode())
        digest.update(data)
        for name in sorted({m.decode() for m in _NAMES.findall(data)} | {_MCP_KEY_VARIABLE}):
            value = env.get(name)
            part = "-" if value is None else f"={len(value)}:{value}"
            digest.update(f"\0{name}{part}".encode("utf-8", "surrogatepass"))
        digest.update(_beside(shown).encode())
        return digest.hexdigest()

    def get(self, key: str, shown: str) -> FileResult | None:
        if self._entries is None:
            self._entries = _read_entries(self.file)
        entry = self._entries.get(key)
        if entry is None:
            return None
        try:
            result = _result(entry, shown)
        except (ValueError, KeyError, TypeError, IndexError):
            result = None  # damaged: check the file, and write its entry again
        if result is not None:
            self._used[key] = shown
        return result

    def put(self, key: str, result: FileResult) -> None:
        self._new[key] = _entry(result)
        self._used[key] = result.path

    def save(self) -> None:
        """Write the entries if this run made any, over what the file holds now (another
        run may have added some since this one read it). An older entry of a path this run
        answered is dropped (the file changed, or a variable it names); this run's entries
        go last, so that when there are too many the oldest go first."""
        if not self._new:
            return
        merged = {**(self._entries or {}), **_read_entries(self.file), **self._new}
        answered = set(self._used.values())
        entries = {k: e for k, e in merged.items()
                   if k not in self._used and _path_of(e) not in answered}
        entries.update((k, merged[k]) for k in self._used if k in merged)
        entries = dict(list(entries.items())[-MAX_ENTRIES:])
        try:
            created = self._ensure_directory()
            _write_atomically(self.directory, self.file,
                              json.dumps({"format": ENTRY_FORMAT, "entries": entries},
                                         ensure_ascii=False, separators=(",", ":")))
            if created:
                _remove_stale(self.directory, keep=self.file)
        except OSError:
            pass  # a cache that cannot be written only costs the next run its time
        self._new = {}

    def _ensure_directory(self) -> bool:
        """Make the directory and its .gitignore if missing; whether this run's file is new."""
        new = not self.file.is_file()
        if (self.directory / ".gitignore").is_file():
            return new
        self.directory.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.directory, self.directory / ".gitignore",
                          "# Written by sekha-migrate: its result cache, never committed.\n*\n")
        return new


def _read_entries(file: Path) -> dict[str, list[Any]]:
    try:
        with open(file, "rb") as stream:
            stored = json.loads(stream.read())
        if stored["format"] != ENTRY_FORMAT or not isinstance(stored["entries"], dict):
            return {}
        return dict(stored["entries"])
    except (OSError, ValueError, KeyError, TypeError):
        return {}  # absent, written by another format, or damaged: every file misses


def _write_atomically(directory: Path, target: Path, text: str) -> None:
    import tempfile  # only a run that checked a file writes

    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".entry-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


def _remove_stale(directory: Path, *, keep: Path) -> None:
    """Other tools' and other settings' files not written for a week (and entries of the
    one-file-per-entry format before this one)."""
    limit = time.time() - STALE_SECONDS
    for path in directory.glob("*.json"):
        try:
            if path != keep and path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


# An entry: [path, readable, target, skipped, findings], each finding
# [severity, code, message, file, line, column, path, hint]: lists, the fastest to read.
def _entry(result: FileResult) -> list[Any]:
    return [result.path, result.readable, result.target, result.skipped,
            [[f.severity.value, f.code, f.message, f.file, f.line, f.column, f.path, f.hint]
             for f in result.findings]]


def _path_of(entry: Any) -> Any:
    return entry[0] if isinstance(entry, list) and entry else None


def _result(entry: list[Any], shown: str) -> FileResult | None:
    path, readable, target, skipped, findings = entry
    if path != shown:
        return None
    return FileResult(shown, tuple(_finding(*item) for item in findings),
                      readable=bool(readable), target=target, skipped=skipped)


def _finding(severity: str, code: str, message: str, file: str | None, line: int | None,
             column: int | None, path: str, hint: str | None) -> Finding:
    return Finding(Severity(severity), code, message, file=file, line=line, column=column,
                   path=path, hint=hint)


def _beside(shown: str) -> str:
    """Which of the controller's config.* sit beside a file the controller could read (one
    of them shadows the others: consumers.shadowed_config)."""
    from sekha_migrate.model.loaders import CONTROLLER_FILE_ORDER

    if os.path.basename(shown) not in CONTROLLER_FILE_ORDER:
        return ""
    directory = os.path.dirname(shown) or "."
    return ",".join(n for n in CONTROLLER_FILE_ORDER if os.path.isfile(os.path.join(directory, n)))


def cacheable(shown: str, data: bytes, target: str | None) -> bool:
    """Whether the verdict depends on this file's bytes alone: not a compose file (which
    validate reads as the deployment it describes, other files included), nor a Kubernetes
    manifest (the Deployment beside a ConfigMap says where it is mounted), nor a Helm chart's
    values or template (the chart's templates say what a value becomes; a template met in a
    directory walk is skipped, named on the command line refused)."""
    if target is not None:
        return True
    if os.path.basename(shown) in _CHART_NAMES or b"{{" in data or b"apiVersion" in data:
        return False
    return b"services" not in data and not is_compose_name(Path(shown))
