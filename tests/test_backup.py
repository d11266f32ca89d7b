"""Backup sets: verified copies before anything is replaced, and an undo that loses nothing."""

from __future__ import annotations

import hashlib
import json
import stat
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import write
from hypothesis import given, settings
from hypothesis import strategies as st
from io_support import read_only_directory

from sekha_migrate.backup import (
    BackupError,
    BackupLookupError,
    create_backup,
    find_damaged_backups,
    list_backups,
    load_backup,
    restore_backup,
)
from sekha_migrate.backup import create as backup_create
from sekha_migrate.backup import restore as backup_restore
from sekha_migrate.io import WriteError, write_atomically

AWKWARD_BYTES = b"\xef\xbb\xbfllm_bridge_url = 'http://x'\r\nkey = \"\xc3\xa9\"\r\n\x00\xff\xfe"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `directory` outside the backups, with its bytes and mode."""
    return {
        str(path.relative_to(directory)): (path.read_bytes(), _mode(path))
        for path in sorted(directory.rglob("*"))
        if path.is_file() and ".sekha-backups" not in path.parts
    }


@pytest.fixture
def v1_dir(tmp_path: Path) -> Path:
    write(tmp_path / "config.toml", AWKWARD_BYTES)
    env = write(tmp_path / ".env", "MCP_API_KEY=sk-abcdefghijklmnop\nexport OLLAMA_URL=x\n")
    env.chmod(0o600)
    return tmp_path


def _migrate_like(directory: Path) -> None:
    """What a migration does after its backup: replace config.toml's neighbour and .env."""
    write_atomically(directory / "config.yaml", 'version: "2.0"\n', mode=0o600)
    write_atomically(directory / ".env", "changed\n")


def test_backup_copies_every_existing_file_with_hash_and_mode(v1_dir: Path) -> None:
    files = [v1_dir / "config.toml", v1_dir / ".env", v1_dir / "config.yaml"]
    made = create_backup(files, root=v1_dir, generated=[v1_dir / "config.yaml"])

    assert [e.original for e in made.entries] == [v1_dir / "config.toml", v1_dir / ".env"]
    for entry in made.entries:
        copy = made.directory / entry.stored
        assert copy.read_bytes() == entry.original.read_bytes()
        assert entry.sha256 == hashlib.sha256(copy.read_bytes()).hexdigest()
        assert entry.size == len(copy.read_bytes())
        assert _mode(copy) == entry.mode == _mode(entry.original)
    assert made.entries[1].mode == 0o600
    assert _mode(made.directory) == 0o700
    assert made.generated == (v1_dir / "config.yaml",)


def test_backup_is_stamped_in_utc_whatever_the_local_zone(
    v1_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # UTC+14: a local clock here is a day ahead of UTC, and at New Year a year ahead.
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    before = datetime.now(timezone.utc)
    made = create_backup([v1_dir / "config.toml"], root=v1_dir)
    after = datetime.now(timezone.utc)
    stamp = datetime.strptime(made.created, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    assert before <= stamp <= after, (before, made.created, after)


def test_manifest_records_paths_sizes_modes_hashes_and_generated(v1_dir: Path) -> None:
    report = {"summary": {"mapped": 3}, "secret": "sk-a…mnop"}
    made = create_backup(
        [v1_dir / ".env"], root=v1_dir, report=report, generated=[v1_dir / "config.yaml"]
    )
    manifest = json.loads((made.directory / "manifest.json").read_text())
    assert manifest["format"] == "sekha-backup"
    assert manifest["version"] == 2
    assert manifest["id"] == made.id
    assert manifest["files"] == [
        {
            "original": ".env",  # relative to the project: a moved project still rolls back
            "stored": "files/.env",
            "size": made.entries[0].size,
            "mode": "0600",
            "sha256": made.entries[0].sha256,
        }
    ]
    assert manifest["generated"] == ["config.yaml"]
    assert json.loads((made.directory / "report.json").read_text()) == report


def test_a_moved_project_rolls_back(v1_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    before = _snapshot(v1_dir)
    create_backup([v1_dir / "config.toml", v1_dir / ".env"], root=v1_dir,
                  generated=[v1_dir / "config.yaml"])
    _migrate_like(v1_dir)
    moved = tmp_path_factory.mktemp("elsewhere") / "renamed"
    v1_dir.rename(moved)

    restore_backup(load_backup(moved))

    assert _snapshot(moved) == before


def test_an_old_absolute_manifest_still_rolls_back_where_it_was_made(v1_dir: Path) -> None:
    before = _snapshot(v1_dir)
    made = create_backup([v1_dir / ".env"], root=v1_dir, generated=[v1_dir / "config.yaml"])
    path = made.directory / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["version"] = 1
    manifest["files"][0]["original"] = str(v1_dir / ".env")
    manifest["generated"] = [str(v1_dir / "config.yaml")]
    path.write_text(json.dumps(manifest))
    _migrate_like(v1_dir)

    restore_backup(load_backup(v1_dir))

    assert _snapshot(v1_dir) == before


def test_backup_ids_are_unique_and_sortable_even_twice_in_one_second(
    v1_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frozen = datetime(2026, 1, 2, 3, 4, 5, 0, tzinfo=timezone.utc)

    class FrozenClock(datetime):
        @classmethod
        def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
            return frozen

    monkeypatch.setattr(backup_create, "datetime", FrozenClock)
    made = [create_backup([v1_dir / ".env"], root=v1_dir) for _ in range(3)]
    ids = [b.id for b in made]
    assert len(set(ids)) == 3
    assert ids == sorted(ids)
    assert [b.id for b in list_backups(v1_dir)] == ids
    assert load_backup(v1_dir).id == ids[-1]


def test_same_file_name_from_two_directories_is_kept_apart(tmp_path: Path) -> None:
    local = write(tmp_path / "config.toml", "ollama_url = 'a'\n")
    home = write(tmp_path / "home" / ".sekha" / "config.toml", "ollama_url = 'b'\n")
    made = create_backup([local, home, local], root=tmp_path)
    assert [e.stored for e in made.entries] == ["files/config.toml", "files/config-2.toml"]
    local.write_text("gone\n")
    home.write_text("gone\n")
    restore_backup(made)
    assert local.read_text() == "ollama_url = 'a'\n"
    assert home.read_text() == "ollama_url = 'b'\n"


def test_a_directory_among_the_files_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="not a regular file"):
        create_backup([tmp_path], root=tmp_path)
    assert list_backups(tmp_path) == []


def test_failed_verification_leaves_no_set_behind(
    v1_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def corrupting_write(
        path: Path, data: str | bytes, *, mode: int | None = None, follow_symlinks: bool = True
    ) -> None:
        if "files" in Path(path).parts and isinstance(data, bytes):
            data = data + b"!"  # the disk "keeps" something else than what was written
        write_atomically(path, data, mode=mode, follow_symlinks=follow_symlinks)

    monkeypatch.setattr(backup_create, "write_atomically", corrupting_write)
    with pytest.raises(BackupError, match="failed verification"):
        create_backup([v1_dir / "config.toml"], root=v1_dir)
    assert list(v1_dir.joinpath(".sekha-backups").glob("2*")) == []


def test_failure_writing_the_manifest_leaves_no_set_behind(
    v1_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk_for_manifest(
        path: Path, data: str | bytes, *, mode: int | None = None, follow_symlinks: bool = True
    ) -> None:
        if Path(path).name == "manifest.json":
            raise WriteError(Path(path), "no space left on device")
        write_atomically(path, data, mode=mode, follow_symlinks=follow_symlinks)

    monkeypatch.setattr(backup_create, "write_atomically", full_disk_for_manifest)
    with pytest.raises(BackupError, match="no space left on device"):
        create_backup([v1_dir / "config.toml"], root=v1_dir, report={"a": 1})
    assert list(v1_dir.joinpath(".sekha-backups").glob("2*")) == []
    with pytest.raises(BackupLookupError, match="no backups found"):
        load_backup(v1_dir)


def test_backup_into_a_read_only_directory_says_so(v1_dir: Path) -> None:
    with read_only_directory(v1_dir), pytest.raises(BackupError) as caught:
        create_backup([v1_dir / "config.toml"], root=v1_dir)
    assert "read-only" in str(caught.value)
    assert not (v1_dir / ".sekha-backups").exists()


def test_interrupted_set_is_never_offered_for_rollback(v1_dir: Path) -> None:
    good = create_backup([v1_dir / ".env"], root=v1_dir)
    half = v1_dir / ".sekha-backups" / "29991231T235959.999999Z"
    write(half / "files" / ".env", "half\n")  # newer, but no manifest: never committed
    assert load_backup(v1_dir).id == good.id
    assert [b.id for b in list_backups(v1_dir)] == [good.id]
    with pytest.raises(BackupLookupError, match="incomplete"):
        load_backup(v1_dir, half.name)


def test_lookup_errors_name_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(BackupLookupError, match="no backups found in"):
        load_backup(tmp_path)
    write(tmp_path / "config.toml", "a = 1\n")
    create_backup([tmp_path / "config.toml"], root=tmp_path)
    with pytest.raises(BackupLookupError, match=r"no backup set 20000101T000000\.000000Z"):
        load_backup(tmp_path, "20000101T000000.000000Z")
    with pytest.raises(BackupLookupError, match="not a backup ID"):
        load_backup(tmp_path, "../elsewhere")


def test_damaged_manifest_is_reported_not_guessed_around(v1_dir: Path) -> None:
    older = create_backup([v1_dir / ".env"], root=v1_dir)
    newer = create_backup([v1_dir / ".env"], root=v1_dir)
    (newer.directory / "manifest.json").write_text('{"format": "sekha-backup", "version": 1')
    with pytest.raises(BackupError, match=f"backup set {newer.id} is damaged") as caught:
        load_backup(v1_dir)
    assert not isinstance(caught.value, BackupLookupError)
    assert [b.id for b in list_backups(v1_dir)] == [older.id]
    assert [d.id for d in find_damaged_backups(v1_dir)] == [newer.id]
    assert load_backup(v1_dir, older.id).id == older.id


def test_damaged_rollback_log_is_named_as_such(v1_dir: Path) -> None:
    made = create_backup([v1_dir / ".env"], root=v1_dir)
    (made.directory / "rollback.json").write_text('{"rollbacks": [1]}')
    with pytest.raises(BackupError, match=r"rollback\.json cannot be read \(the list of rollb"):
        load_backup(v1_dir, made.id)


def test_manifest_missing_a_key_says_which(v1_dir: Path) -> None:
    made = create_backup([v1_dir / ".env"], root=v1_dir)
    (made.directory / "manifest.json").write_text('{"format": "sekha-backup", "version": 1}')
    with pytest.raises(BackupError, match=r"manifest\.json cannot be read \(the key 'files' is"):
        load_backup(v1_dir, made.id)


def test_manifest_cannot_send_a_copy_outside_the_set(v1_dir: Path) -> None:
    made = create_backup([v1_dir / ".env"], root=v1_dir)
    manifest_path = made.directory / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"][0]["stored"] = "../../config.toml"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="outside the backup set"):
        load_backup(v1_dir, made.id)


def test_rollback_restores_every_byte_and_mode(v1_dir: Path) -> None:
    before = _snapshot(v1_dir)
    made = create_backup(
        [v1_dir / "config.toml", v1_dir / ".env", v1_dir / "config.yaml"],
        root=v1_dir,
        generated=[v1_dir / "config.yaml"],
    )
    _migrate_like(v1_dir)
    (v1_dir / "config.toml").unlink()  # even a deleted original comes back

    result = restore_backup(load_backup(v1_dir))

    assert _snapshot(v1_dir) == before
    assert result.restored == (v1_dir / "config.toml", v1_dir / ".env")
    assert result.moved_aside == (v1_dir / "config.yaml",)
    assert result.moved_to == (made.directory / "rolled-back" / "config.yaml",)
    assert result.moved_to[0].read_text() == 'version: "2.0"\n'


def test_generated_file_that_was_also_an_original_is_moved_aside_first(tmp_path: Path) -> None:
    config = write(tmp_path / "config.yaml", "providers: []  # bridge dialect\n")
    made = create_backup([config], root=tmp_path, generated=[config])
    write_atomically(config, 'version: "2.0"\n')

    result = restore_backup(made)

    assert config.read_text() == "providers: []  # bridge dialect\n"
    assert result.moved_to[0].read_text() == 'version: "2.0"\n'


def test_a_kill_before_the_original_is_written_back_leaves_the_v2_file_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write(tmp_path / "config.yaml", "providers: []  # bridge dialect\n")
    made = create_backup([config], root=tmp_path, generated=[config])
    write_atomically(config, 'version: "2.0"\n')

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # as a kill between moving the v2 file aside and restoring

    monkeypatch.setattr(backup_restore, "_restore_entry", killed)
    with pytest.raises(KeyboardInterrupt):
        restore_backup(made)

    assert config.read_text() == 'version: "2.0"\n'
    monkeypatch.undo()
    restore_backup(made)
    assert config.read_text() == "providers: []  # bridge dialect\n"


def test_rollback_is_recorded_and_listed(v1_dir: Path) -> None:
    made = create_backup([v1_dir / ".env"], root=v1_dir, generated=[v1_dir / "config.yaml"])
    assert not load_backup(v1_dir).rolled_back
    _migrate_like(v1_dir)
    restore_backup(made)
    again = load_backup(v1_dir, made.id)
    assert again.rolled_back
    assert len(again.rollbacks) == 1
    log = json.loads((made.directory / "rollback.json").read_text())
    assert log["rollbacks"][0]["moved_aside"] == [
        {"from": str(v1_dir / "config.yaml"), "to": str(made.directory / "rolled-back/config.yaml")}
    ]


def test_a_set_rolled_back_once_is_never_applied_again(v1_dir: Path) -> None:
    made = create_backup([v1_dir / ".env"], root=v1_dir, generated=[v1_dir / "config.yaml"])
    _migrate_like(v1_dir)
    first = restore_backup(made)
    write_atomically(v1_dir / ".env", "ROTATED=after-the-rollback\n")
    after = _snapshot(v1_dir)

    with pytest.raises(BackupError, match=f"{made.id} was rolled back already") as caught:
        restore_backup(made)  # the object loaded before the first rollback: still refused

    assert f"sekha rollback {first.saved_as}" in str(caught.value)
    assert _snapshot(v1_dir) == after


def test_rollback_first_saves_what_it_replaces_so_an_edit_survives(v1_dir: Path) -> None:
    made = create_backup([v1_dir / ".env"], root=v1_dir, generated=[v1_dir / "config.yaml"])
    _migrate_like(v1_dir)
    write_atomically(v1_dir / ".env", "MCP_API_KEY=rotated-after-migration\n")

    result = restore_backup(made)

    saved = load_backup(v1_dir, result.saved_as)
    assert (saved.kind, saved.undoes) == ("pre-rollback", made.id)
    copies = {e.original.name: (saved.directory / e.stored).read_bytes() for e in saved.entries}
    assert copies == {".env": b"MCP_API_KEY=rotated-after-migration\n",
                      "config.yaml": b'version: "2.0"\n'}


def test_second_rollback_takes_the_set_before_or_says_there_is_none(v1_dir: Path) -> None:
    older = create_backup([v1_dir / ".env"], root=v1_dir)
    newer = create_backup([v1_dir / ".env"], root=v1_dir)
    assert load_backup(v1_dir).id == newer.id
    restore_backup(newer)
    assert load_backup(v1_dir).id == older.id  # not newer again, nor its pre-rollback set
    restore_backup(older)
    with pytest.raises(BackupLookupError, match="nothing left to roll back"):
        load_backup(v1_dir)


def test_undoing_a_rollback_brings_back_the_migrated_state(v1_dir: Path) -> None:
    made = create_backup([v1_dir / "config.toml", v1_dir / ".env"], root=v1_dir,
                         generated=[v1_dir / "config.yaml"])
    _migrate_like(v1_dir)
    migrated = _snapshot(v1_dir)
    result = restore_backup(made)
    assert result.saved_as is not None

    restore_backup(load_backup(v1_dir, result.saved_as))

    assert _snapshot(v1_dir) == migrated


def test_corrupted_copy_is_refused_and_nothing_is_touched(v1_dir: Path) -> None:
    made = create_backup(
        [v1_dir / "config.toml", v1_dir / ".env"],
        root=v1_dir,
        generated=[v1_dir / "config.yaml"],
    )
    _migrate_like(v1_dir)
    after_migration = _snapshot(v1_dir)
    copy = made.directory / made.entries[0].stored
    copy.write_bytes(copy.read_bytes().replace(b"x", b"y"))

    with pytest.raises(BackupError, match="does not match its recorded sha256") as caught:
        restore_backup(made)

    assert "nothing was changed" in str(caught.value)
    assert str(v1_dir / "config.toml") in str(caught.value)
    assert _snapshot(v1_dir) == after_migration
    assert not (made.directory / "rolled-back").exists()
    assert not load_backup(v1_dir).rolled_back


def test_missing_copy_is_refused(v1_dir: Path) -> None:
    made = create_backup([v1_dir / ".env"], root=v1_dir)
    (made.directory / made.entries[0].stored).unlink()
    with pytest.raises(BackupError, match="cannot be read"):
        restore_backup(made)


def test_restore_that_fails_midway_can_be_run_again(tmp_path: Path) -> None:
    here = write(tmp_path / "config.toml", "here\n")
    home = write(tmp_path / "home" / "config.toml", "home\n")
    made = create_backup([here, home], root=tmp_path, generated=[tmp_path / "config.yaml"])
    write_atomically(tmp_path / "config.yaml", "v2\n")
    here.write_text("x\n")
    home.write_text("y\n")

    with read_only_directory(home.parent), pytest.raises(BackupError) as caught:
        restore_backup(made)
    assert f"Restored so far: {here}" in str(caught.value)
    assert home.read_text() == "y\n"
    assert (made.directory / "rolled-back" / "config.yaml").read_text() == "v2\n"

    result = restore_backup(made)
    assert (here.read_text(), home.read_text()) == ("here\n", "home\n")
    assert result.moved_aside == ()


def test_rollback_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = write(tmp_path / "dotfiles" / "config.yaml", "providers: []\n")
    link = tmp_path / "config.yaml"
    link.symlink_to(real)
    made = create_backup([link], root=tmp_path, generated=[link])
    write_atomically(link, 'version: "2.0"\n')

    restore_backup(made)

    assert link.is_symlink()
    assert real.read_text() == "providers: []\n"
    assert (made.directory / "rolled-back" / "config.yaml").read_text() == 'version: "2.0"\n'


@settings(max_examples=40, deadline=None)
@given(
    contents=st.lists(st.binary(max_size=2048), min_size=1, max_size=4),
    modes=st.lists(st.sampled_from([0o600, 0o640, 0o644, 0o400, 0o755]), min_size=4, max_size=4),
    replacement=st.binary(max_size=512),
)
def test_any_bytes_and_modes_survive_backup_and_restore(
    contents: list[bytes], modes: list[int], replacement: bytes
) -> None:
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        files = []
        for index, data in enumerate(contents):
            path = write(root / f"source{index}.toml", data)
            path.chmod(modes[index])
            files.append(path)
        made = create_backup(files, root=root)
        for path in files:
            write_atomically(path, replacement, mode=0o644)
        restore_backup(made)
        for path, data, mode in zip(files, contents, modes, strict=False):
            assert path.read_bytes() == data
            assert _mode(path) == mode
