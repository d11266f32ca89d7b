"""The docs site and the README say what the code does: generated pages are current, every flag
and finding code has its page, no page names a flag or code that does not exist, every command
example runs and prints what the page shows, and `mkdocs build --strict` passes."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from conftest import ROOT, CliResult
from docs_support import Example, examples, normalise, run_page

from sekha_migrate.validate.rules import RULES, help_uri
from sekha_migrate.validate.selection import known_codes

Sekha = Callable[..., CliResult]
PAGES = sorted((ROOT / "docs").rglob("*.md"))
README = ROOT / "README.md"
# Flags of other programs the docs name (pip wheel, git config).
FOREIGN_FLAGS = {"--no-deps", "--show-origin", "--schemafile",
                 # the scripts of this repository (tests/docs_support.py, bench/)
                 "--update", "--runs"}
# Backticked hyphenated words that are names, not finding codes.
NOT_CODES = {
    "sekha-migrate", "sekha-validate",  # the program, the pre-commit hook
    "code",  # the placeholder in `# sekha: ignore[code]`
    "x-api-key", "system-out",  # Anthropic's header, JUnit's element
    "already-v2", "up-to-date", "dry-run",  # migrate's report statuses
    "not-chroma", "too-old",  # probe's Chroma states
}
CODE_WORD = re.compile(r"`([a-z][a-z0-9]*(?:-[a-z0-9]+)+)`")
IGNORE_COMMENT = re.compile(r"sekha: ignore\[([^\]]+)\]")
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def _docs_gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_gen", ROOT / "tools" / "docs_gen.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DOCS_GEN = _docs_gen()
COMMANDS = DOCS_GEN.cli_commands()


def _all_flags() -> set[str]:
    flags = set(DOCS_GEN.root_flags())
    for command in COMMANDS.values():
        flags |= set(DOCS_GEN.command_flags(command))
    return flags


# ---- generated pages ---------------------------------------------------------------------------


def test_the_generated_pages_are_current() -> None:
    stale = [str(p.relative_to(ROOT)) for p in DOCS_GEN.stale()]
    assert stale == [], "regenerate them: python tools/docs_gen.py"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_flag_of_a_command_is_on_its_page(name: str) -> None:
    page = (ROOT / "docs" / "commands" / f"{name}.md").read_text(encoding="utf-8")
    missing = [f for f in DOCS_GEN.command_flags(COMMANDS[name]) if f"`{f}`" not in page
               and f != "--help"]
    assert missing == []


def test_every_finding_code_has_a_page_and_every_code_page_a_code() -> None:
    pages = {p.stem for p in (ROOT / "docs" / "codes").glob("*.md")} - {"index"}
    assert pages == {*RULES, "schema-keyword"}
    for code in [*RULES, "schema-minimum"]:
        relative = help_uri(code).split("/blob/main/", 1)[1]
        assert (ROOT / relative).is_file(), code


# ---- no page names what does not exist -----------------------------------------------------


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: str(p.relative_to(ROOT)))
def test_a_page_names_only_flags_that_exist(page: Path) -> None:
    known = _all_flags() | FOREIGN_FLAGS
    text = page.read_text(encoding="utf-8")
    assert sorted(set(FLAG.findall(text)) - known) == []


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: str(p.relative_to(ROOT)))
def test_a_page_names_only_finding_codes_that_exist(page: Path) -> None:
    codes = set(known_codes())
    text = page.read_text(encoding="utf-8")
    words = set(CODE_WORD.findall(text))
    for comment in IGNORE_COMMENT.findall(text):
        words |= {c.strip() for c in comment.split(",")}
    unknown = sorted(w for w in words if w not in codes and w not in NOT_CODES
                     and not w.startswith("schema-") and not w.startswith("--"))
    assert unknown == []


def test_the_checks_above_can_fail() -> None:
    assert FLAG.findall("run `sekha validate --no-such-flag`") == ["--no-such-flag"]
    assert "--no-such-flag" not in _all_flags()
    assert CODE_WORD.findall("draws `unknwn-key`") == ["unknwn-key"]
    assert "unknwn-key" not in set(known_codes())


@pytest.mark.parametrize(
    "example",
    [e for page in [README, *PAGES] for e in examples(page)],
    ids=lambda e: f"{e.page}:{e.line}",
)
def test_a_console_example_uses_its_own_commands_flags(example: Example) -> None:
    words = example.command.split()
    command = COMMANDS.get(words[1]) if len(words) > 1 else None
    flags = set(DOCS_GEN.command_flags(command)) if command else set(DOCS_GEN.root_flags())
    assert sorted({w.split("=")[0] for w in words if w.startswith("--")} - flags) == []


# ---- every command example runs -------------------------------------------------------------


def _a_local_provider_listens() -> bool:
    """Ollama's or Chroma's default port taken on this machine (a developer running them)."""
    import socket

    for port in (11434, 8000):
        with socket.socket() as probe:
            probe.settimeout(0.2)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
    return False


def _pages_with_examples() -> list[Path]:
    return [p for p in [README, *PAGES] if any(True for _ in examples(p))]


@pytest.mark.parametrize("page", _pages_with_examples(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_example_runs_and_prints_what_the_page_shows(
    sekha_inprocess: Sekha, page: Path
) -> None:
    def runner(args: list[str], cwd: Path) -> tuple[int, str, str]:
        result = sekha_inprocess(*args, cwd=cwd)
        return result.exit_code, result.stdout, result.stderr

    def check(example: Example, code: int, output: str, cwd: Path) -> None:
        if " probe " in f" {example.command} " and _a_local_provider_listens():
            return  # the example shows what probe says with nothing listening on this machine
        where = f"{example.page}:{example.line}: {example.command}"
        assert code == example.exit_code, where + "\n" + output
        if example.output is not None:
            assert normalise(output, cwd) == normalise(example.output, cwd), (
                f"{where}\n(python tests/docs_support.py --update {example.page} rewrites it)")

    run_page(page, runner, check)


def test_the_readme_is_short_and_keeps_its_two_setup_commands_first() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.encode()) < 15_000
    setup = [line[6:] for line in text.splitlines() if line.startswith("    $ ")]
    assert setup[0].startswith("python3 -m venv .venv && .venv/bin/pip install -q . && ")
    assert setup[1].startswith("python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]'")
    assert "pipx install sekha-migrate" not in text


def test_the_example_runner_compares_outputs() -> None:
    shown = "config.yaml: valid (docker)\n✓ 1 file valid"
    assert normalise(shown) != normalise("config.yaml: invalid (docker)\n✗ 1 file invalid")


# ---- the site builds --------------------------------------------------------------------------


@pytest.mark.slow
def test_mkdocs_build_strict_passes(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},  # material's end-of-life banner
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "codes" / "unknown-key" / "index.html").is_file()
