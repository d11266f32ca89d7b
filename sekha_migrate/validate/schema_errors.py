"""JSON-schema errors in the user's words: keys and providers, not properties and instances."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
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


def _message(
    error: Any, path: DataPath, raw_value: Any, subject: str
) -> tuple[str, str | None]:
    keyword = error.validator
    value = error.instance
    shown = _show(path, value)
    expanded = _expanded_note(raw_value, value)
    if keyword == "type":
        wanted = error.validator_value
        wanted_list = wanted if isinstance(wanted, list) else [wanted]
        words = " or ".join(_TYPE_WORDS.get(str(w), str(w)) for w in wanted_list)
        hint = None
        if isinstance(value, str) and "integer" in wanted_list and value.strip().isdigit():
            hint = f"remove the quotes: {value.strip()}"
        elif (
            "string" in wanted_list
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
        ):
            # version: 2.0 is a number; "2.0" is the version. A key is never repeated.
            hint = "quote it" if _is_secret(path) else f'quote it: "{value}"'
        elif isinstance(value, str) and "boolean" in wanted_list and value.lower() in (
            "true", "false", "yes", "no", "on", "off",
        ):
            hint = "write true or false without quotes"
        return f"{subject} must be {words}, not {_type_word(value)}{shown}{expanded}", hint
    if keyword == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        close = difflib.get_close_matches(str(value), [str(c) for c in error.validator_value], 1)
        hint = f"did you mean '{close[0]}'?" if close else f"use one of: {choices}"
        return f"{subject} is {value!r}{expanded}; it must be one of: {choices}", hint
    if keyword in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        bound = error.validator_value
        relation = {
            "minimum": f"at least {bound}",
            "exclusiveMinimum": f"more than {bound}",
            "maximum": f"at most {bound}",
            "exclusiveMaximum": f"less than {bound}",
        }[keyword]
        return f"{subject} is {value!r}{expanded}; it must be {relation}", _range_hint(error)
    if keyword == "minLength":
        length = len(value) if isinstance(value, str) else 0
        hint = None
        if _is_secret(path):
            hint = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        return (
            f"{subject} is {length} characters long{expanded}; "
            f"it must be at least {error.validator_value}",
            hint,
        )
    if keyword == "pattern":
        rule = _PATTERN_RULES.get(error.validator_value, f"must match {error.validator_value}")
        hint = None
        if error.validator_value == "^[a-z0-9_-]+$" and isinstance(value, str):
            suggestion = "".join(c if c.isalnum() or c in "_-" else "_" for c in value.lower())
            hint = f"for example '{suggestion}'"
        return f"{subject}{shown} {rule}", hint
    if keyword == "minItems":
        return f"{subject} is empty; it needs at least {error.validator_value} entry", None
    if keyword == "format":
        return (
            f"{subject}{shown}{expanded} is not a valid {error.validator_value.upper()}",
            "write a full URL with its scheme, e.g. http://localhost:11434",
        )
    return f"{subject}: {error.message}", None


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
