"""The CLI loads only the command it runs, and `--version` alone is answered before typer.

The early answer shares its flags, help and line with the root command (sekha_migrate/
version.py); here both paths run for every way of asking, and must print the same bytes
with the same exit code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sekha_migrate.version import VERSION_FLAGS

ROOT = Path(__file__).resolve().parent.parent
VALID = ROOT / "fixtures" / "v2" / "valid" / "minimal-ollama-only.yaml"

# The entry point as installed (the early answer first), and the typer app alone.
THROUGH_ENTRY = "import sys; sys.argv = {argv!r}; from sekha_migrate.entry import main; main()"
THROUGH_TYPER = "import sys; sys.argv = {argv!r}; from sekha_migrate.cli import main; main()"
# Put before either: at exit, the typer and command modules this process imported.
REPORT_MODULES = (
    "import atexit, sys; atexit.register(lambda: print(sorted(m for m in sys.modules if "
    "m == 'typer' or m.startswith('sekha_migrate.commands.')), file=sys.stderr)); "
)


def _run(code: str, *, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("_SEKHA")}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, stdin=subprocess.DEVNULL, env=env,
        cwd=cwd, timeout=60,
    )


@pytest.mark.parametrize("argv0", ["sekha", "/usr/bin/sekha-migrate", "sekha_migrate/__main__.py"])
@pytest.mark.parametrize("flag", VERSION_FLAGS)
def test_the_early_version_answer_is_the_typer_answer(argv0: str, flag: str) -> None:
    argv = [argv0, flag]
    early = _run(THROUGH_ENTRY.format(argv=argv))
    typer_path = _run(THROUGH_TYPER.format(argv=argv))
    assert early.returncode == typer_path.returncode
    assert early.stdout == typer_path.stdout
    assert early.stderr == typer_path.stderr
    assert typer_path.returncode == 0


def test_the_early_version_answer_imports_no_typer() -> None:
    result = _run(REPORT_MODULES + THROUGH_ENTRY.format(argv=["sekha", "--version"]))
    assert result.stdout == b"sekha 0.1.0\n"
    assert result.stderr.decode().strip() == "[]"


@pytest.mark.parametrize("others", [["--version", "validate"], ["-V", "-V"], ["validate", "-V"]])
def test_version_with_anything_else_goes_through_typer(others: list[str]) -> None:
    argv = ["sekha", *others]
    early = _run(REPORT_MODULES + THROUGH_ENTRY.format(argv=argv))
    typer_path = _run(THROUGH_TYPER.format(argv=argv))
    assert early.returncode == typer_path.returncode
    assert early.stdout == typer_path.stdout
    assert early.stderr.decode().splitlines()[-1].endswith("'typer']")


def test_validate_loads_no_other_command(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_bytes(VALID.read_bytes())
    argv = ["sekha", "validate", "-q", "config.yaml"]
    result = _run(REPORT_MODULES + THROUGH_ENTRY.format(argv=argv), cwd=tmp_path)
    assert result.returncode == 0
    loaded = result.stderr.decode().strip().splitlines()[-1]
    # help_text is the table of every command's exit codes (its --help epilog): no imports
    assert loaded == (
        "['sekha_migrate.commands.help_text', 'sekha_migrate.commands.options', "
        "'sekha_migrate.commands.validate', 'typer']"
    )


def test_the_command_tree_has_every_command_loaded() -> None:
    from sekha_migrate.cli import COMMANDS, command_tree

    tree = command_tree()
    assert list(tree.commands) == list(COMMANDS)
    for name in COMMANDS:
        options = {opt for param in tree.commands[name].params for opt in param.opts}
        assert {"--quiet", "--verbose", "--color"} <= options, name
    assert "--dry-run" in {o for p in tree.commands["migrate"].params for o in p.opts}


def test_an_unknown_command_still_gets_a_suggestion(tmp_path: Path) -> None:
    result = _run(THROUGH_ENTRY.format(argv=["sekha", "valdate"]), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.decode().splitlines()[-1] == (
        "Error: No such command 'valdate'. Did you mean 'validate'?"
    )
