"""write_atomically: the target is either its old self or its new self, never half of each."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from conftest import write
from io_support import read_only_directory

from sekha_migrate.io import WriteError, write_atomically


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_writes_text_as_utf8_and_bytes_as_they_are(tmp_path: Path) -> None:
    write_atomically(tmp_path / "a.yaml", "name: café\n")
    payload = b"\xef\xbb\xbfkey: 1\r\n\x00\xff"
    write_atomically(tmp_path / "b.bin", payload)
    assert (tmp_path / "a.yaml").read_bytes() == "name: café\n".encode()
    assert (tmp_path / "b.bin").read_bytes() == payload
    assert _leftovers(tmp_path) == []


def test_replaces_an_existing_file_and_keeps_its_mode(tmp_path: Path) -> None:
    target = write(tmp_path / "config.yaml", "old\n")
    target.chmod(0o640)
    write_atomically(target, "new\n")
    assert target.read_text() == "new\n"
    assert _mode(target) == 0o640


def test_given_mode_wins_so_secrets_get_0600(tmp_path: Path) -> None:
    target = write(tmp_path / ".env", "old\n")
    target.chmod(0o644)
    write_atomically(target, "OPENAI_API_KEY=sk-secret\n", mode=0o600)
    assert _mode(target) == 0o600


def test_new_file_gets_the_default_mode_under_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        write_atomically(tmp_path / "fresh.yaml", "x\n")
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "fresh.yaml") == 0o640


def test_writes_through_a_symlink_and_keeps_the_link(tmp_path: Path) -> None:
    real = write(tmp_path / "dotfiles" / "config.yaml", "old\n")
    link = tmp_path / "config.yaml"
    link.symlink_to(real)
    write_atomically(link, "new\n")
    assert link.is_symlink()
    assert real.read_text() == "new\n"


def test_full_disk_raises_write_error_and_leaves_the_target_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = write(tmp_path / "config.yaml", "original\n")
    real_write = os.write
    calls: list[int] = []

    def write_half_then_fail(fd: int, data: bytes) -> int:
        # The first call lands a partial chunk, the next finds the disk full.
        if not calls:
            calls.append(fd)
            return real_write(fd, bytes(data[:3]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", write_half_then_fail)
    with pytest.raises(WriteError) as caught:
        write_atomically(target, "a much longer replacement\n")
    monkeypatch.undo()
    assert str(caught.value).startswith(f"cannot write {target}: no space left on device")
    assert target.read_text() == "original\n"
    assert _leftovers(tmp_path) == []


def test_failing_rename_removes_the_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = write(tmp_path / "config.yaml", "original\n")

    def refuse(src: str, dst: str) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(WriteError, match="the file system is read-only"):
        write_atomically(target, "new\n")
    monkeypatch.undo()
    assert target.read_text() == "original\n"
    assert _leftovers(tmp_path) == []


def test_read_only_directory_gives_a_clear_message(tmp_path: Path) -> None:
    directory = tmp_path / "locked"
    target = write(directory / "config.yaml", "original\n")
    with read_only_directory(directory), pytest.raises(WriteError) as caught:
        write_atomically(target, "new\n")
    message = str(caught.value)
    assert message.startswith(f"cannot write {target}: ")
    assert "read-only" in message
    assert "Errno" not in message
    assert target.read_text() == "original\n"
    assert _leftovers(directory) == []


def test_missing_directory_is_named(tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "config.yaml"
    with pytest.raises(WriteError, match=r"the directory .*nowhere does not exist"):
        write_atomically(target, "x\n")


def test_without_fchmod_the_write_still_happens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(os, "fchmod")  # as on Windows
    target = tmp_path / "config.yaml"
    write_atomically(target, "version: '2.0'\n", mode=0o600)
    assert target.read_text() == "version: '2.0'\n"
    assert [p.name for p in tmp_path.iterdir()] == ["config.yaml"]


def test_not_following_a_link_replaces_the_link_and_spares_its_target(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.yaml"
    target.write_text("theirs\n")
    link = tmp_path / "config.yaml"
    link.symlink_to(target)
    write_atomically(link, "mine\n", follow_symlinks=False)
    assert not link.is_symlink() and link.read_text() == "mine\n"
    assert target.read_text() == "theirs\n"
