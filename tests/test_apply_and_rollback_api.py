"""apply_plan, rollback and list_backup_sets called as a user's script would: real files in a
temporary directory, paths given as str and as os.PathLike, outcomes read back from disk."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from migrate_support import copy_fixture, tree_bytes
from test_migrate_cli import fake_ollama  # noqa: F401  (a fixture: an Ollama on 127.0.0.1)

import sekha_migrate.backup.lock as backup_lock
from sekha_migrate.backup import BackupError, BackupLookupError, exclusive_writer, list_backups
from sekha_migrate.migrate.apply import ApplyError, ApplyStatus, apply_plan
from sekha_migrate.migrate.discover import MigrateUsageError
from sekha_migrate.migrate.plan import MigrationRequest, plan_migration
from sekha_migrate.migrate.results import MigrationPlan
from sekha_migrate.undo import RollbackFailed, list_backup_sets, rollback


class Where(os.PathLike[str]):
    """A path-like that is not a Path, as some scripts pass."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __fspath__(self) -> str:
        return self.path


def planned(directory: Path, **options: object) -> MigrationPlan:
    return plan_migration(MigrationRequest(directory=directory, **options))  # type: ignore[arg-type]


@pytest.fixture
def basic(tmp_path: Path) -> Path:
    return copy_fixture("examples/v1-basic", tmp_path)


def test_apply_plan_backs_up_then_writes_and_says_where(basic: Path) -> None:
    before = tree_bytes(basic)
    result = apply_plan(planned(basic), report=str(basic / "report.json"))

    assert result.status is ApplyStatus.WRITTEN
    assert result.ok
    assert result.written == (basic / "config.yaml",)
    assert yaml.safe_load((basic / "config.yaml").read_text())["server_port"] == 8080
    assert result.backup is not None
    assert result.backup.directory.is_dir()
    assert [s.id for s in list_backups(basic)] == [result.backup.id]
    copies = {entry.original.name: entry for entry in result.backup.entries}
    assert sorted(copies) == [".env", "config.toml"]
    for name, entry in copies.items():
        assert (result.backup.directory / entry.stored).read_bytes() == before[name]
    assert result.report == basic / "report.json"


def test_every_report_names_its_backup_and_none_says_backed_up(basic: Path) -> None:
    result = apply_plan(planned(basic), report=Where(basic / "report.json"))

    assert result.backup is not None
    chosen = json.loads((basic / "report.json").read_text())
    kept = json.loads((result.backup.directory / "report.json").read_text())
    for document in (chosen, kept):
        assert document["status"] == "written"
        assert document["backup"] == {
            "id": result.backup.id, "directory": str(result.backup.directory)
        }


def test_a_second_apply_finds_the_output_up_to_date_and_backs_up_nothing(basic: Path) -> None:
    apply_plan(planned(basic))
    again = apply_plan(planned(basic), report=str(basic / "again.json"))

    assert again.status is ApplyStatus.UP_TO_DATE
    assert again.backup is None
    assert len(list_backups(basic)) == 1
    assert json.loads((basic / "again.json").read_text())["status"] == "up-to-date"


def test_dry_run_writes_only_the_report(basic: Path) -> None:
    before = tree_bytes(basic)
    result = apply_plan(planned(basic), dry_run=True, report=str(basic / "r.json"))

    assert result.status is ApplyStatus.DRY_RUN
    assert result.written == ()
    after = tree_bytes(basic)
    assert after.pop("r.json")
    assert after == before
    assert list_backups(basic) == []


def test_strict_refuses_an_assumed_dimension_as_invalid(tmp_path: Path) -> None:
    directory = copy_fixture("unknown-embedding", tmp_path)
    before = tree_bytes(directory)
    result = apply_plan(planned(directory), strict=True, report=str(directory / "r.json"))

    assert result.status is ApplyStatus.INVALID
    assert not result.ok
    assert json.loads((directory / "r.json").read_text())["status"] == "invalid"
    assert {k: v for k, v in tree_bytes(directory).items() if k != "r.json"} == before


def test_a_file_the_user_owns_is_refused_unless_forced(basic: Path) -> None:
    mine = basic / "out.yaml"
    mine.write_text("# my notes\n")
    plan = planned(basic, output=mine)

    refused = apply_plan(plan)
    assert refused.status is ApplyStatus.REFUSED
    assert not refused.ok
    assert [item.forceable for item in refused.refusals] == [True]
    assert mine.read_text() == "# my notes\n"
    assert list_backups(basic) == []

    forced = apply_plan(plan, force=True)
    assert forced.status is ApplyStatus.WRITTEN
    assert forced.backup is not None
    assert mine.read_text() == plan.text
    saved = {entry.original.name: entry for entry in forced.backup.entries}
    assert (forced.backup.directory / saved["out.yaml"].stored).read_text() == "# my notes\n"


def test_confirm_sees_the_plan_and_no_changes_nothing(basic: Path) -> None:
    before = tree_bytes(basic)
    seen: list[MigrationPlan] = []

    def decline(plan: MigrationPlan) -> bool:
        seen.append(plan)
        return False

    plan = planned(basic)
    result = apply_plan(plan, confirm=decline)

    assert result.status is ApplyStatus.CANCELLED
    assert seen == [plan]
    assert tree_bytes(basic) == before
    assert list_backups(basic) == []


def test_confirm_is_not_asked_when_there_is_nothing_to_write(basic: Path) -> None:
    def must_not_ask(plan: MigrationPlan) -> bool:
        raise AssertionError("asked although nothing would be written")

    assert apply_plan(planned(basic), dry_run=True, confirm=must_not_ask).ok


def test_canonical_v2_is_already_v2(tmp_path: Path) -> None:
    directory = copy_fixture("canonical-v2", tmp_path)
    before = tree_bytes(directory)
    result = apply_plan(planned(directory))
    assert result.status is ApplyStatus.ALREADY_V2
    assert result.ok
    assert tree_bytes(directory) == before


def test_another_writer_holding_the_lock_is_an_apply_error(
    basic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 0)
    before = tree_bytes(basic)
    plan = planned(basic)
    with exclusive_writer(basic), pytest.raises(ApplyError, match="another sekha migrate"):
        apply_plan(plan)
    assert tree_bytes(basic) == before
    assert list_backups(basic) == []


def test_planning_refuses_contradictions_as_usage_errors(basic: Path) -> None:
    with pytest.raises(MigrateUsageError, match="choose one"):
        planned(basic, probe=True, dimension=768)
    with pytest.raises(MigrateUsageError, match="choose docker, bridge or env"):
        planned(basic, target="xml")


def test_probe_in_the_request_plans_with_the_measured_dimension(
    tmp_path: Path, fake_ollama: str  # noqa: F811
) -> None:
    directory = copy_fixture("unknown-embedding", tmp_path)
    (directory / ".env").write_text(f"OLLAMA_URL={fake_ollama}\n")
    plan = planned(directory, probe=True)
    assert plan.embedding is not None
    assert (plan.embedding.dimension, plan.embedding.source) == (640, "probe")
    assert apply_plan(plan, strict=True).status is ApplyStatus.WRITTEN


# --- rollback ---------------------------------------------------------------------------------


def test_rollback_by_str_path_restores_every_byte(basic: Path) -> None:
    before = tree_bytes(basic)
    applied = apply_plan(planned(basic))
    assert applied.backup is not None

    done = rollback(str(basic))

    assert done.restore is not None
    assert not done.cancelled
    assert done.backup.id == applied.backup.id
    assert tree_bytes(basic) == before  # config.yaml moved into the set
    assert (applied.backup.directory / "rolled-back" / "config.yaml").exists()


def test_rollback_by_pathlike_declined_changes_nothing(basic: Path) -> None:
    apply_plan(planned(basic))
    after = tree_bytes(basic)
    done = rollback(Where(basic), confirm=lambda backup: False)
    assert done.cancelled
    assert tree_bytes(basic) == after


def test_list_backup_sets_shows_every_set_or_the_one_asked_for(basic: Path) -> None:
    assert list_backup_sets(Where(basic)).sets == ()
    applied = apply_plan(planned(basic))
    rollback(basic)
    listing = list_backup_sets(str(basic))
    assert [s.kind for s in listing.sets] == ["migration", "pre-rollback"]
    assert listing.directory == basic / ".sekha-backups"
    assert not listing.one_set
    assert applied.backup is not None
    one = list_backup_sets(basic, applied.backup.id)
    assert one.one_set
    assert [s.id for s in one.sets] == [applied.backup.id]


def test_rollback_with_nothing_to_restore_is_a_lookup_error(tmp_path: Path) -> None:
    with pytest.raises(BackupLookupError, match="no backups found"):
        rollback(str(tmp_path))
    with pytest.raises(BackupLookupError, match="is not a directory"):
        rollback(tmp_path / "missing")


def test_a_damaged_copy_stops_the_rollback_and_names_the_set(basic: Path) -> None:
    applied = apply_plan(planned(basic))
    assert applied.backup is not None
    entry = applied.backup.entries[0]
    copy = applied.backup.directory / entry.stored
    copy.chmod(0o600)
    copy.write_text("tampered")
    written = tree_bytes(basic)

    with pytest.raises(RollbackFailed) as caught:
        rollback(basic)

    assert isinstance(caught.value, BackupError)
    assert caught.value.backup.id == applied.backup.id
    assert "nothing was changed" in str(caught.value)
    assert tree_bytes(basic) == written
