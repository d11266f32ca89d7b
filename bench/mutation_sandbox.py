"""A pytest plugin for mutation runs of modules that write and delete files: each test runs
with its own empty working directory.

mutmut runs the tests inside mutants/, so a mutant that turns a path argument into the
working directory (`Path(root)` into `Path()`) would delete the copied package under the
run. bench/mutation.py loads this plugin for the modules whose table entry asks for it.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _own_working_directory(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
