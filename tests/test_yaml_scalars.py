"""Plain scalars take a fast path in the composer (first character, then a cache of texts
seen before); each must still read exactly as PyYAML's resolver reads it."""

from __future__ import annotations

from sekha_migrate.findings import Mark
from sekha_migrate.sources.yaml_doc import load_yaml

DOCUMENT = """\
name: nomic-embed-text
empty_tilde: ~
nothing: null
yes_word: true
off_word: false
hex: 0x1F
port: 8080
negative: -3
ratio: .5
infinite: .inf
date: 2024-01-02
quoted_number: "8080"
tagged: !!str 12
"""

EXPECTED_TYPES = {
    "name": "nomic-embed-text",
    "empty_tilde": None,
    "nothing": None,
    "yes_word": True,
    "off_word": False,
    "hex": 31,
    "port": 8080,
    "negative": -3,
    "ratio": 0.5,
    "quoted_number": "8080",
    "tagged": "12",
}


def test_plain_scalars_resolve_as_pyyaml_resolves_them() -> None:
    data = load_yaml(DOCUMENT).data
    assert {key: data[key] for key in EXPECTED_TYPES} == EXPECTED_TYPES
    assert data["infinite"] == float("inf")
    assert str(data["date"]) == "2024-01-02"


def test_a_repeated_plain_scalar_reads_the_same_the_second_time() -> None:
    first = load_yaml("a: 8192\nb: on\n").data
    second = load_yaml("c: 8192\nd: on\n").data
    assert first == {"a": 8192, "b": True}
    assert second == {"c": 8192, "d": True}


def test_a_fast_path_scalar_keeps_its_mark() -> None:
    loaded = load_yaml("top:\n  id: gpu-one\n  port: 11434\n")
    assert loaded.value_marks[("top", "id")] == Mark(2, 7)
    assert loaded.value_marks[("top", "port")] == Mark(3, 9)
    assert loaded.key_marks[("top", "port")] == Mark(3, 3)


def test_an_empty_plain_value_is_null() -> None:
    assert load_yaml("a:\nb: x\n").data == {"a": None, "b": "x"}
