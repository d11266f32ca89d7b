"""Outputs are plain files or standard streams: a stream is written through, never replaced;
a FIFO, device, socket or directory is refused with a message (exit 2), never read or
replaced."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, CliResult, write

Run = Callable[..., CliResult]
VALID = (FIXTURES / "v2" / "valid" / "minimal-ollama-only.yaml").read_text()
needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="making a device node needs root"
)


def _sekha() -> str:
    return str(Path(sys.executable).parent / "sekha")


def test_validate_to_dev_stdout_appends_to_a_redirected_log(tmp_path: Path) -> None:
    config = write(tmp_path / "config.yaml", VALID)
    log = write(tmp_path / "ci.log", "earlier steps\n")
    inode = log.stat().st_ino
    with open(log, "ab") as handle:
        done = subprocess.run(
            [_sekha(), "validate", str(config), "-f", "json", "-O", "/dev/stdout"],
            stdout=handle, stderr=subprocess.PIPE, cwd=tmp_path, timeout=60,
        )
    assert done.returncode == 0, done.stderr
    text = log.read_text()
    assert text.startswith("earlier steps\n")
    assert json.loads(text.removeprefix("earlier steps\n"))["files"][0]["valid"] is True
    assert log.stat().st_ino == inode


def test_validate_to_dev_stdout_through_a_pipe_writes_the_report(tmp_path: Path) -> None:
    config = write(tmp_path / "config.yaml", VALID)
    done = subprocess.run(
        [_sekha(), "validate", str(config), "-f", "json", "-O", "/dev/stdout"],
        capture_output=True, cwd=tmp_path, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["files"][0]["valid"] is True


def test_validate_refuses_a_fifo_output(sekha: Run, tmp_path: Path) -> None:
    config = write(tmp_path / "config.yaml", VALID)
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    result = sekha("validate", str(config), "-O", str(fifo), cwd=tmp_path, timeout=20)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"sekha validate: cannot write {fifo}: it is a FIFO (named pipe), not a regular "
        "file; choose a file path"
    )
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@needs_root
def test_validate_as_root_never_replaces_a_device_node(sekha: Run, tmp_path: Path) -> None:
    config = write(tmp_path / "config.yaml", VALID)
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    result = sekha("validate", str(config), "-O", str(null), cwd=tmp_path)
    assert result.exit_code == 2
    assert "it is a device, not a regular file" in result.stderr
    assert stat.S_ISCHR(null.stat().st_mode)


def test_init_refuses_a_fifo_and_writes_dev_stdout_through(sekha: Run, tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    refused = sekha("init", "--template", "minimal", "-o", str(fifo), cwd=tmp_path)
    assert refused.exit_code == 2
    assert "is a FIFO (named pipe), not a regular file" in refused.stderr
    printed = sekha("init", "--template", "minimal", "-o", "/dev/stdout", cwd=tmp_path)
    assert printed.exit_code == 0, printed.stderr
    assert "llm_providers" in printed.stdout


@pytest.fixture
def v1_project(tmp_path: Path) -> Path:
    directory = tmp_path / "project"
    write(directory / "config.toml", "server_port = 8080\n")
    return directory


def test_migrate_refuses_a_fifo_report_without_hanging(sekha: Run, v1_project: Path) -> None:
    fifo = v1_project / "report.fifo"
    os.mkfifo(fifo)
    result = sekha("migrate", "--yes", "--report", str(fifo), cwd=v1_project, timeout=20)
    assert result.exit_code == 2
    assert f"--report {fifo} is a FIFO (named pipe), not a regular file" in result.stderr
    assert not (v1_project / "config.yaml").exists()


def test_migrate_report_to_dev_stdout_is_written_through(v1_project: Path) -> None:
    done = subprocess.run(
        [_sekha(), "migrate", "--yes", "--report", "/dev/stdout"],
        capture_output=True, cwd=v1_project, timeout=60, env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tool"] == "sekha migrate"


def test_migrate_refuses_a_stream_or_directory_output(sekha: Run, v1_project: Path) -> None:
    streamed = sekha("migrate", "--yes", "-o", "/dev/stdout", cwd=v1_project)
    assert streamed.exit_code == 2
    assert "not a stream (--dry-run prints the YAML)" in streamed.stderr
    empty = sekha("migrate", "--yes", "-o", "", cwd=v1_project)
    assert empty.exit_code == 2
    assert "--output . is a directory, not a regular file" in empty.stderr


@needs_root
def test_migrate_as_root_refuses_a_zero_device_output(sekha: Run, v1_project: Path) -> None:
    zero = v1_project / "zero"
    os.mknod(zero, 0o666 | stat.S_IFCHR, os.makedev(1, 5))
    result = sekha("migrate", "--yes", "-o", str(zero), cwd=v1_project, timeout=20)
    assert result.exit_code == 2
    assert "is a device, not a regular file" in result.stderr
    assert stat.S_ISCHR(zero.stat().st_mode)


def test_report_force_backs_up_the_users_file_and_rollback_restores_it(
    sekha: Run, v1_project: Path
) -> None:
    notes = write(v1_project / "notes.json", "my own notes\n")
    result = sekha("migrate", "--yes", "--force", "--report", str(notes), cwd=v1_project)
    assert result.exit_code == 0, result.stderr
    assert json.loads(notes.read_text())["tool"] == "sekha migrate"

    undone = sekha("rollback", "--yes", cwd=v1_project)

    assert undone.exit_code == 0, undone.stderr
    assert notes.read_text() == "my own notes\n"
    assert not (v1_project / "config.yaml").exists()


def test_report_force_on_a_dry_run_backs_up_the_users_file(sekha: Run, v1_project: Path) -> None:
    notes = write(v1_project / "notes.json", "my own notes\n")
    result = sekha("migrate", "--dry-run", "--force", "--report", str(notes), cwd=v1_project)
    assert result.exit_code == 0, result.stderr

    undone = sekha("rollback", "--yes", cwd=v1_project)

    assert undone.exit_code == 0, undone.stderr
    assert notes.read_text() == "my own notes\n"


def test_a_report_in_a_missing_directory_is_refused_before_writing(
    sekha: Run, v1_project: Path
) -> None:
    result = sekha("migrate", "--yes", "--report", str(v1_project / "no" / "r.json"),
                   cwd=v1_project)
    assert result.exit_code == 2
    assert f"the directory {v1_project / 'no'} does not exist" in result.stderr
    assert not (v1_project / "config.yaml").exists()


def test_an_output_inside_the_backups_is_refused_by_name(sekha: Run, v1_project: Path) -> None:
    assert sekha("migrate", "--yes", cwd=v1_project).exit_code == 0
    result = sekha("migrate", "--yes", "--force", "-o", ".sekha-backups/x.yaml", cwd=v1_project)
    assert result.exit_code == 2
    assert "is inside .sekha-backups/, which holds the backups" in result.stderr
    assert not (v1_project / ".sekha-backups" / "x.yaml").exists()


def test_tls_to_a_server_that_closes_the_connection_hints_at_http() -> None:
    import socket
    import threading

    from probe_support import config, model, provider

    from sekha_migrate.probe import probe_config

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)

    def close_every_connection() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.recv(1024)
            connection.close()

    threading.Thread(target=close_every_connection, daemon=True).start()
    try:
        url = f"https://127.0.0.1:{listener.getsockname()[1]}"
        doc = config(provider("local", "ollama", url, [model("llama3.1:8b")], timeout=5))
        probe = probe_config(doc, env={}).providers[0]
    finally:
        listener.close()
    assert probe.error is not None and "use http://" in probe.error
