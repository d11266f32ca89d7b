"""The compose environment form (the `env` dialect) as the document validate checks.

Each name's value goes where `dialects.env` says it belongs; every finding about it is
placed on the line of the name. Names no Sekha component reads are reported: they are dead
configuration, however valid their values.
"""

from __future__ import annotations

from typing import Any

from sekha_migrate.dialects import env as env_dialect
from sekha_migrate.findings import DataPath, Finding, Mark, Severity
from sekha_migrate.model import facts
from sekha_migrate.sources.env_doc import LoadedEnv
from sekha_migrate.validate.consumers import MCP_KEY_VARIABLE, empty_mcp_key

# Names seen in Sekha's compose files that no component reads (consumers.md section 5).
UNREAD_NAMES = {
    "SEKHA__CIRCUIT_BREAKER__HALF_OPEN_TIMEOUT": "neither the controller nor the bridge "
    "has a half-open timeout; the breaker waits timeout_secs",
}


def env_dialect_document(
    loaded: LoadedEnv,
) -> tuple[dict[str, Any], dict[DataPath, Mark], list[Finding]]:
    values = loaded.values()
    document, problems = env_dialect.to_document(values)
    marks: dict[DataPath, Mark] = {(): Mark(1, 1)}
    findings: list[Finding] = []
    by_name = {entry.name: entry.mark for entry in loaded.entries}
    places: dict[str, DataPath] = {
        env_dialect.PROVIDERS: ("llm_providers",),
        env_dialect.DEFAULT_MODELS: ("default_models",),
    }
    for name, (section, key) in env_dialect.ROUTING_NAMES.items():
        places[name] = (
            ("routing", key) if section == "routing" else ("routing", "circuit_breaker", key)
        )
    for key in facts.CONTROLLER_SETTINGS:
        places[env_dialect.controller_name(key)] = (key,)
    for entry in loaded.entries:
        if entry.name == MCP_KEY_VARIABLE and entry.value is not None and not entry.value.strip():
            findings.append(empty_mcp_key(entry.name, entry.mark))
    for name, mark in by_name.items():
        if name in places:
            marks[places[name]] = mark
        elif name in UNREAD_NAMES:
            findings.append(_at(mark, Severity.WARNING, "unread-name",
                                f"{name} is read by no Sekha component: {UNREAD_NAMES[name]}",
                                "remove it, or set the value the consumer reads"))
        elif name.startswith(env_dialect.CONTROLLER_PREFIX):
            findings.append(_at(mark, Severity.WARNING, "unknown-name",
                                f"{name} is not a name any Sekha component reads",
                                "check the spelling against sekha schema --target docker"))
    for name, problem in problems:
        mark = by_name.get(name, Mark(1, 1))
        findings.append(_at(mark, Severity.ERROR, "env-json", problem,
                            "write the value as JSON in single quotes"))
    for line, _text in loaded.unparsed:
        findings.append(_at(Mark(line, 1), Severity.WARNING, "env-syntax",
                            f"line {line} is not a NAME=value assignment; it is skipped", None))
    if env_dialect.PROVIDERS not in by_name:
        findings.append(_at(Mark(1, 1), Severity.ERROR, "schema-required",
                            f"no {env_dialect.PROVIDERS}: the provider registry is missing",
                            f"add {env_dialect.PROVIDERS}='[...]' (sekha migrate --target env)"))
    return document, marks, findings


def _at(mark: Mark, severity: Severity, code: str, message: str, hint: str | None) -> Finding:
    return Finding(severity, code, message, line=mark.line, column=mark.column, hint=hint)
