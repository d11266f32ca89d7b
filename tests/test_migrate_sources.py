"""Reading TOML and .env with the line of every key."""

from __future__ import annotations

import pytest

from sekha_migrate.findings import Mark
from sekha_migrate.sources.env_doc import load_env_text
from sekha_migrate.sources.text import SourceError
from sekha_migrate.sources.toml_doc import load_toml


def test_toml_key_after_a_table_header_belongs_to_that_table() -> None:
    loaded = load_toml('a = 1\n[server]\nport = 2\n  ollama_url = "x"\n')
    assert loaded.data == {"a": 1, "server": {"port": 2, "ollama_url": "x"}}
    assert loaded.key_marks[("a",)] == Mark(1, 1)
    assert loaded.key_marks[("server", "port")] == Mark(3, 1)
    assert loaded.key_marks[("server", "ollama_url")] == Mark(4, 3)


def test_toml_positions_skip_multiline_strings_and_arrays() -> None:
    text = 'doc = """\n[server]\nport = 1\n"""\nlist = [\n  "a", # ] [x]\n  "b",\n]\nport = 3\n'
    loaded = load_toml(text)
    assert loaded.data["port"] == 3
    assert loaded.key_marks[("port",)] == Mark(9, 1)
    assert ("server", "port") not in loaded.key_marks


def test_toml_dotted_quoted_keys_and_arrays_of_tables() -> None:
    text = '[a]\n"b.c".d = 1\n[[t]]\nx = 1\n[[t]]\nx = 2\n'
    loaded = load_toml(text)
    assert loaded.key_marks[("a", "b.c", "d")] == Mark(2, 1)
    assert loaded.key_marks[("t", 1, "x")] == Mark(6, 1)


def test_toml_syntax_error_has_a_position() -> None:
    with pytest.raises(SourceError) as info:
        load_toml("a = 1\nb = = 2\n")
    assert info.value.line == 2
    assert info.value.code == "syntax"


def test_env_forms_follow_python_dotenv() -> None:
    text = (
        "# comment\n"
        "export A=1\n"
        "  B='two words'  # trailing comment\n"
        'C="line1\nline2"\n'
        "D={\"k\": 1}\n"
        "NOVALUE\n"
        "BROKEN LINE\n"
        "A=3\n"
    )
    loaded = load_env_text(text)
    names = [(e.name, e.value, e.mark.line) for e in loaded.entries]
    assert names == [
        ("A", "1", 2),
        ("B", "two words", 3),
        ("C", "line1\nline2", 4),
        ("D", '{"k": 1}', 6),
        ("NOVALUE", None, 7),
        ("A", "3", 9),
    ]
    assert loaded.entries[0].mark.column == 8  # after `export `
    assert loaded.unparsed == [(8, "BROKEN …")]  # the name only: the rest may be a key
    assert loaded.values()["A"] == "3"


def test_env_keeps_placeholders_unexpanded() -> None:
    loaded = load_env_text("MCP_API_KEY=${SECRET_FROM_VAULT}\n")
    assert loaded.entries[0].value == "${SECRET_FROM_VAULT}"
