"""Our compiled schema validator must report exactly what jsonschema reports.

The reference is jsonschema's Draft7Validator with `pattern` read as ECMA-262 (as JSON Schema
says, and as check-jsonschema and ajv do) by regress, a Rust implementation of ECMA regular
expressions: jsonschema's own `pattern` uses Python's `re`, whose `$` also matches before a
final newline.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import regress
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator, ValidationError, validators
from validate_support import document_paths

from sekha_migrate.schema import FORMATS, format_checker, load_schema
from sekha_migrate.sources.text import decode_text
from sekha_migrate.sources.yaml_doc import load_yaml
from sekha_migrate.validate.compiled import (
    CompiledValidator,
    UnsupportedSchema,
    compiled_validator,
    validator_for,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REFERENCE_SCHEMA = json.loads((FIXTURES / "reference" / "sekha-config-schema.json").read_text())
SCHEMAS = {"ours": load_schema(), "reference": REFERENCE_SCHEMA}
BASE_DOCUMENT = yaml.safe_load((FIXTURES / "reference" / "docker-config.yaml.example").read_text())
MINIMAL = yaml.safe_load((FIXTURES / "v2" / "valid" / "minimal-ollama-only.yaml").read_text())


@cache
def _ecma_regex(pattern: str) -> regress.Regex:
    return regress.Regex(pattern)


def _ecma_pattern(validator: object, pattern: str, instance: object, _: object) -> Iterator[object]:
    if isinstance(instance, str) and _ecma_regex(pattern).find(instance) is None:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# jsonschema types `extend` without annotations.
EcmaDraft7Validator = validators.extend(  # type: ignore[no-untyped-call]
    Draft7Validator, {"pattern": _ecma_pattern}
)


def reference_validator(schema: dict[str, Any]) -> Any:
    return EcmaDraft7Validator(schema, format_checker=format_checker())


KEYS = sorted(
    {
        *BASE_DOCUMENT,
        "id", "type", "base_url", "priority", "timeout", "models", "model_id", "task",
        "context_window", "dimension", "supports_vision", "embedding", "chat_fast",
        "chat_smart", "chat_vision", "circuit_breaker", "failure_threshold", "version",
    }
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10, max_value=70000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["", "2.0", "ollama", "embedding", "http://x", "not a uri", "${SEKHA_API_KEY}",
                     "a" * 40, "Bad Id", "llama3.1:8b"]),
    st.text(max_size=8),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(KEYS), children, max_size=4),
    max_leaves=12,
)


def _signature(errors: Any) -> list[tuple[Any, ...]]:
    out = []
    for error in errors:
        context = sorted(
            (tuple(c.absolute_path), c.validator, c.relative_schema_path[0])
            for c in (error.context or ())
        )
        out.append((tuple(error.absolute_path), error.validator, repr(context)))
    return sorted(out, key=repr)




@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    document = copy.deepcopy(BASE_DOCUMENT)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = document_paths(document)
        path = draw(st.sampled_from(paths))
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON_VALUES)
    return document


@pytest.mark.parametrize("name", SCHEMAS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=st.one_of(mutated_documents(), JSON_VALUES))
def test_compiled_validator_reports_what_jsonschema_reports(name: str, document: Any) -> None:
    schema = SCHEMAS[name]
    ours = CompiledValidator(schema, FORMATS)
    theirs = reference_validator(schema)
    assert _signature(ours.iter_errors(document)) == _signature(theirs.iter_errors(document))


def test_the_shipped_schema_compiles_without_falling_back_to_jsonschema() -> None:
    assert isinstance(validator_for(load_schema()), CompiledValidator)


def test_a_schema_with_unknown_keywords_falls_back_to_jsonschema() -> None:
    schema = {"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}}
    with pytest.raises(UnsupportedSchema):
        CompiledValidator(schema, FORMATS)
    validator = validator_for(schema)
    assert not isinstance(validator, CompiledValidator)
    assert not validator.is_valid({"ABC": 1})


@pytest.mark.parametrize(
    ("key_path", "value"),
    [(("version",), "2.0\n"), (("llm_providers", 0, "id"), "local\n")],
    ids=["version", "provider-id"],
)
def test_dollar_in_a_pattern_is_the_end_of_the_string_not_before_a_final_newline(
    key_path: tuple[Any, ...], value: str
) -> None:
    document = copy.deepcopy(MINIMAL)
    parent: Any = document
    for part in key_path[:-1]:
        parent = parent[part]
    assert compiled_validator().is_valid(document)
    parent[key_path[-1]] = value
    assert [e.validator for e in compiled_validator().iter_errors(document)] == ["pattern"]
    assert [e.validator for e in reference_validator(SCHEMAS["ours"]).iter_errors(document)] == [
        "pattern"
    ]


def test_the_jsonschema_fallback_reads_dollar_as_ecma_too() -> None:
    schema = {"propertyNames": {"maxLength": 5}, "properties": {"v": {"pattern": "^2\\.0$"}}}
    validator = validator_for(schema)
    assert not isinstance(validator, CompiledValidator)
    assert validator.is_valid({"v": "2.0"})
    assert not validator.is_valid({"v": "2.0\n"})


def test_true_is_not_one_for_enum_and_integers() -> None:
    validator = CompiledValidator(
        {"properties": {"a": {"enum": [1]}, "b": {"type": "integer"}}}, FORMATS
    )
    errors = {e.validator for e in validator.iter_errors({"a": True, "b": False})}
    assert errors == {"enum", "type"}


# ---- the verdict on documents derived from each schema ------------------------------------
# Valid documents from the fixtures, changed where the schema draws a line: a string given a
# trailing newline or a neighbour of its enum, a number just past its bound, a key removed, a
# value of another type.

DIFFERENTIAL_SCHEMAS = {**SCHEMAS, "bridge": load_schema("bridge")}


def _fixture_documents() -> list[Any]:
    paths = [
        *sorted((FIXTURES / "v2" / "valid").iterdir()),
        *sorted((FIXTURES / "reference").glob("*.yaml*")),
    ]
    return [load_yaml(decode_text(path.read_bytes())).data for path in paths]


def _valid_bases(schema: dict[str, Any]) -> list[Any]:
    reference = reference_validator(schema)
    return [document for document in _fixture_documents() if reference.is_valid(document)]


BASES = {name: _valid_bases(schema) for name, schema in DIFFERENTIAL_SCHEMAS.items()}


def _subschemas(root: dict[str, Any], nodes: list[Any]) -> list[dict[str, Any]]:
    """`nodes` and every subschema they apply in place: $ref, anyOf and oneOf branches, then."""
    found: list[dict[str, Any]] = []
    pending = list(nodes)
    while pending:
        node = pending.pop()
        if not isinstance(node, dict):
            continue
        if "$ref" in node:
            target: Any = root
            for part in node["$ref"][2:].split("/"):
                target = target[part]
            pending.append(target)
            continue
        found.append(node)
        pending.extend([*node.get("anyOf", ()), *node.get("oneOf", ()), node.get("then")])
    return found


def subschemas_at(root: dict[str, Any], path: tuple[Any, ...]) -> list[dict[str, Any]]:
    """Every part of `root` that may judge the value at `path` of a document."""
    nodes = _subschemas(root, [root])
    for part in path:
        step = [
            node["properties"][part] if isinstance(part, str) else node["items"]
            for node in nodes
            if (isinstance(part, str) and part in node.get("properties", {}))
            or (isinstance(part, int) and "items" in node)
        ]
        nodes = _subschemas(root, step)
    return nodes


def edge_values(nodes: list[dict[str, Any]], current: Any) -> dict[str, list[Any]]:
    """For each line the schema draws for this value, values on both sides of it."""
    lines: dict[str, list[Any]] = {"type": [None, True, [], {}, "", 0, "1", 1.5]}
    for node in nodes:
        for bound in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if bound in node:
                edge = node[bound]
                lines[bound] = [edge - 1, edge, edge + 1, edge - 0.5, edge + 0.5, float(edge)]
        if "minLength" in node:
            lines["minLength"] = ["k" * (node["minLength"] - 1), "k" * node["minLength"]]
        choices = node.get("enum", [node["const"]] if "const" in node else [])
        words = [choice for choice in choices if isinstance(choice, str)]
        if choices:
            lines["enum"] = [*choices, *(f"{w}\n" for w in words), *(w.upper() for w in words)]
        if "pattern" in node and isinstance(current, str):
            lines["pattern"] = [f"{current}\n", f"\n{current}", f"{current}\r\n", f"{current}!"]
    return lines


def _string_paths(document: Any) -> list[tuple[Any, ...]]:
    return [path for path in document_paths(document) if isinstance(_at(document, path), str)]


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


def _across_a_line(draw: st.DrawFn, schema: dict[str, Any], document: Any) -> None:
    """A value moved across a line the schema draws: the line first (pattern, enum, each
    bound, minLength), then a value it applies to, so rare lines are tried as often."""
    lines_at = {
        path: edge_values(subschemas_at(schema, path), _at(document, path))
        for path in document_paths(document)
    }
    kinds = sorted({line for lines in lines_at.values() for line in lines} - {"type"})
    if not kinds:  # earlier changes removed every value the schema draws a line for
        return
    line = draw(st.sampled_from(kinds))
    path = draw(st.sampled_from([path for path, lines in lines_at.items() if line in lines]))
    _at(document, path[:-1])[path[-1]] = draw(st.sampled_from(lines_at[path][line]))


def _optional_key_added(draw: st.DrawFn, schema: dict[str, Any], document: Any) -> None:
    """A key the schema describes and the document lacks, on either side of its lines."""
    objects = [
        path for path in [(), *document_paths(document)] if isinstance(_at(document, path), dict)
    ]
    path = draw(st.sampled_from(objects))
    described = {key for node in subschemas_at(schema, path) for key in node.get("properties", {})}
    absent = sorted(described - set(_at(document, path)))
    if absent:
        key = draw(st.sampled_from(absent))
        lines = edge_values(subschemas_at(schema, (*path, key)), None)
        value = draw(st.sampled_from(lines[draw(st.sampled_from(sorted(lines)))]))
        _at(document, path)[key] = value


@st.composite
def schema_mutations(draw: st.DrawFn, name: str) -> Any:
    """A valid fixture document with one to three changes: a value moved across a line the
    schema draws, an optional key added, a trailing newline on a string, a key removed, or any
    JSON value in place of one."""
    schema = DIFFERENTIAL_SCHEMAS[name]
    document = copy.deepcopy(draw(st.sampled_from(BASES[name])))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        how = draw(st.sampled_from(["line", "add", "newline", "remove", "any"]))
        if how == "line":
            _across_a_line(draw, schema, document)
        elif how == "add":
            _optional_key_added(draw, schema, document)
        elif paths := (_string_paths(document) if how == "newline" else document_paths(document)):
            path = draw(st.sampled_from(paths))
            parent = _at(document, path[:-1])
            if how == "newline":
                parent[path[-1]] += "\n"
            elif how == "remove" and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = draw(JSON_VALUES)
    return document


def test_every_schema_has_valid_fixture_documents_to_derive_from() -> None:
    assert {name: bool(bases) for name, bases in BASES.items()} == dict.fromkeys(BASES, True)


@pytest.mark.parametrize("name", DIFFERENTIAL_SCHEMAS)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_compiled_validator_gives_the_reference_verdict_near_every_line_the_schema_draws(
    name: str, data: st.DataObject
) -> None:
    document = data.draw(schema_mutations(name))
    ours = CompiledValidator(DIFFERENTIAL_SCHEMAS[name], FORMATS)
    theirs = reference_validator(DIFFERENTIAL_SCHEMAS[name])
    assert ours.is_valid(document) == theirs.is_valid(document)
    assert _signature(ours.iter_errors(document)) == _signature(theirs.iter_errors(document))
