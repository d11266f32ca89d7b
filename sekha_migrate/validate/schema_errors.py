"""JSON-schema errors in the user's words: keys and providers, not properties and instances."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sekha_migrate.findings import DataPath, Finding, Severity, format_path, value_at
from sekha_migrate.model.facts import SECRET_KEYS
from sekha_migrate.model.masking import hide_url_credentials
from sekha_migrate.model.placeholders import placeholder_names
from sekha_migrate.model.v2 import describe_path, dialect_keys
from sekha_migrate.sources.yaml_doc import LoadedYaml

_TYPE_WORDS = {
    "integer": "a whole number",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "object": "a mapping of keys",
    "array": "a list",
    "null": "null",
}

_PATTERN_RULES = {
    "^[a-z0-9_-]+$": "may only contain lowercase letters, digits, '-' and '_'",
    "^2\\.0$": 'must be "2.0"',
}


def describe_schema_errors(
    errors: Iterable[Any], loaded: LoadedYaml, raw: Any, dialect: str = "docker"
) -> Iterator[Finding]:
    """One finding per schema error, located with the YAML marks; duplicates folded."""
    seen: set[tuple[str, str, str]] = set()
    for error in errors:
        for finding in _describe(_unwrap(error), loaded, raw, dialect):
            key = (finding.code, finding.path, finding.message)
            if key not in seen:
                seen.add(key)
                yield finding


def _unwrap(error: Any) -> Any:
    """Placeholder-tolerant rules are `anyOf: [placeholder, real rule]`: report the real rule."""
    if error.validator == "anyOf" and error.context:
        real = [e for e in error.context if e.relative_schema_path[0] != 0]
        if real:
            return _unwrap(real[0])
    return error


def _describe(error: Any, loaded: LoadedYaml, raw: Any, dialect: str) -> list[Finding]:
    path: DataPath = tuple(error.absolute_path)
    keyword = error.validator
    if keyword == "required":
        return [
            _required(name, path, error.instance, loaded, dialect)
            for name in error.validator_value
            if isinstance(error.instance, dict)
            and name not in error.instance
            and not _vacuous_dimension_rule(name, error.instance)
        ]
    message, hint = _message(error, path, value_at(raw, path), describe_path(path, raw))
    mark = loaded.mark_for(path)
    return [
        Finding(
            Severity.ERROR,
            f"schema-{_kebab(keyword)}",
            message,
            path=format_path(path),
            line=mark.line if mark else None,
            column=mark.column if mark else None,
            hint=hint,
        )
    ]


def _required(
    name: str, path: DataPath, instance: dict[str, Any], loaded: LoadedYaml, dialect: str
) -> Finding:
    mark = loaded.mark_for(path)
    where = describe_path(path, loaded.data) if path else "the file"
    message = f"{where} is missing the required key '{name}'"
    hint = None
    aliases = [
        wrong
        for context in dialect_keys(dialect).values()
        for wrong, right in context.items()
        if right == name and wrong in instance
    ]
    if aliases:
        alias_mark = loaded.key_marks.get((*path, aliases[0]))
        on_line = f" on line {alias_mark.line}" if alias_mark else ""
        hint = f"'{aliases[0]}'{on_line} is another dialect's name for it: rename it to '{name}'"
    elif name == "dimension":
        message = f"{where} is an embedding model but has no 'dimension'"
        hint = "add its vector length, e.g. dimension: 768 (sekha probe --embed measures it)"
    elif name in ("llm_providers", "providers"):
        hint = f"add at least one provider under {name}:"
    else:
        hint = _near_miss_hint(name, path, instance, loaded)
    return Finding(
        Severity.ERROR,
        "schema-required",
        message,
        path=format_path((*path, name)),
        line=mark.line if mark else None,
        column=mark.column if mark else None,
        hint=hint,
    )


def _vacuous_dimension_rule(name: str, instance: dict[str, Any]) -> bool:
    """The schema's `if task == embedding` also holds when `task` is missing; that model is
    reported for its missing task, not as an embedding model without a dimension."""
    return name == "dimension" and instance.get("task") != "embedding"


def _near_miss_hint(
    name: str, path: DataPath, instance: dict[str, Any], loaded: LoadedYaml
) -> str | None:
    """`prority: 1` next to a missing `priority`: name the typo."""
    keys = [key for key in instance if isinstance(key, str)]
    close = difflib.get_close_matches(name, keys, n=1, cutoff=0.75)
    if not close:
        return None
    mark = loaded.key_marks.get((*path, close[0]))
    on_line = f" on line {mark.line}" if mark else ""
    return f"'{close[0]}'{on_line} looks like a misspelling of it: rename it to '{name}'"


@dataclass(frozen=True)
class _Broken:
    """One schema error, with what a message about it needs."""

    error: Any
    path: DataPath
    subject: str  # `priority of provider 'ollama_local'`
    shown: str  # ` ('value')`, or nothing for a secret
    expanded: str  # ` after expanding ${VAR}`, or nothing

    @property
    def value(self) -> Any:
        return self.error.instance

    @property
    def rule(self) -> Any:
        return self.error.validator_value


Message = tuple[str, str | None]


def _message(error: Any, path: DataPath, raw_value: Any, subject: str) -> Message:
    broken = _Broken(
        error, path, subject, _show(path, error.instance), _expanded_note(raw_value, error.instance)
    )
    describe = _DESCRIBE.get(error.validator)
    if describe is None:
        return f"{subject}: {error.message}", None
    return describe(broken)


def _type_message(b: _Broken) -> Message:
    wanted = b.rule if isinstance(b.rule, list) else [b.rule]
    words = " or ".join(_TYPE_WORDS.get(str(w), str(w)) for w in wanted)
    return f"{b.subject} must be {words}, not {_type_word(b.value)}{b.shown}{b.expanded}", (
        _type_hint(b, wanted)
    )


def _type_hint(b: _Broken, wanted: list[Any]) -> str | None:
    value = b.value
    if isinstance(value, str) and "integer" in wanted and value.strip().isdigit():
        return f"remove the quotes: {value.strip()}"
    if "string" in wanted and isinstance(value, (int, float)) and not isinstance(value, bool):
        # version: 2.0 is a number; "2.0" is the version. A key is never repeated.
        return "quote it" if _is_secret(b.path) else f'quote it: "{value}"'
    if isinstance(value, str) and "boolean" in wanted and value.lower() in (
        "true", "false", "yes", "no", "on", "off",
    ):
        return "write true or false without quotes"
    return None


def _enum_message(b: _Broken) -> Message:
    choices = [str(c) for c in b.rule]
    close = difflib.get_close_matches(str(b.value), choices, 1)
    hint = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(choices)}"
    return f"{b.subject} is {b.value!r}{b.expanded}; it must be one of: {', '.join(choices)}", hint


_RELATIONS = {
    "minimum": "at least {}",
    "exclusiveMinimum": "more than {}",
    "maximum": "at most {}",
    "exclusiveMaximum": "less than {}",
}


def _range_message(b: _Broken) -> Message:
    relation = _RELATIONS[b.error.validator].format(b.rule)
    return f"{b.subject} is {b.value!r}{b.expanded}; it must be {relation}", _range_hint(b.error)


def _min_length_message(b: _Broken) -> Message:
    length = len(b.value) if isinstance(b.value, str) else 0
    hint = None
    if _is_secret(b.path):
        hint = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
    message = f"{b.subject} is {length} characters long{b.expanded}; it must be at least {b.rule}"
    return message, hint


def _pattern_message(b: _Broken) -> Message:
    rule = _PATTERN_RULES.get(b.rule, f"must match {b.rule}")
    hint = None
    if b.rule == "^[a-z0-9_-]+$" and isinstance(b.value, str):
        suggestion = "".join(c if c.isalnum() or c in "_-" else "_" for c in b.value.lower())
        hint = f"for example '{suggestion}'"
    return f"{b.subject}{b.shown} {rule}", hint


def _min_items_message(b: _Broken) -> Message:
    return f"{b.subject} is empty; it needs at least {b.rule} entry", None


def _format_message(b: _Broken) -> Message:
    return (
        f"{b.subject}{b.shown}{b.expanded} is not a valid {b.rule.upper()}",
        "write a full URL with its scheme, e.g. http://localhost:11434",
    )


# Schema keyword -> the words for its error, in the user's vocabulary.
_DESCRIBE: dict[str, Callable[[_Broken], Message]] = {
    "type": _type_message,
    "enum": _enum_message,
    **dict.fromkeys(_RELATIONS, _range_message),
    "minLength": _min_length_message,
    "pattern": _pattern_message,
    "minItems": _min_items_message,
    "format": _format_message,
}


def _range_hint(error: Any) -> str | None:
    schema = error.schema
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        return f"use a value from {low} to {high}"
    return None


def _show(path: DataPath, value: Any) -> str:
    """The value, quoted, unless it is a secret or too long to help."""
    if _is_secret(path) or isinstance(value, (dict, list)):
        return ""
    text = repr(hide_url_credentials(value) if isinstance(value, str) else value)
    return f" ({text})" if len(text) <= 60 else ""





def _is_secret(path: DataPath) -> bool:
    return any(isinstance(part, str) and part in SECRET_KEYS for part in path)


def _type_word(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _expanded_note(raw_value: Any, value: Any) -> str:
    names = placeholder_names(raw_value)
    if names and raw_value != value:
        return " after expanding " + ", ".join(f"${{{n}}}" for n in names)
    return ""


def _kebab(keyword: str) -> str:
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in keyword)
