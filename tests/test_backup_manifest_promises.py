"""Reading a set back (sekha_migrate.backup.manifest) pinned refusal by refusal.

A manifest or rollback log is untrusted input: anyone who can write to .sekha-backups/ can
edit it. Each check of what is read (its size, its stored names, its paths, sizes, kinds,
digests) is pinned here by the exact value read or the exact message of its refusal, through
the public functions only. Written against the mutants bench/mutation.py backup_manifest
found surviving.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import write

from sekha_migrate.backup import (
    BackupError,
    BackupLookupError,
    BackupSet,
    create_backup,
    find_damaged_backups,
    list_backups,
    load_backup,
    restore_backup,
    stray_outputs,
    written_by_toolkit,
)

LIMIT = 4 * 1024 * 1024  # the largest manifest read, in bytes


def _made(root: Path) -> BackupSet:
    return create_backup([write(root / "config.toml", "server_port = 1\n")], root=root)


def _tamper(made: BackupSet, change: Callable[[dict[str, Any]], None]) -> Path:
    path = made.directory / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return path


def _refusal(root: Path, made: BackupSet) -> str:
    """The refusal of load_backup, checked to be the reason find_damaged_backups gives too."""
    with pytest.raises(BackupError) as refused:
        load_backup(root, made.id)
    assert not isinstance(refused.value, BackupLookupError)
    assert [(found.id, found.reason) for found in find_damaged_backups(root)] == [
        (made.id, str(refused.value))]
    assert list_backups(root) == []
    return str(refused.value)


def _manifest_damaged(made: BackupSet, reason: str) -> str:
    manifest = made.directory / "manifest.json"
    return f"the backup set {made.id} is damaged: {manifest} cannot be read ({reason})"


def _set_entry(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(manifest: dict[str, Any]) -> None:
        manifest["files"][0][key] = value

    return change


# ---- the size of a manifest ----------------------------------------------------------------------


def _padded_to(made: BackupSet, size: int) -> Path:
    """The set's own manifest, padded with spaces to exactly `size` bytes (still valid JSON)."""
    path = made.directory / "manifest.json"
    text = path.read_bytes().rstrip()
    path.write_bytes(text + b" " * (size - len(text)))
    return path


def test_a_manifest_of_exactly_the_limit_is_read(tmp_path: Path) -> None:
    made = _made(tmp_path)
    assert _padded_to(made, LIMIT).stat().st_size == LIMIT
    assert load_backup(tmp_path, made.id) == made


def test_a_manifest_one_byte_over_the_limit_is_refused(tmp_path: Path) -> None:
    made = _made(tmp_path)
    assert _padded_to(made, LIMIT + 1).stat().st_size == LIMIT + 1
    assert _refusal(tmp_path, made) == _manifest_damaged(made, "it is larger than 4194304 bytes")


def test_a_manifest_that_never_ends_is_refused_without_waiting_for_its_end(
    tmp_path: Path,
) -> None:
    """A fifo planted as the manifest: reading stops at the limit, not at an end of file that
    a hostile writer never gives (here it gives one after 60 seconds at the latest)."""
    made = _made(tmp_path)
    manifest = made.directory / "manifest.json"
    manifest.unlink()
    os.mkfifo(manifest)
    refused = threading.Event()

    def endless_writer() -> None:
        with contextlib.suppress(BrokenPipeError), open(manifest, "wb") as stream:
            stream.write(b" " * (LIMIT + 1))
            stream.flush()
            refused.wait(60)

    writer = threading.Thread(target=endless_writer)
    writer.start()
    try:
        with pytest.raises(BackupError) as caught:
            load_backup(tmp_path, made.id)
        ended_before = not writer.is_alive()
    finally:
        refused.set()
        writer.join()
    assert str(caught.value) == _manifest_damaged(made, "it is larger than 4194304 bytes")
    assert ended_before is False


def test_a_rollback_log_over_the_limit_is_refused(tmp_path: Path) -> None:
    made = _made(tmp_path)
    log = write(made.directory / "rollback.json", '{"rollbacks": []}' + " " * LIMIT)
    with pytest.raises(BackupError) as refused:
        load_backup(tmp_path, made.id)
    assert str(refused.value) == (f"the backup set {made.id} is damaged: {log} cannot be read "
                                  "(it is larger than 4194304 bytes)")


# ---- stored names: a copy is read from the set's files/ and nowhere else ---------------------


@pytest.mark.parametrize(
    "stored",
    ["files/../manifest.json", "files/../../../etc/passwd", "report.json", "other/config.toml",
     "/etc/passwd", "/files/config.toml", "config.toml"],
)
def test_a_stored_name_outside_the_sets_files_is_refused(tmp_path: Path, stored: str) -> None:
    made = _made(tmp_path)
    _tamper(made, _set_entry("stored", stored))
    assert _refusal(tmp_path, made) == _manifest_damaged(
        made, f"stored name {stored!r} points outside the backup set")


def test_a_stored_name_inside_files_is_read_as_written(tmp_path: Path) -> None:
    made = _made(tmp_path)
    (made.directory / "files" / "config.toml").rename(made.directory / "files" / "kept.toml")
    _tamper(made, _set_entry("stored", "files/kept.toml"))
    [entry] = load_backup(tmp_path, made.id).entries
    assert entry.stored == "files/kept.toml"
    restore_backup(load_backup(tmp_path, made.id))
    assert (tmp_path / "config.toml").read_text(encoding="utf-8") == "server_port = 1\n"


# ---- sizes, modes, digests ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [-1, "16", True, None, 1.5])
def test_a_size_that_is_not_a_count_of_bytes_is_refused(tmp_path: Path, size: object) -> None:
    made = _made(tmp_path)
    _tamper(made, _set_entry("size", size))
    assert _refusal(tmp_path, made) == _manifest_damaged(
        made, f"the entry for {tmp_path / 'config.toml'} has a bad size")


def test_an_empty_file_is_read_back_with_size_zero(tmp_path: Path) -> None:
    made = create_backup([write(tmp_path / "empty.env", "")], root=tmp_path)
    [entry] = load_backup(tmp_path, made.id).entries
    assert entry.size == 0
    assert entry.sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_each_entry_is_read_back_as_recorded(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", "server_port = 1\n")
    config.chmod(0o640)
    made = create_backup([config], root=tmp_path)
    [entry] = load_backup(tmp_path, made.id).entries
    assert entry.original == config
    assert entry.stored == "files/config.toml"
    assert entry.size == 16
    assert entry.mode == 0o640
    assert entry.sha256 == hashlib.sha256(b"server_port = 1\n").hexdigest()
    assert entry.link is None


def test_a_digest_that_is_not_a_sha256_is_refused(tmp_path: Path) -> None:
    made = _made(tmp_path)
    _tamper(made, _set_entry("sha256", "ABC"))
    assert _refusal(tmp_path, made) == _manifest_damaged(made, "'ABC' is not a sha256")


# ---- the manifest's own fields ----------------------------------------------------------------


def test_what_the_manifest_says_is_read_back(tmp_path: Path) -> None:
    output = tmp_path / "config.yaml"
    made = create_backup([write(tmp_path / "config.toml", "x\n")], root=tmp_path,
                         generated=[output], written={output: "v: 2\n"}, undoes="earlier")
    path = made.directory / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    loaded = load_backup(tmp_path, made.id)
    assert loaded.created == manifest["created"] == made.created
    assert loaded.generated == (output,)
    assert loaded.undoes == "earlier"
    assert loaded.written == ((output, hashlib.sha256(b"v: 2\n").hexdigest()),)
    assert loaded.rollbacks == ()


def test_a_manifest_without_a_kind_is_a_migration(tmp_path: Path) -> None:
    made = _made(tmp_path)
    _tamper(made, lambda manifest: manifest.pop("kind"))
    assert load_backup(tmp_path, made.id).kind == "migration"


def test_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    made = _made(tmp_path)
    _tamper(made, lambda manifest: manifest.update(kind="surprise"))
    assert _refusal(tmp_path, made) == _manifest_damaged(made, "unknown kind of set 'surprise'")


def test_an_unsupported_version_is_named(tmp_path: Path) -> None:
    made = _made(tmp_path)
    _tamper(made, lambda manifest: manifest.update(version=3))
    assert _refusal(tmp_path, made) == _manifest_damaged(made, "unsupported manifest version 3")


def test_written_that_is_not_a_table_is_refused(tmp_path: Path) -> None:
    made = _made(tmp_path)
    _tamper(made, lambda manifest: manifest.update(written=["config.yaml"]))
    assert _refusal(tmp_path, made) == _manifest_damaged(
        made, "'written' is not a table of paths")


def test_a_list_that_is_not_a_list_is_refused_naming_what_it_is(tmp_path: Path) -> None:
    made = _made(tmp_path)
    _tamper(made, lambda manifest: manifest.update(generated={"a": 1}))
    assert _refusal(tmp_path, made) == _manifest_damaged(made, "expected a list, found dict")


def test_a_text_that_is_not_text_is_refused_naming_what_it_is(tmp_path: Path) -> None:
    made = _made(tmp_path)
    _tamper(made, lambda manifest: manifest.update(created=20261205))
    assert _refusal(tmp_path, made) == _manifest_damaged(made, "expected text, found int")


def test_a_text_holding_a_nul_is_refused(tmp_path: Path) -> None:
    made = _made(tmp_path)
    _tamper(made, _set_entry("link", "config\x00.toml"))
    assert _refusal(tmp_path, made) == _manifest_damaged(made, "a text holds a NUL character")


@pytest.mark.parametrize("written", ["../elsewhere/victim.txt", "a/../../victim.txt"])
def test_a_path_climbing_out_with_dot_dot_is_refused(tmp_path: Path, written: str) -> None:
    project = tmp_path / "project"
    made = _made(project)
    _tamper(made, lambda manifest: manifest.update(generated=[written]))
    assert _refusal(project, made) == _manifest_damaged(
        made, f"the path {project / written} is outside the project directory {project}")


def test_a_version_1_absolute_path_inside_the_project_is_read_as_it_is(tmp_path: Path) -> None:
    made = _made(tmp_path)
    absolute = str(tmp_path / "config.toml")
    _tamper(made, _set_entry("original", absolute))
    assert load_backup(tmp_path, made.id).entries[0].original == Path(absolute)


# ---- the rollback log ------------------------------------------------------------------------


def test_only_complete_rollbacks_count(tmp_path: Path) -> None:
    made = _made(tmp_path)
    write(made.directory / "rollback.json", json.dumps({"rollbacks": [
        {"at": "2026-01-01T00:00:00.000000Z", "complete": False},
        {"at": "2026-01-02T00:00:00.000000Z"},  # older logs did not say: it was complete
        {"at": "2026-01-03T00:00:00.000000Z", "complete": True},
    ]}))
    assert load_backup(tmp_path, made.id).rollbacks == (
        "2026-01-02T00:00:00.000000Z", "2026-01-03T00:00:00.000000Z")


def test_a_rollback_log_that_is_a_link_is_refused(tmp_path: Path) -> None:
    made = _made(tmp_path)
    elsewhere = write(tmp_path / "log.json", '{"rollbacks": []}')
    log = made.directory / "rollback.json"
    log.symlink_to(elsewhere)
    with pytest.raises(BackupError) as refused:
        load_backup(tmp_path, made.id)
    assert str(refused.value) == (
        f"the backup set {made.id} is damaged: {log} cannot be read (it is a symbolic link, "
        "which sekha never follows (was it planted?))")


# ---- finding sets: load_backup and the scan of .sekha-backups/ --------------------------------


def _planted_message(backup_id: str, link: Path) -> str:
    return (f"the backup set {backup_id} is damaged: {link} is a symbolic link, which sekha "
            "never follows inside .sekha-backups/ (a repository may have planted it); nothing "
            "was changed: remove the link and run again")


def test_a_set_that_is_a_link_is_damaged_and_the_scan_goes_on(tmp_path: Path) -> None:
    first = _made(tmp_path)
    last = create_backup([tmp_path / "config.toml"], root=tmp_path)
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(first.directory, elsewhere)
    link = first.directory.parent / "20000101T000000.000000Z"  # sorted first
    link.symlink_to(elsewhere)

    assert [found.id for found in list_backups(tmp_path)] == [first.id, last.id]
    assert [(found.id, found.reason) for found in find_damaged_backups(tmp_path)] == [
        (link.name, _planted_message(link.name, link))]
    with pytest.raises(BackupError) as refused:
        load_backup(tmp_path, link.name)
    assert str(refused.value) == _planted_message(link.name, link)


def test_an_incomplete_set_is_skipped_and_the_scan_goes_on(tmp_path: Path) -> None:
    made = _made(tmp_path)
    half = made.directory.parent / "20000101T000000.000000Z"  # sorted first, no manifest
    write(half / "files" / "config.toml", "half\n")
    assert [found.id for found in list_backups(tmp_path)] == [made.id]
    assert find_damaged_backups(tmp_path) == []
    with pytest.raises(BackupLookupError) as refused:
        load_backup(tmp_path, half.name)
    assert str(refused.value) == (
        f"the backup set {half.name} is incomplete (its creation was interrupted) "
        "and cannot be restored")


def test_a_hidden_directory_is_not_a_set_even_with_a_manifest(tmp_path: Path) -> None:
    made = _made(tmp_path)
    shutil.copytree(made.directory, made.directory.parent / ".old")
    write(made.directory.parent / "notes.txt", "not a set\n")
    assert [found.id for found in list_backups(tmp_path)] == [made.id]
    assert find_damaged_backups(tmp_path) == []


def test_backups_that_are_not_a_directory_cannot_be_read(tmp_path: Path) -> None:
    container = write(tmp_path / ".sekha-backups", "a file\n")
    with pytest.raises(BackupLookupError) as refused:
        list_backups(tmp_path)
    assert str(refused.value) == f"cannot read {container}: Not a directory"
    output = write(tmp_path / "config.yaml", "v: 2\n")
    assert written_by_toolkit(tmp_path, output) is False
    assert stray_outputs(tmp_path) == frozenset()


@pytest.fixture
def open_project() -> Iterator[Path]:
    """A project directory any user may enter (pytest's own temporary root is private)."""
    directory = Path(tempfile.mkdtemp(prefix="sekha-open-"))
    directory.chmod(0o755)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def _shut(directory: Path) -> Iterator[None]:
    """`directory` closed to this process: mode 000, and as root (who enters any directory)
    running as nobody meanwhile."""
    directory.chmod(0)
    root = os.geteuid() == 0
    try:
        if root:
            os.seteuid(65534)
        try:
            yield
        finally:
            if root:
                os.seteuid(0)
    finally:
        directory.chmod(0o700)


def _opened(made: BackupSet) -> None:
    """A set another user may read (as if the whole project were shared)."""
    made.directory.parent.chmod(0o755)
    made.directory.chmod(0o755)
    (made.directory / "manifest.json").chmod(0o644)


def test_a_set_that_cannot_be_entered_is_damaged_and_says_why(open_project: Path) -> None:
    shut = _made(open_project)
    readable = create_backup([open_project / "config.toml"], root=open_project)
    _opened(readable)
    reason = (f"the backup set {shut.id} is damaged: {shut.directory / 'manifest.json'} cannot "
              "be read (permission denied: was it made by another user, such as an earlier "
              "sudo?)")
    with _shut(shut.directory):
        listed = [found.id for found in list_backups(open_project)]
        damaged = [(found.id, found.reason) for found in find_damaged_backups(open_project)]
        with pytest.raises(BackupError) as refused:
            load_backup(open_project, shut.id)
    assert listed == [readable.id]
    assert damaged == [(shut.id, reason)]
    assert str(refused.value) == reason


# ---- what a migration wrote, and what a killed one left ---------------------------------------


def test_strays_come_from_the_newest_migration_not_rolled_back(tmp_path: Path) -> None:
    first, second = tmp_path / "config.yaml", tmp_path / "bridge.yaml"
    create_backup([], root=tmp_path, generated=[first, second],
                  written={first: "one\n", second: "two\n"})
    undone = create_backup([write(tmp_path / "a.toml", "x\n")], root=tmp_path)
    restore_backup(undone)  # its pre-rollback set is now the newest set not rolled back
    write(first, "one\n")  # the first migration was killed before bridge.yaml
    assert stray_outputs(tmp_path) == frozenset({first})
