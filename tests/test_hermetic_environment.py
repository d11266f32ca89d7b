"""Every test starts in the same environment, whatever the shell running the suite has set
(conftest.py's hermetic_environment); .ci/run runs the suite once more in a hostile one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from conftest import SET_FOR_EACH_TEST, UNSET_FOR_EACH_TEST

REPORT = (
    "import json, os, time; mask = os.umask(0); "
    "print(json.dumps({'umask': mask, 'utc_offset': time.localtime().tm_gmtoff, "
    "'names': sorted(n for n in os.environ if n.startswith('SEKHA_') "
    f"or n in {list(UNSET_FOR_EACH_TEST)!r}), 'tz': os.environ.get('TZ')}}))"
)


def _observed_in_a_subprocess() -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", REPORT], capture_output=True, text=True,
                          check=True, timeout=60)
    observed: dict[str, object] = json.loads(done.stdout)
    return observed


def test_a_test_and_its_subprocesses_see_no_colour_terminal_ci_or_sekha_names() -> None:
    leaked = [n for n in os.environ if n in UNSET_FOR_EACH_TEST or n.startswith("SEKHA_")]
    assert leaked == sorted(SET_FOR_EACH_TEST)
    assert _observed_in_a_subprocess()["names"] == sorted(SET_FOR_EACH_TEST)


def test_a_test_and_its_subprocesses_run_with_umask_022_in_utc() -> None:
    mask = os.umask(0)
    os.umask(mask)
    assert (mask, time.localtime().tm_gmtoff, time.tzname[0]) == (0o022, 0, "UTC")
    assert _observed_in_a_subprocess() == {
        "umask": 0o022, "utc_offset": 0, "names": sorted(SET_FOR_EACH_TEST), "tz": "UTC",
    }


def test_a_test_sets_what_it_needs_for_itself_and_its_subprocesses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEKHA_SERVER_PORT", "9100")
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    observed = _observed_in_a_subprocess()
    assert (observed["names"], observed["utc_offset"]) == (
        sorted(["SEKHA_SERVER_PORT", *SET_FOR_EACH_TEST]), 14 * 3600)
