"""What a migration decided: plain, frozen data that the report layer renders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, NamedTuple

from sekha_migrate.findings import FileResult, Finding, Severity
from sekha_migrate.migrate.discover import SourceFile
from sekha_migrate.origin import BUILT_IN, ENVIRONMENT, Origin, origin_at

__all__ = ["BUILT_IN", "ENVIRONMENT", "Origin", "origin_at"]

class KeyStatus(str, Enum):
    MAPPED = "mapped"  # its value is in the v2 document (see `targets`)
    OVERRIDDEN = "overridden"  # a source of higher precedence set the same setting
    UNMAPPABLE = "unmappable"  # v2 has no place for it; its value stays in the backup
    INVALID = "invalid"  # its value cannot be read as the type the setting needs


@dataclass(frozen=True)
class KeyRead:
    """One key read from a v1 source, and what became of it."""

    origin: Origin
    value: Any
    setting: str | None  # the flat v1 setting it sets, None when it is not one
    status: KeyStatus
    targets: tuple[str, ...] = ()  # v2 paths ("$.server_port") that hold its value
    note: str | None = None
    secret: bool = False
    component: str = "controller"  # the Sekha program that reads it: controller|bridge|proxy


class EffectChange(NamedTuple):
    """One setting a component runs with differently once migrated (values masked): the
    effective configuration of the v1 sources against that of the written file."""

    component: str
    key: str
    before: Any
    before_origin: Origin
    after: Any
    after_origin: Origin

    def to_dict(self) -> dict[str, Any]:
        return {"component": self.component, "key": self.key,
                "before": self.before, "before_origin": self.before_origin.describe(),
                "after": self.after, "after_origin": self.after_origin.describe()}


@dataclass(frozen=True)
class EmbeddingChoice:
    model: str
    dimension: int
    source: str  # "table", "--dimension", "probe", or "assumed"

    @property
    def assumed(self) -> bool:
        return self.source == "assumed"


class NextStep(NamedTuple):
    """One thing the operator does after the migration, for one Sekha program."""

    component: str  # controller | bridge | proxy
    kind: str  # "file" (put it there), "variable" (set it there), "dead" (remove the entry)
    subject: str  # the file, the variable, or the compose entry (file:line NAME)
    detail: str  # where it goes, where it is set, or why it is dead

    def to_dict(self) -> dict[str, str]:
        return {"component": self.component, "kind": self.kind, "subject": self.subject,
                "detail": self.detail}


class PlanKind(str, Enum):
    V1 = "v1"  # v1 sources migrated to v2
    DIALECT = "dialect"  # a v2 file in another dialect, normalised
    CANONICAL = "canonical"  # already canonical v2: nothing to do


@dataclass(frozen=True)
class MigrationPlan:
    kind: PlanKind
    sources: tuple[SourceFile, ...]
    output: Path
    document: Mapping[str, Any] | None
    text: str  # the v2 YAML to write ("" when there is nothing to write)
    provenance: Mapping[str, Origin] = field(default_factory=dict)
    reads: tuple[KeyRead, ...] = ()
    findings: tuple[Finding, ...] = ()  # everything planning found, each with its file
    embedding: EmbeddingChoice | None = None
    secrets: tuple[tuple[str, str], ...] = ()  # (NAME, value) written to the secrets file
    secrets_file: Path | None = None
    secrets_text: str = ""
    holds_literal_secrets: bool = False
    existing_output: bytes | None = None
    validation: FileResult | None = None
    target: str = "docker"  # the dialect written: docker, bridge or env
    # Settings a component keeps for itself ("bridge": {"server_port": 5001}), which the
    # docker document has no place for; their origins beside them.
    component_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    component_provenance: Mapping[str, Mapping[str, Origin]] = field(default_factory=dict)
    # What the reader of the written file (the controller for docker and env, the bridge for
    # bridge) runs with differently than v1 did, setting by setting.
    effects: tuple[EffectChange, ...] = ()
    next_steps: tuple[NextStep, ...] = ()  # what the operator does with what is written
    emit: str = "file"  # "k8s": the output is a ConfigMap manifest, the secrets a Secret

    @property
    def has_errors(self) -> bool:
        return any(issue.severity is Severity.ERROR for issue in self.findings)

    @property
    def valid(self) -> bool:
        return not self.has_errors and (self.validation is None or self.validation.valid)

    @property
    def dimension_assumed(self) -> bool:
        return self.embedding is not None and self.embedding.assumed

    @property
    def up_to_date(self) -> bool:
        """Nothing to write: already canonical, or the output already holds this text."""
        if self.kind is PlanKind.CANONICAL:
            return True
        return self.existing_output is not None and self.existing_output == self.text.encode()

    @property
    def source_paths(self) -> tuple[Path, ...]:
        return tuple(source.path for source in self.sources)
