"""What `sekha validate` (text and json) and `sekha migrate --dry-run` print for every file of
fixtures/, with their exit codes, against a golden file recorded from the code before the
performance work of issue 18 (lazy commands, result cache, faster composer): that work must
change how fast the answers come, never the answers.

The commands run as a user runs them (the installed entry point, a subprocess), in a copy of
fixtures/ under a temporary directory with relative paths, HOME there too, so nothing of the
machine or the checkout's location reaches the output. A deliberate change of output is
recorded again with:

    .venv/bin/python tests/test_fixture_outputs.py --write
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
GOLDEN = ROOT / "tests" / "data" / "fixture_outputs.json"

Outcome = dict[str, object]  # exit, stdout, stderr


def corpus() -> list[str]:
    """Every fixture file (PROVENANCE notes too: validate must refuse them the same way),
    relative to the repository root."""
    return sorted(
        str(path.relative_to(ROOT)) for path in FIXTURES.rglob("*") if path.is_file()
    )


def commands(fixture: str) -> dict[str, list[str]]:
    return {
        "validate": ["validate", fixture],
        "validate --format json": ["validate", "--format", "json", fixture],
        "migrate --dry-run": ["migrate", "--dry-run", "--no-env", fixture],
    }


def _sekha() -> str:
    beside = Path(sys.executable).parent / "sekha"
    return str(beside) if beside.exists() else (shutil.which("sekha") or "sekha")


def _environment(home: Path) -> dict[str, str]:
    keep = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("SEKHA_")
        and name not in ("FORCE_COLOR", "TERM", "CI", "GITHUB_ACTIONS")
    }
    return {**keep, "HOME": str(home), "NO_COLOR": "1", "COLUMNS": "160", "TZ": "UTC"}


def run_fixture(fixture: str, workdir: Path) -> dict[str, Outcome]:
    """Each command over one fixture, in `workdir` (which holds a copy of fixtures/)."""
    outcomes: dict[str, Outcome] = {}
    for name, args in commands(fixture).items():
        proc = subprocess.run(
            [_sekha(), *args],
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=_environment(workdir / "home"),
            timeout=120,
        )
        outcomes[name] = {
            "exit": proc.returncode,
            "stdout": _neutral(proc.stdout.decode("utf-8", "replace"), workdir),
            "stderr": _neutral(proc.stderr.decode("utf-8", "replace"), workdir),
        }
    return outcomes


def _neutral(text: str, workdir: Path) -> str:
    """The temporary directory and the checkout's location (the schema modeline names the
    shipped schema file) as fixed words."""
    return text.replace(str(workdir), "<workdir>").replace(str(ROOT), "<repo>")


def _copy_fixtures(workdir: Path) -> None:
    shutil.copytree(FIXTURES, workdir / "fixtures")
    (workdir / "home").mkdir()


@pytest.fixture(scope="module")
def golden() -> dict[str, dict[str, Outcome]]:
    loaded: dict[str, dict[str, Outcome]] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return loaded


def test_the_golden_file_covers_every_fixture(golden: dict[str, dict[str, Outcome]]) -> None:
    assert sorted(golden) == corpus()


@pytest.mark.parametrize("fixture", corpus())
def test_outputs_and_exit_codes_are_unchanged(
    fixture: str, tmp_path: Path, golden: dict[str, dict[str, Outcome]]
) -> None:
    _copy_fixtures(tmp_path)
    observed = run_fixture(fixture, tmp_path)
    for name, expected in golden[fixture].items():
        assert observed[name] == expected, f"{name} {fixture}"


def _write() -> None:
    recorded: dict[str, dict[str, Outcome]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for fixture in corpus():
            # A fresh copy each time, as each test gets: no command sees another's leftovers.
            workdir = Path(tmp) / "run"
            _copy_fixtures(workdir)
            recorded[fixture] = run_fixture(fixture, workdir)
            shutil.rmtree(workdir)
    GOLDEN.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN.relative_to(ROOT)}: {len(recorded)} fixtures")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: test_fixture_outputs.py --write")
    _write()
