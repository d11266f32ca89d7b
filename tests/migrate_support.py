"""Helpers shared by the migrate tests: copy a fixture, plan it, look values up."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from sekha_migrate.migrate.plan import MigrationRequest, plan_migration
from sekha_migrate.migrate.results import KeyRead, MigrationPlan

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
V1 = FIXTURES / "v1"


def copy_fixture(name: str, target: Path) -> Path:
    """A private copy of fixtures/v1/<name> (or fixtures/<name>) to run against."""
    source = V1 / name if (V1 / name).is_dir() else FIXTURES / name
    destination = target / Path(name).name
    shutil.copytree(source, destination)
    return destination


def plan_dir(directory: Path, **options: Any) -> MigrationPlan:
    return plan_migration(MigrationRequest(directory=directory, **options))


def output_data(plan: MigrationPlan) -> Any:
    return yaml.safe_load(plan.text)


def read_for(plan: MigrationPlan, key: str) -> KeyRead:
    matches = [read for read in plan.reads if read.origin.key == key]
    assert matches, f"no read of {key}; have {[r.origin.key for r in plan.reads]}"
    return matches[-1]


def tree_bytes(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` (backups excluded) and its bytes."""
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and ".sekha-backups" not in path.parts
    }
