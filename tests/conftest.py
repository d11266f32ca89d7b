"""Shared test fixtures: where the fixtures live, and the CLI driven two ways."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from provider_servers import ServerPool

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


# What a developer's shell or a CI runner may set that changes the tool's output: colour,
# width, CI detection and Sekha's own settings. Each test starts without them.
UNSET_FOR_EACH_TEST = ("FORCE_COLOR", "NO_COLOR", "TERM", "COLUMNS", "CI", "GITHUB_ACTIONS")
# validate's result cache stays out of the checkout and of every other test's directory;
# tests/test_validate_cache.py (and the golden-output test) turn it on.
SET_FOR_EACH_TEST = {"SEKHA_MIGRATE_NO_CACHE": "1"}


@pytest.fixture(autouse=True)
def hermetic_environment() -> Iterator[None]:
    """The same environment for every test, whatever the shell running the suite has set:
    no colour or width variables, no SEKHA_* / SEKHA__* name, umask 022 and TZ=UTC. A
    subprocess a test starts inherits all of it. A test that needs a value sets it itself."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name in UNSET_FOR_EACH_TEST or name.startswith("SEKHA_"):
                patch.delenv(name)
        for name in UNSET_FOR_EACH_TEST:
            # Not only os.environ: readline, once imported, sets COLUMNS in the C environment,
            # which subprocesses inherit.
            os.unsetenv(name)
        patch.setenv("TZ", "UTC")
        for name, value in SET_FOR_EACH_TEST.items():
            patch.setenv(name, value)
        time.tzset()
        previous_umask = os.umask(0o022)
        try:
            yield
        finally:
            os.umask(previous_umask)
    time.tzset()  # after the context restored TZ


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def servers() -> Iterator[ServerPool]:
    """Fake provider servers on 127.0.0.1 (tests/provider_servers.py), stopped afterwards."""
    from provider_servers import ServerPool

    with ServerPool() as pool:
        yield pool


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


def _sekha_executable() -> str:
    beside_python = Path(sys.executable).parent / "sekha"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("sekha")
    if found is None:
        pytest.fail("the `sekha` entry point is not installed; run pip install -e '.[test]'")
    return found


@pytest.fixture
def sekha(monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run a `sekha` command in this process: the same app and flags as the entry point,
    without starting an interpreter per call (`sekha_e2e` does that where it matters)."""
    from typer.testing import CliRunner

    from sekha_migrate.cli import app

    def run(
        *args: str,
        cwd: Path | None = None,
        input: str | bytes | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> CliResult:
        with monkeypatch.context() as patch:
            for name, value in {"NO_COLOR": "1", "COLUMNS": "160", **(env or {})}.items():
                patch.setenv(name, value)
            if cwd is not None:
                patch.chdir(cwd)
            result = CliRunner().invoke(app, list(args), input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def sekha_e2e() -> Callable[..., CliResult]:
    """Run the installed `sekha` entry point as a user would, in a subprocess."""

    def run(
        *args: str,
        cwd: Path | None = None,
        input: str | bytes | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> CliResult:
        full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160", **(env or {})}
        data = input.encode() if isinstance(input, str) else input
        proc = subprocess.run(
            [_sekha_executable(), *args],
            cwd=cwd,
            input=data if data is not None else b"",
            capture_output=True,
            env=full_env,
            timeout=timeout,
        )
        return CliResult(
            proc.returncode,
            proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"),
        )

    return run


@pytest.fixture
def sekha_inprocess(monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run the Typer app in this process (fast; same code path minus the entry point)."""
    from typer.testing import CliRunner

    from sekha_migrate.cli import app

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "160")

    def run(*args: str, input: str | None = None, cwd: Path | None = None) -> CliResult:
        runner = CliRunner()
        if cwd is not None:
            monkeypatch.chdir(cwd)
        result = runner.invoke(app, list(args), input=input, catch_exceptions=False)
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


ArgList = Sequence[str]


@pytest.fixture(scope="session")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real Chroma server on 127.0.0.1, one per test process (tests/chroma_support.py)."""
    from chroma_support import start_chroma

    yield from start_chroma(tmp_path_factory.mktemp("chroma"))
