"""Our v2 schema agrees with the reference schema (fixtures/reference/sekha-config-schema.json).

Every document the reference accepts, ours accepts; every document it rejects, ours rejects,
with two deliberate differences, each proven where it occurs:

- the reference applies `minLength` and `format` to unexpanded `${VAR}` placeholders; ours does
  not. Proof: with the placeholders replaced by real values the reference accepts too.
- ours describes `vision_capabilities` (used by the shipped docker example), which the
  reference leaves open. Proof: without `vision_capabilities` ours accepts too.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator
from validate_support import document_paths

from sekha_migrate.model.placeholders import PLACEHOLDER
from sekha_migrate.schema import format_checker
from sekha_migrate.sources.text import SourceError, decode_text
from sekha_migrate.sources.yaml_doc import load_yaml
from sekha_migrate.validate.compiled import compiled_validator

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
OURS = Draft7Validator(
    json.loads((ROOT / "schema" / "sekha-config-v2.schema.json").read_text()),
    format_checker=format_checker(),
)
REFERENCE = Draft7Validator(
    json.loads((FIXTURES / "reference" / "sekha-config-schema.json").read_text()),
    format_checker=format_checker(),
)
ENGINE = compiled_validator()
# What a variable is set to in the proofs: longer than any minLength in either schema, and a
# URI wherever it lands ("x${V}" becomes a URI with the scheme "xhttp").
FILLED = "http://localhost:11434/" + "a" * 24


# ---- loading every fixture ----------------------------------------------------------------


def _parse(path: Path) -> Any:
    raw = path.read_bytes()
    if path.suffix == ".toml":
        return tomllib.loads(raw.decode("utf-8"))
    return load_yaml(decode_text(raw)).data


def _mapping_fixtures() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(FIXTURES.rglob("*")):
        name = path.name
        if not path.is_file() or not name.endswith(
            (".yaml", ".yml", ".json", ".toml", ".yaml.example", ".yml.example")
        ):
            continue
        try:
            data = _parse(path)
        except (SourceError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue  # the bad-input fixtures: nothing for a schema to judge
        if isinstance(data, dict):
            yield str(path.relative_to(FIXTURES)), data


MAPPING_FIXTURES = list(_mapping_fixtures())


# ---- the agreement, and the proofs for its two exceptions ----------------------------------


def _errors(validator: Draft7Validator, document: Any) -> list[Any]:
    return list(validator.iter_errors(document))


def _fill_placeholders(value: Any) -> Any:
    if isinstance(value, str):
        return PLACEHOLDER.sub(FILLED, value)
    if isinstance(value, dict):
        return {key: _fill_placeholders(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill_placeholders(item) for item in value]
    return value


def _without_vision_capabilities(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _without_vision_capabilities(item)
            for key, item in value.items()
            if key != "vision_capabilities"
        }
    if isinstance(value, list):
        return [_without_vision_capabilities(item) for item in value]
    return value


def _only_placeholder_rules(errors: list[Any]) -> bool:
    return all(
        error.validator in ("minLength", "format")
        and isinstance(error.instance, str)
        and PLACEHOLDER.search(error.instance)
        for error in errors
    )


def assert_schemas_agree(
    document: Any, our_schema: Draft7Validator = OURS, reference_schema: Draft7Validator = REFERENCE
) -> None:
    ours, reference = _errors(our_schema, document), _errors(reference_schema, document)
    if bool(ours) == bool(reference):
        return
    if reference:  # the reference alone rejects: it must be a placeholder it judged unexpanded
        messages = [f"{list(e.absolute_path)}: {e.message}" for e in reference]
        assert _only_placeholder_rules(reference), f"only the reference rejects: {messages}"
        filled = _fill_placeholders(document)
        assert not _errors(reference_schema, filled), "the reference rejects it when filled"
        assert not _errors(our_schema, filled), "ours rejects the filled document"
    else:  # ours alone rejects: only vision_capabilities, which the reference leaves open
        messages = [f"{list(e.absolute_path)}: {e.message}" for e in ours]
        assert all("vision_capabilities" in e.absolute_path for e in ours), (
            f"only ours rejects: {messages}"
        )
        assert not _errors(our_schema, _without_vision_capabilities(document))


def test_the_fixture_collection_is_not_empty() -> None:
    names = {name for name, _ in MAPPING_FIXTURES}
    assert "reference/docker-config.yaml.example" in names
    assert "v2/valid/full-multi-provider.yaml" in names
    assert len(names) >= 30


@pytest.mark.parametrize(
    "document", [d for _, d in MAPPING_FIXTURES], ids=[n for n, _ in MAPPING_FIXTURES]
)
def test_both_schemas_agree_on_every_fixture(document: dict[str, Any]) -> None:
    assert_schemas_agree(document)


@pytest.mark.parametrize(
    "document", [d for _, d in MAPPING_FIXTURES], ids=[n for n, _ in MAPPING_FIXTURES]
)
def test_the_validator_sekha_runs_matches_jsonschema_on_every_fixture(
    document: dict[str, Any],
) -> None:
    expected = {(tuple(e.absolute_path), e.validator) for e in _errors(OURS, document)}
    assert {(tuple(e.absolute_path), e.validator) for e in ENGINE.iter_errors(document)} == (
        expected
    )


def test_the_reference_rejects_the_projects_own_example_only_for_its_placeholder() -> None:
    """The issue's motivating bug: `mcp_api_key: "${SEKHA_API_KEY}"` is shorter than 32."""
    docker = dict(MAPPING_FIXTURES)["reference/docker-config.yaml.example"]
    reference = _errors(REFERENCE, docker)
    assert {(tuple(e.absolute_path), e.validator) for e in reference} == {
        (("mcp_api_key",), "minLength"),
        (("rest_api_key",), "minLength"),
    }
    assert not _errors(OURS, docker)
    assert not _errors(REFERENCE, _fill_placeholders(docker))


def test_placeholder_urls_are_a_reference_only_rejection() -> None:
    document = dict(MAPPING_FIXTURES)["v2/valid/placeholders-everywhere.yaml"]
    reference = _errors(REFERENCE, document)
    assert {e.validator for e in reference} == {"format"}
    assert not _errors(OURS, document)
    assert_schemas_agree(document)


@pytest.mark.parametrize(
    ("our_schema", "document"),
    [
        ({"type": "object"}, {"llm_providers": 5}),  # ours too loose
        ({"type": "object"}, {"mcp_api_key": "${K}"}),  # filled, the reference still rejects
        ({"not": {}}, dict(MAPPING_FIXTURES)["v2/valid/minimal-ollama-only.yaml"]),  # too strict
    ],
    ids=["too-loose", "placeholder-excuse-not-enough", "too-strict"],
)
def test_the_agreement_check_fails_on_a_real_disagreement(
    our_schema: dict[str, Any], document: dict[str, Any]
) -> None:
    """The helper must fail when the schemas truly disagree, or it proves nothing."""
    with pytest.raises(AssertionError):
        assert_schemas_agree(document, our_schema=Draft7Validator(our_schema))


# ---- vision_capabilities: described by ours, open in the reference ------------------------

_DOCKER = dict(MAPPING_FIXTURES)["reference/docker-config.yaml.example"]
_VISION_PATH = ("llm_providers", 1, "models", 2, "vision_capabilities")


def _with_vision(value: Any) -> dict[str, Any]:
    document = copy.deepcopy(_DOCKER)
    document["llm_providers"][1]["models"][2]["vision_capabilities"] = value
    return document


def test_our_schema_accepts_the_docker_examples_vision_capabilities() -> None:
    model = _DOCKER["llm_providers"][1]["models"][2]
    assert set(model["vision_capabilities"]) == {
        "max_images",
        "max_image_size_mb",
        "supported_formats",
    }
    assert not [e for e in _errors(OURS, _DOCKER) if "vision_capabilities" in e.absolute_path]


@pytest.mark.parametrize(
    "capabilities",
    [
        "all of them",
        {"max_images": "ten"},
        {"max_images": 0},
        {"max_image_size_mb": 0},
        {"max_image_size_mb": "20MB"},
        {"supported_formats": "jpg"},
        {"supported_formats": ["jpg", 5]},
    ],
)
def test_our_schema_rejects_wrong_vision_capabilities(capabilities: Any) -> None:
    document = _with_vision(capabilities)
    errors = _errors(OURS, document)
    assert errors
    assert all(tuple(e.absolute_path)[: len(_VISION_PATH)] == _VISION_PATH for e in errors)
    assert_schemas_agree(document)  # the one place the reference cannot follow


# ---- generated documents ------------------------------------------------------------------

_BASES = [
    d for name, d in MAPPING_FIXTURES if name.startswith(("v2/valid/", "reference/docker"))
]

_REPLACEMENTS = st.one_of(
    st.integers(min_value=-5, max_value=3_000_000),
    st.sampled_from([0, 1, 127, 128, 600, 601, 1023, 1024, 4096, 4097, 65535, 65536]),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-10, max_value=1e7),
    st.booleans(),
    st.none(),
    st.sampled_from(
        [
            "${SEKHA_API_KEY}",
            "${OLLAMA_URL}",
            "http://${HOST}:11434",
            "sk-${KEY}",
            "${A}${B}",
            "$NOT_A_PLACEHOLDER",
            "${lower-case}",
            "short",
            "k" * 32,
            "http://localhost:11434",
            "localhost:11434",
            "http://bad host",
            "ollama",
            "embedding",
            "2.0",
            "2",
            "",
        ]
    ),
    st.text(max_size=40),
    st.just([]),
    st.just({}),
    st.lists(st.sampled_from(["k" * 40, "short", "${KEY}"]), max_size=3),
)




def _mutate(document: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    document = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        paths = document_paths(document)
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent: Any = document
        for part in path[:-1]:
            parent = parent[part]
        action = data.draw(st.sampled_from(["drop", "replace", "replace", "placeholder"]))
        if action == "drop":
            del parent[path[-1]]
        elif action == "placeholder":
            parent[path[-1]] = data.draw(st.sampled_from(["${X}", "http://${X}", "${X}x"]))
        else:
            parent[path[-1]] = data.draw(_REPLACEMENTS)
    return document


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_both_schemas_agree_on_mutated_documents(data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(_BASES))
    document = _mutate(base, data)
    assert_schemas_agree(document)
    # `sekha validate` runs our schema through its own compiled validator: same verdicts.
    expected = {(tuple(e.absolute_path), e.validator) for e in _errors(OURS, document)}
    compiled = {(tuple(e.absolute_path), e.validator) for e in ENGINE.iter_errors(document)}
    assert compiled == expected


@settings(max_examples=150, deadline=None)
@given(
    key=st.sampled_from(["mcp_api_key", "rest_api_key", "chroma_url", "llm_bridge_url",
                         "database_url"]),
    template=st.sampled_from(["${V}", "x${V}", "${V}/path", "${V}${W}"]),
)
def test_placeholders_in_constrained_strings_are_the_only_reference_rejection(
    key: str, template: str
) -> None:
    document = {**_BASES[0], key: template}
    assert not _errors(OURS, document)
    assert_schemas_agree(document)
