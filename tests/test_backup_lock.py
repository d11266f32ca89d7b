"""One writer at a time: a second sekha process is refused while the first holds the lock,
and goes ahead as soon as the first lets go, whether it finished or died."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sekha_migrate.backup import BackupLockedError, exclusive_writer
from sekha_migrate.backup import lock as backup_lock

# A second process that takes the lock, says so, and lets go only when told; it stays alive
# after letting go, which is when the old Windows fallback kept refusing everyone else.
HOLDER = """
import sys
from pathlib import Path
from sekha_migrate.backup import exclusive_writer

with exclusive_writer(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.readline()
print("released", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "held\n"
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)


def _tell(process: subprocess.Popen[str]) -> str:
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write("\n")
    process.stdin.flush()
    return process.stdout.readline()


def test_a_second_process_is_refused_with_the_holders_pid(
    tmp_path: Path, holder: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 0.3)
    with pytest.raises(BackupLockedError) as refused, exclusive_writer(tmp_path):
        pass
    assert str(refused.value) == (
        f"another sekha migrate or rollback (process {holder.pid}) is writing in {tmp_path}; "
        "nothing was changed: run again when it has finished"
    )


def test_the_lock_is_free_once_the_holder_leaves_the_block_though_it_still_runs(
    tmp_path: Path, holder: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 0)
    assert _tell(holder) == "released\n"
    assert holder.poll() is None
    with exclusive_writer(tmp_path):
        lock_text = (tmp_path / ".sekha-backups" / "lock").read_text()
    assert lock_text == f"\n{os.getpid()}\n"


def test_a_holder_that_is_killed_leaves_no_stale_lock(
    tmp_path: Path, holder: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 0)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    with exclusive_writer(tmp_path):
        pass
    assert (tmp_path / ".sekha-backups" / "lock").read_text() == f"\n{os.getpid()}\n"


def test_a_waiting_writer_goes_ahead_when_the_holder_lets_go_in_time(
    tmp_path: Path, holder: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 30.0)
    assert holder.stdin is not None
    holder.stdin.write("\n")  # lets go while this process is already waiting
    holder.stdin.flush()
    with exclusive_writer(tmp_path):
        assert holder.poll() is None


def test_a_holder_pid_written_by_an_earlier_version_is_still_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Earlier versions wrote the PID from byte 0; a waiter reads it from there first."""
    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 0)
    with exclusive_writer(tmp_path):
        (tmp_path / ".sekha-backups" / "lock").write_text("4242\n")
        refused = r"^another sekha migrate or rollback \(process 4242\) is writing in "
        with pytest.raises(BackupLockedError, match=refused), exclusive_writer(tmp_path):
            pass
