"""Every command's --help ends the same way: its exit codes, then where its docs are; and the
top-level help lists the commands in the order an operator meets them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import ROOT, CliResult

from sekha_migrate.commands.help_text import DOCS_URL, EXIT_CODES, command_docs_url
from sekha_migrate.validate.rules import PROJECT_URL

Sekha = Callable[..., CliResult]
WORKFLOW_ORDER = ["init", "migrate", "validate", "probe", "show", "rollback", "explain", "schema"]


def test_the_top_level_help_lists_the_commands_in_workflow_order(sekha_inprocess: Sekha) -> None:
    result = sekha_inprocess("--help")
    listed = result.stdout.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed if line.startswith("  ")] == WORKFLOW_ORDER


def test_every_command_has_an_exit_code_entry() -> None:
    assert sorted(EXIT_CODES) == sorted(WORKFLOW_ORDER)


@pytest.mark.parametrize("command", WORKFLOW_ORDER)
def test_help_lists_the_exit_codes_and_ends_with_the_docs(
    sekha_inprocess: Sekha, command: str
) -> None:
    result = sekha_inprocess(command, "--help")
    assert result.exit_code == 0
    text = result.stdout
    codes = text.split("  Exit codes:\n", 1)[1].split("\n\n", 1)[0]
    assert [line.split()[0] for line in codes.splitlines() if not line.startswith("     ")] == [
        "0", "1", "2"]
    assert text.rstrip("\n").splitlines()[-2:] == [
        f"  Docs: {command_docs_url(command)}",
        "    (finding codes: sekha-migrate explain CODE)",
    ]


@pytest.mark.parametrize("command", WORKFLOW_ORDER)
def test_the_docs_link_names_a_page_this_repository_has(command: str) -> None:
    assert DOCS_URL.startswith(PROJECT_URL + "/blob/main/")
    relative = command_docs_url(command).removeprefix(PROJECT_URL + "/blob/main/")
    assert (ROOT / relative).is_file()
