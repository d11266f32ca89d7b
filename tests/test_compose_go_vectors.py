"""compose-go's own template test vectors (fixtures/compose-go, with their provenance) run
against our interpolation: what docker compose makes of a `${...}`, we make of it too."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import FIXTURES

from sekha_migrate.sources.compose_doc import InterpolationError, interpolate

CORPUS = json.loads((FIXTURES / "compose-go" / "template_vectors.json").read_text("utf-8"))
MAPPINGS: dict[str, dict[str, str]] = CORPUS["mappings"]
RESULTS = [v for v in CORPUS["vectors"] if "expected" in v]
ERRORS = [v for v in CORPUS["vectors"] if "error" in v]

# Where our message differs from compose's on purpose: compose expands the message of
# `${VAR:?message}`; we print it unexpanded, since the other variable may hold a secret.
OUR_WORDING = {
    "not ok ${UNSET_VAR:?Mandatory Variable ${FOO}}":
        "required variable UNSET_VAR is missing a value: required",
    "not ok ${UNSET_VAR?Mandatory Variable ${FOO}}":
        "required variable UNSET_VAR is missing a value: required",
}


def _id(vector: dict[str, Any]) -> str:
    return f"{vector['test']}:{vector['template']}"


def test_the_corpus_is_whole() -> None:
    assert CORPUS["source"]["commit"] == "ddb94f10f3a0751c628e24afd3cc436ad8d1c55a"
    assert (len(RESULTS), len(ERRORS)) == (56, 14)


@pytest.mark.parametrize("vector", RESULTS, ids=_id)
def test_a_template_gives_what_compose_gives(vector: dict[str, Any]) -> None:
    result = interpolate(vector["template"], MAPPINGS[vector["mapping"]])
    assert result.value == vector["expected"]


@pytest.mark.parametrize("vector", ERRORS, ids=_id)
def test_a_template_compose_refuses_is_refused(vector: dict[str, Any]) -> None:
    with pytest.raises(InterpolationError) as refused:
        interpolate(vector["template"], MAPPINGS[vector["mapping"]])
    message = str(refused.value)
    if vector["error"] == "Invalid template":  # compose's words for any syntax error
        assert message.startswith("invalid interpolation format")
    else:
        assert message == OUR_WORDING.get(vector["template"], vector["error"])
