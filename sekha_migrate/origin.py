"""Where a value came from: one type for migrate's reads and the effective configuration.

Origins travel with values the way positions travel with findings, so every message about
a value can say where it was set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

ENVIRONMENT = "<environment>"


class Origin(NamedTuple):
    """Where a value came from: a file and line, the environment, a flag, or a default.

    `via` says how a variable reached the program that read it, when that is not the file
    itself: "process environment", ".env (dotenvy)", "compose service controller".
    """

    file: str | None
    line: int | None = None
    column: int | None = None
    key: str = ""
    via: str = ""

    @property
    def is_default(self) -> bool:
        return self.file is None

    def describe(self) -> str:
        if self.file is None:
            return self.key or "built-in default"
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.file == ENVIRONMENT and self.via:
            where = self.via
        elif self.via:
            where = f"{where}, {self.via}"
        return f"{where} ({self.key})" if self.key else where

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "key": self.key}


BUILT_IN = Origin(None, key="built-in default")


def origin_at(path: str, provenance: Mapping[str, Origin]) -> Origin | None:
    """The origin of a v2 path ("$.llm_providers[1].models"), or of its nearest ancestor."""
    while path:
        if path in provenance:
            return provenance[path]
        cut = max(path.rfind("."), path.rfind("["))
        if cut <= 0:
            return None
        path = path[:cut]
    return None
