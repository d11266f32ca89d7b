"""`--skip-non-sekha`: a repository's other YAML (CI configs, another application's
`config.yaml`) is not ours.

Used by the pre-commit hook, whose file pattern can only guess by name. The file is judged as a
whole, by a score over every top-level key, because one shared name proves nothing: many
applications have a `log_level`, a `server_port` or a `providers`.

    weight  a top-level key that is ...
     10     Sekha's structure: a provider registry whose entries look like providers
            (llm_providers / providers), or default_models naming a Sekha role
      3     a name only Sekha reads (ollama_url, mcp_api_key, cb_*, llm_providers with any value)
      1     a Sekha name other applications use too (log_level, server_port, database_url, ...)
      0     says nothing either way (version, $schema, x-*)
     -1     a name Sekha does not read

A misspelt key (close to a Sekha name, difflib) weighs what the name it is close to weighs: a
typo is the author meaning Sekha. The file is Sekha's when the score reaches 3: a registry
beside up to seven keys of the team's own, one Sekha-only name, or three shared names that
nothing foreign outweighs. A document that parsed as a list or
a scalar is skipped too (every Sekha file is a mapping of settings); an empty one, a file that
did not parse, a .env, a TOML and a compose file are never skipped.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from sekha_migrate.findings import FileResult, Finding, Severity, ValidationRun

SEKHA_SCORE = 3
STRUCTURE, ONLY_SEKHA, SHARED, NEUTRAL, FOREIGN = 10, 3, 1, 0, -1

# Sekha names other applications' configuration uses as well.
_SHARED_NAMES = frozenset({
    "log_level", "server_port", "server_host", "host", "port", "database_url", "database",
    "max_connections", "models", "default_model", "providers", "routing", "circuit_breaker",
    "cors_enabled", "rate_limit_per_minute", "chroma", "openai_api_key", "anthropic_api_key",
    "chat_model", "vision_model", "embedding_model", "celery_broker_url",
    "celery_result_backend", "auto_fallback", "enable_fallback",
})
_NEUTRAL_NAMES = frozenset({"version", "$schema"})
_REGISTRIES = frozenset({"llm_providers", "llm_provider", "providers"})
_ROLE_MAPS = frozenset({"default_models", "models", "default_model"})
_JUDGED = frozenset({None, "docker", "bridge"})  # YAML/JSON; .env, TOML, compose are not


@dataclass(frozen=True)
class Ownership:
    """Whose file this is, with the keys that said so."""

    score: int
    structure: tuple[str, ...] = ()
    only_sekha: tuple[str, ...] = ()
    shared: tuple[str, ...] = ()
    foreign: tuple[str, ...] = ()
    not_a_mapping: str | None = None  # "a list", "a string", ...

    @property
    def is_sekha(self) -> bool:
        return self.not_a_mapping is None and self.score >= SEKHA_SCORE

    def reason(self) -> str:
        """Why the file is not Sekha's, in words for the `skipped (...)` line."""
        if self.not_a_mapping is not None:
            return f"not a Sekha file: its top level is {self.not_a_mapping}, not settings"
        sekha = [*self.structure, *self.only_sekha]
        parts = ["not a Sekha file: "]
        if sekha:
            parts.append(f"{_names(sekha)} outweighed by keys Sekha does not read")
        elif self.shared:
            parts.append(f"no key only Sekha uses ({_names(self.shared)} "
                         f"{'is' if len(self.shared) == 1 else 'are'} common names)")
        else:
            parts.append("no key Sekha reads")
        if self.foreign:
            parts.append(f"; {_names(self.foreign)} {'is' if len(self.foreign) == 1 else 'are'}"
                         " not Sekha's")
        return "".join(parts)


def _names(keys: list[str] | tuple[str, ...], shown: int = 3) -> str:
    listed = ", ".join(keys[:shown])
    return listed + (f" and {len(keys) - shown} more" if len(keys) > shown else "")


@cache
def _sekha_names() -> frozenset[str]:
    from sekha_migrate.model.v1 import V1_DEFAULTS, V1_MARKER_KEYS
    from sekha_migrate.model.v2 import (
        DIALECT_KEYS,
        OTHER_COMPONENT_KEYS,
        ROOT,
        ROOT_ROUTING_KEYS,
    )
    from sekha_migrate.schema import definition_properties

    keys = set(definition_properties(None)) | set(definition_properties(None, "bridge"))
    keys |= set(DIALECT_KEYS[ROOT]) | set(ROOT_ROUTING_KEYS)
    keys |= set(OTHER_COMPONENT_KEYS) | set(V1_MARKER_KEYS) | set(V1_DEFAULTS)
    return frozenset(keys - _NEUTRAL_NAMES)


@cache
def _provider_keys() -> frozenset[str]:
    from sekha_migrate.schema import definition_properties

    return definition_properties("provider") | definition_properties("provider", "bridge")


@cache
def _role_keys() -> frozenset[str]:
    from sekha_migrate.model.v2 import DEFAULT_MODELS, DIALECT_KEYS
    from sekha_migrate.schema import definition_properties

    return definition_properties("defaultModels") | frozenset(DIALECT_KEYS[DEFAULT_MODELS])


def _looks_like_registry(value: Any) -> bool:
    """A list of providers: mappings with at least two of a provider's keys each."""
    entries = value if isinstance(value, list) else []
    return bool(entries) and all(
        isinstance(entry, dict) and len(set(entry) & _provider_keys()) >= 2 for entry in entries)


def _weight(name: str, value: Any) -> int:
    if name in _REGISTRIES and _looks_like_registry(value):
        return STRUCTURE
    if name in _ROLE_MAPS and isinstance(value, dict) and set(value) & _role_keys():
        return STRUCTURE
    if name in _SHARED_NAMES:
        return SHARED
    return ONLY_SEKHA


def judge(data: Any) -> Ownership:
    """Score a parsed document's top-level keys (see the module's table)."""
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__} value"
        return Ownership(0, not_a_mapping=kind)
    groups: dict[int, list[str]] = {STRUCTURE: [], ONLY_SEKHA: [], SHARED: [], FOREIGN: []}
    score = 0
    for key, value in data.items():
        name = str(key)
        if name in _NEUTRAL_NAMES or name.startswith("x-"):
            continue
        known = name if name in _sekha_names() else _close_name(name)
        weight = FOREIGN if known is None else _weight(known, value)
        score += weight
        groups[weight].append(name)
    return Ownership(score, tuple(groups[STRUCTURE]), tuple(groups[ONLY_SEKHA]),
                     tuple(groups[SHARED]), tuple(groups[FOREIGN]))


def _close_name(name: str) -> str | None:
    close = difflib.get_close_matches(name, sorted(_sekha_names()), n=1, cutoff=0.8)
    return close[0] if close else None


def skip_non_sekha(run: ValidationRun) -> ValidationRun:
    """Each file that is not Sekha's keeps only the note that it was skipped, and why."""
    return ValidationRun(tuple(_judged(result) for result in run.files))


def _judged(result: FileResult) -> FileResult:
    if not _may_skip(result):
        return result
    ownership = judge(result.data)
    if ownership.is_sekha:
        return result
    reason = ownership.reason()
    note = Finding(Severity.INFO, "not-sekha", f"skipped ({reason})", line=1, column=1,
                   hint="nothing to do if the file is not a Sekha configuration (the "
                   "pre-commit hook passes --skip-non-sekha)")
    return replace(result, findings=(note,), skipped=reason)


def _may_skip(result: FileResult) -> bool:
    return (result.readable and result.skipped is None and result.target in _JUDGED
            and result.data is not None and result.data != {}
            and not result.path.lower().endswith(".toml"))
