"""Interrupted runs: a re-run recognises its own stray outputs, and one rollback restores the
state before."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_support import copy_fixture, plan_dir, tree_bytes

from sekha_migrate import io as io_module
from sekha_migrate.migrate import apply as apply_module
from sekha_migrate.migrate.apply import apply_plan
from sekha_migrate.undo import rollback


def test_a_rerun_after_a_kill_between_secrets_and_output_rolls_back_in_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_fixture("flat-toml", tmp_path)
    before = tree_bytes(project)
    real_write = io_module.write_atomically

    def killed_at_the_output(path: Path, data: str | bytes, **kwargs: object) -> None:
        if path.name == "config.yaml":
            raise KeyboardInterrupt  # as a SIGKILL after the secrets file was written
        real_write(path, data, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(apply_module, "write_atomically", killed_at_the_output)
        with pytest.raises(KeyboardInterrupt):
            apply_plan(plan_dir(project, externalize_secrets=True, environ={}))
    assert (project / "sekha-secrets.env").exists()

    rerun = apply_plan(plan_dir(project, externalize_secrets=True, environ={}))
    assert rerun.ok
    rollback(project)

    assert tree_bytes(project) == before


def test_a_moved_project_rolls_back_and_knows_its_own_config_yaml(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = copy_fixture("flat-toml", tmp_path)
    before = tree_bytes(project)
    assert apply_plan(plan_dir(project, environ={})).ok
    moved = tmp_path_factory.mktemp("mounted-elsewhere") / "checkout"
    project.rename(moved)

    again = apply_plan(plan_dir(moved, environ={}))  # not refused as "the user's" config.yaml
    assert again.ok, again.refusals
    rollback(moved)

    assert tree_bytes(moved) == before


def test_clean_up_keeps_a_live_writers_temporary_file_and_removes_a_dead_ones(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    project = copy_fixture("flat-toml", tmp_path)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    try:
        theirs = project / f".report.sarif.0a1b2c3d.{live.pid}.tmp"
        theirs.write_text("being written by sekha validate -O")
        leftover = project / f".config.yaml.0a1b2c3d.{dead.stdout.strip()}.tmp"
        leftover.write_text("half written by a killed run")

        assert apply_plan(plan_dir(project, environ={})).ok

        assert theirs.exists()
        assert not leftover.exists()
    finally:
        live.kill()
        live.wait()


def test_an_interrupt_right_after_the_set_directory_is_made_leaves_no_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sekha_migrate.backup import create_backup

    project = copy_fixture("flat-toml", tmp_path)

    def interrupted(path: object, mode: int) -> None:
        raise KeyboardInterrupt  # SIGTERM, turned into an interrupt while writing

    monkeypatch.setattr("os.chmod", interrupted)
    with pytest.raises(KeyboardInterrupt):
        create_backup([project / "config.toml"], root=project)
    monkeypatch.undo()

    assert list((project / ".sekha-backups").glob("2*")) == []
