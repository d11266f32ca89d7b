"""The finding-code registry's own functions, pinned value by value (the survivors of a mutation
run of sekha_migrate/validate/rules.py: the fallback rule, the missing example, the script)."""

from __future__ import annotations

import sys

import pytest

from sekha_migrate.findings import Severity
from sekha_migrate.validate.rules import (
    Rule,
    command_for,
    example_for,
    explanation,
    main,
    markdown_table,
    rule_for,
)


def test_a_code_without_an_entry_is_a_warning_described_by_its_name() -> None:
    assert rule_for("no-such-code") == Rule(
        "no-such-code", Severity.WARNING, "Finding 'no-such-code'.", "See the message.")


def test_a_schema_code_is_described_by_its_keyword() -> None:
    assert rule_for("schema-enum") == Rule(
        "schema-enum", Severity.ERROR, "The value breaks the v2 schema's 'enum' rule.",
        "Change the value as the message says; `sekha schema` prints the schema.")


@pytest.mark.parametrize("code", ["provider-timeout", "schema-minimum", "no-such-code"])
def test_a_code_without_an_example_has_the_empty_example(code: str) -> None:
    assert example_for(code) == ""


def test_a_code_with_an_example_has_it() -> None:
    assert example_for("missing-version") == "llm_providers: []\n"


@pytest.mark.parametrize(("code", "command"), [
    ("unknown-key", "validate"), ("mount-unread", "validate"), ("not-carried", "migrate"),
    ("chroma-empty", "probe"), ("mount-missing", "show"), ("restore-failed", "rollback"),
    ("schema-type", "validate"), ("no-such-code", "validate")])
def test_each_code_is_reported_by_the_command_of_its_section(code: str, command: str) -> None:
    assert command_for(code) == command


def test_the_explanation_of_a_code_without_an_example() -> None:
    assert explanation("restore-failed") == {
        "code": "restore-failed",
        "severity": "error",
        "command": "rollback",
        "description": "A restore stopped part-way (a write failed); the files already "
                       "restored are listed, the rest are untouched.",
        "example": "",
        "fix": "Fix the cause the message names (disk space, permissions), then run sekha "
               "rollback again.",
        "help_uri": "https://github.com/sekha-ai/sekha-migrate/blob/main/docs/codes/restore-failed.md",
    }


def test_the_markdown_script_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--markdown"]) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == (markdown_table(), "")


def test_the_markdown_script_reads_its_arguments_from_the_command_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["rules.py", "--markdown"])
    assert main() == 0
    assert capsys.readouterr().out == markdown_table()


@pytest.mark.parametrize("argv", [[], ["--markdown", "--extra"], ["--html"]])
def test_the_markdown_script_without_its_one_flag_is_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == (
        "", "usage: python -m sekha_migrate.validate.rules --markdown\n")


def test_the_table_escapes_a_pipe_in_a_cell() -> None:
    # no entry holds a `|` today; a code's words with one must not break the table's columns
    from sekha_migrate.validate.rules import _cell

    assert _cell("a | b") == "a \\| b"


def test_the_table_of_validate_ends_with_the_schema_family() -> None:
    section = markdown_table().split("**migrate**")[0].rstrip("\n").splitlines()
    assert section[-1] == (
        "| `schema-<keyword>` | error | The value breaks the v2 schema's '<keyword>' rule. | "
        "Change the value as the message says; `sekha schema` prints the schema. |")
