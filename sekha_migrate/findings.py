"""Findings: one dataclass for every problem any command reports, rendered many ways.

validate, migrate, rollback and probe all return `Finding`s; `report.findings` renders one as a
text line or a JSON object, the same for every command.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field, replace
from enum import Enum
from typing import Any, NamedTuple

PathPart = str | int
DataPath = tuple[PathPart, ...]


class Severity(str, Enum):
    """How much a finding matters: an error fails the check (exit 1), a warning fails it only
    under --strict, an info is a note."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Mark(NamedTuple):
    """A 1-based position in a source file (a tuple: documents make many thousands)."""

    line: int
    column: int


@dataclass(frozen=True)
class Finding:
    """One problem or remark: what, how bad, and where (file position and document path).

    Everything after `message` is keyword-only: `file` and `path` are both strings, and a
    positional mix-up between them would pass the type checker.
    """

    severity: Severity
    code: str  # an entry of validate.rules: the registry documents every code
    message: str
    _: KW_ONLY
    file: str | None = None  # None: the file the caller reports on (validate's FileResult)
    line: int | None = None
    column: int | None = None
    path: str = "$"  # where in the document, "$" for the whole of it
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a finding, the same in every command's document."""
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class FileResult:
    """Everything `validate` found in one file. `data` is the parsed document, if it parsed."""

    path: str
    findings: tuple[Finding, ...]
    data: Any = field(default=None, compare=False, repr=False)
    readable: bool = True
    target: str | None = None  # the dialect it was validated as: docker, bridge or env
    skipped: str | None = None  # why the file was not checked (a compose file in a walk, ...)
    # Where a document path is in the file (the parser's marks), for findings made later
    # about the same document (probe's, about a provider entry).
    locate: Callable[[DataPath], Mark | None] | None = field(
        default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Each finding names its file, so it reads the same once it leaves this result
        # (migrate and probe pass validate's findings on; JSON consumers merge lists).
        named = tuple(f if f.file else replace(f, file=self.path) for f in self.findings)
        object.__setattr__(self, "findings", named)

    @property
    def valid(self) -> bool:
        return self.readable and not any(f.severity is Severity.ERROR for f in self.findings)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)


@dataclass(frozen=True)
class ValidationRun:
    files: tuple[FileResult, ...]

    @property
    def valid(self) -> bool:
        return all(f.valid for f in self.files)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every file's findings in order, each naming its file: what the renderers take."""
        return tuple(f for result in self.files for f in result.findings)

    @property
    def any_unreadable(self) -> bool:
        return any(not f.readable for f in self.files)

    def summary(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "valid_files": sum(1 for f in self.files if f.valid),
            "invalid_files": sum(1 for f in self.files if not f.valid),
            "errors": sum(f.count(Severity.ERROR) for f in self.files),
            "warnings": sum(f.count(Severity.WARNING) for f in self.files),
            "infos": sum(f.count(Severity.INFO) for f in self.files),
            "skipped_files": sum(1 for f in self.files if f.skipped is not None),
        }


def format_path(path: Sequence[PathPart]) -> str:
    """`("llm_providers", 1, "base_url")` -> `$.llm_providers[1].base_url`."""
    out = ["$"]
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part.isidentifier():
            out.append(f".{part}")
        else:
            out.append(f"[{part!r}]")
    return "".join(out)


_PATH_PART = re.compile(
    r"\.([A-Za-z_][A-Za-z0-9_]*)"  # .key
    r"|\[(\d+)\]"  # [index]
    r"|\[('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\]"  # ['any key'], as repr() quotes it
)


def parse_path(text: str) -> DataPath | None:
    """`$.llm_providers[1].base_url` -> `("llm_providers", 1, "base_url")`: the inverse of
    `format_path`; None for text that is not one of its paths."""
    if not text.startswith("$"):
        return None
    parts: list[PathPart] = []
    position = 1
    while position < len(text):
        found = _PATH_PART.match(text, position)
        if found is None:
            return None
        name, index, quoted = found.groups()
        if quoted is not None:
            import ast  # a quoted key is rare; the parser's import is not worth every start

            name = str(ast.literal_eval(quoted))
        parts.append(name if name is not None else int(index))
        position = found.end()
    return tuple(parts)


def place_findings(
    findings: Iterable[Finding], positions: Mapping[str, Mark]
) -> tuple[Finding, ...]:
    """Each finding without a line gets the position of its document path, where known."""
    placed = []
    for finding in findings:
        mark = positions.get(finding.path) if finding.line is None else None
        placed.append(finding if mark is None
                      else replace(finding, line=mark.line, column=mark.column))
    return tuple(placed)


def positions_of(
    findings: Iterable[Finding], locate: Callable[[DataPath], Mark | None]
) -> dict[str, Mark]:
    """The position of every finding's document path that `locate` knows."""
    positions: dict[str, Mark] = {}
    for finding in findings:
        parts = parse_path(finding.path)
        mark = locate(parts) if parts else None
        if mark is not None:
            positions[finding.path] = mark
    return positions


def value_at(data: Any, path: Sequence[PathPart]) -> Any:
    """The value at `path` in a parsed document, or None where the path does not exist."""
    current = data
    for part in path:
        try:
            current = current[part]
        except (KeyError, IndexError, TypeError):
            return None
    return current


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """File order: by line, then column; findings without a position first."""
    return tuple(sorted(findings, key=lambda f: (f.line or 0, f.column or 0, f.code)))


def escalate_warnings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """`--strict`: every warning becomes an error."""
    return tuple(
        replace(f, severity=Severity.ERROR) if f.severity is Severity.WARNING else f
        for f in findings
    )
