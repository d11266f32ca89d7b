"""The pre-commit hook, run by the real `pre-commit try-repo` against a scratch repository.

pre-commit builds the hook's environment from this checkout (language: python installs it with
pip from the local path). pip gets no index: the build backend and the dependencies come from a
wheelhouse packed from this test environment (wheelhouse_support.py), so the test runs offline
and never waits on a network that is not there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, write
from wheelhouse_support import WheelhouseError, make_wheelhouse

FIXTURES = ROOT / "fixtures" / "v2"
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
ISSUE_TEMPLATE = "blank_issues_enabled: false\ncontact_links:\n  - name: Docs\n    url: x\n"
CIRCLECI = "version: 2.1\njobs:\n  build:\n    docker:\n      - image: cimg/python:3.12\n"

pytestmark = pytest.mark.slow


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _scratch_repository(path: Path, sekha_config: str) -> Path:
    write(path / "config.yaml", sekha_config)
    write(path / "deploy" / "sekha-prod.yml", sekha_config)
    write(path / ".github" / "ISSUE_TEMPLATE" / "config.yml", ISSUE_TEMPLATE)
    write(path / ".circleci" / "config.yml", CIRCLECI)
    write(path / "tools" / "config.yaml", "lint:\n  line-length: 100\n")  # not Sekha's
    # Another application's: it shares log_level and server_port with Sekha, and is not Sekha's.
    write(path / "web" / "config.yaml", "app_name: shop\nlog_level: debug\nserver_port: 3000\n")
    write(path / "docker-compose.yml", "services: {}\n")
    _git(path, "init", "-q")
    _git(path, "add", "-A")
    return path


@dataclass(frozen=True)
class HookHome:
    pre_commit_home: Path
    wheelhouse: Path


def _try_repo(repository: Path, home: HookHome) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home.pre_commit_home),
        "NO_COLOR": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        # Offline: no index and no machine-wide pip configuration, only our wheelhouse.
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(home.wheelhouse),
        "PIP_CONFIG_FILE": os.devnull,
        "VIRTUALENV_NO_PERIODIC_UPDATE": "1",
    }
    command = [str(PRE_COMMIT), "try-repo", str(ROOT), "sekha-validate", "--all-files",
               "--verbose", "--color", "never"]
    try:
        return subprocess.run(command, cwd=repository, capture_output=True, text=True, env=env,
                              timeout=300)
    except subprocess.TimeoutExpired as exc:
        log = home.pre_commit_home / "pre-commit.log"
        pytest.fail(f"pre-commit try-repo took over {exc.timeout:.0f} s with no index to wait "
                    f"on; see {log} and the output: {exc.stdout!r} {exc.stderr!r}")


@pytest.fixture(scope="module")
def hook_home(tmp_path_factory: pytest.TempPathFactory) -> HookHome:
    """One pre-commit cache for both runs: the hook's environment is built once."""
    if shutil.which("git") is None:
        pytest.fail("git is needed to test the pre-commit hook")
    if not PRE_COMMIT.exists():
        pytest.fail("pre-commit is not installed; run pip install -e '.[test]'")
    try:
        wheelhouse = make_wheelhouse(ROOT, tmp_path_factory.mktemp("wheelhouse"))
    except WheelhouseError as exc:
        pytest.fail(f"cannot install the hook offline: {exc}; run pip install -e '.[test]'")
    return HookHome(tmp_path_factory.mktemp("pre-commit-home"), wheelhouse)


def test_hook_passes_a_repository_with_issue_template_and_circleci_configs(
    tmp_path: Path, hook_home: HookHome
) -> None:
    minimal = (FIXTURES / "valid" / "minimal-ollama-only.yaml").read_text()
    repository = _scratch_repository(tmp_path / "repo", minimal)
    result = _try_repo(repository, hook_home)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.search(r"sekha validate\.+Passed", output), output
    headers = dict(re.findall(r"^(\S+\.ya?ml): (.*)$", output, re.MULTILINE))
    assert headers == {
        "config.yaml": "valid (docker)",
        "deploy/sekha-prod.yml": "valid (docker)",
        "tools/config.yaml": "skipped (not a Sekha file: no key Sekha reads; lint is not "
                             "Sekha's)",
        "web/config.yaml": "skipped (not a Sekha file: no key only Sekha uses (log_level, "
                           "server_port are common names); app_name is not Sekha's)",
    }, output


def test_hook_fails_a_broken_sekha_config(tmp_path: Path, hook_home: HookHome) -> None:
    broken = (FIXTURES / "invalid" / "duplicate-key.yaml").read_text()
    repository = _scratch_repository(tmp_path / "repo", broken)
    result = _try_repo(repository, hook_home)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "config.yaml:9:5: error: duplicate key 'priority'" in output
