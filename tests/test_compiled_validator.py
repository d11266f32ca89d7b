"""Our compiled schema validator must report exactly what jsonschema reports."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator
from validate_support import document_paths

from sekha_migrate.schema import FORMATS, format_checker, load_schema
from sekha_migrate.validate.compiled import CompiledValidator, UnsupportedSchema, validator_for

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REFERENCE_SCHEMA = json.loads((FIXTURES / "reference" / "sekha-config-schema.json").read_text())
SCHEMAS = {"ours": load_schema(), "reference": REFERENCE_SCHEMA}
BASE_DOCUMENT = yaml.safe_load((FIXTURES / "reference" / "docker-config.yaml.example").read_text())

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
    theirs = Draft7Validator(schema, format_checker=format_checker())
    assert _signature(ours.iter_errors(document)) == _signature(theirs.iter_errors(document))


def test_the_shipped_schema_compiles_without_falling_back_to_jsonschema() -> None:
    assert isinstance(validator_for(load_schema()), CompiledValidator)


def test_a_schema_with_unknown_keywords_falls_back_to_jsonschema() -> None:
    schema = {"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}}
    with pytest.raises(UnsupportedSchema):
        CompiledValidator(schema, FORMATS)
    validator = validator_for(schema)
    assert isinstance(validator, Draft7Validator)
    assert not validator.is_valid({"ABC": 1})


def test_true_is_not_one_for_enum_and_integers() -> None:
    validator = CompiledValidator(
        {"properties": {"a": {"enum": [1]}, "b": {"type": "integer"}}}, FORMATS
    )
    errors = {e.validator for e in validator.iter_errors({"a": True, "b": False})}
    assert errors == {"enum", "type"}
