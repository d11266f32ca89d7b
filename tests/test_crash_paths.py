"""Inputs that used to crash with a traceback give a finding or a clear message and the
documented exit code; JSON outputs never hold NaN or Infinity."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import CliResult, write

Run = Callable[..., CliResult]
VALID_HEAD = 'version: "2.0"\nllm_providers: []\ndefault_models: {}\n'


@pytest.fixture
def open_directory() -> Iterator[Path]:
    """A project directory anyone may use (pytest's own temporary root is private)."""
    directory = Path(tempfile.mkdtemp(prefix="sekha-open-"))
    directory.chmod(0o777)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to an unprivileged user needs root")
def test_migrate_with_a_home_it_cannot_read(
    sekha_inprocess: Run, open_directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(open_directory / "config.toml", "server_port = 8080\n")
    (open_directory / "config.toml").chmod(0o644)
    private_home = Path(tempfile.mkdtemp(prefix="sekha-private-home-"))
    private_home.chmod(0o700)  # root's, as /root is under `sudo -u app` keeping HOME
    monkeypatch.setenv("HOME", str(private_home))
    # Every module and codec is imported first: the interpreter's files are root's.
    "".encode("utf-8-sig").decode("utf-8-sig")
    assert sekha_inprocess("migrate", "--dry-run", cwd=open_directory).exit_code == 0
    os.seteuid(65534)
    try:
        plain = sekha_inprocess("migrate", "--dry-run", cwd=open_directory)
        asked = sekha_inprocess("migrate", "--dry-run", "--include-home", cwd=open_directory)
    finally:
        os.seteuid(0)
        shutil.rmtree(private_home, ignore_errors=True)
    assert plain.exit_code == 0, plain.stderr
    assert asked.exit_code == 2
    assert "--include-home: cannot read" in asked.stderr


def test_a_binary_value_in_a_v1_yaml_is_a_finding(sekha: Run, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", "server_port: 8080\nmcp_api_key: !!binary aGVsbG8=\n")
    result = sekha("migrate", "--dry-run", cwd=tmp_path)
    assert result.exit_code == 1
    assert "a !!binary value: Sekha settings are text, numbers and booleans" in result.stderr


@pytest.mark.parametrize("output_format", ["text", "json", "github", "sarif", "junit", "gitlab"])
def test_a_hex_integer_of_thousands_of_digits_is_a_finding(
    sekha: Run, tmp_path: Path, output_format: str
) -> None:
    write(tmp_path / "config.yaml", VALID_HEAD + "server:\n  port: 0x" + "f" * 3700 + "\n")
    result = sekha("validate", "-f", output_format, "config.yaml", cwd=tmp_path)
    assert result.exit_code == 1, result.stderr
    assert "no Sekha setting holds a number that large" in result.stdout


def test_a_hex_integer_in_a_v1_toml_is_a_finding(sekha: Run, tmp_path: Path) -> None:
    write(tmp_path / "config.toml", "server_port = 0x" + "f" * 4000 + "\n")
    result = sekha("migrate", "--dry-run", cwd=tmp_path)
    assert result.exit_code == 1
    assert "a number too large for any setting" in result.stderr


def test_probe_json_prints_its_document_for_a_giant_integer(sekha: Run, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", VALID_HEAD + "server:\n  port: 0x" + "f" * 3700 + "\n")
    result = sekha("probe", "--format", "json", "config.yaml", cwd=tmp_path)
    assert result.exit_code in (1, 2)
    json.loads(result.stdout)


def test_a_file_name_that_is_not_utf8_migrates(sekha_e2e: Run, tmp_path: Path) -> None:
    name = os.fsdecode(b"conf\xff.toml")
    write(tmp_path / name, "server_port = 8080\n")
    dry = sekha_e2e("migrate", "--dry-run", name, cwd=tmp_path)
    assert dry.exit_code == 0, dry.stderr
    done = sekha_e2e("migrate", "--yes", name, "--report", "r.json", cwd=tmp_path)
    assert done.exit_code == 0, done.stderr
    assert sekha_e2e("rollback", "--yes", cwd=tmp_path).exit_code == 0
    assert (tmp_path / name).read_text() == "server_port = 8080\n"


def test_a_report_never_holds_nan_or_infinity(sekha: Run, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", "server_port: .nan\nmax_tokens: .inf\nollama_url: http://o:1\n")
    sekha("migrate", "--dry-run", "--report", "r.json", cwd=tmp_path)
    text = (tmp_path / "r.json").read_text()
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in the report"))


def test_rollback_format_json_prints_a_document_for_a_damaged_manifest(
    sekha: Run, tmp_path: Path
) -> None:
    write(tmp_path / "config.toml", "server_port = 8080\n")
    assert sekha("migrate", "--yes", cwd=tmp_path).exit_code == 0
    manifest = next((tmp_path / ".sekha-backups").glob("2*/manifest.json"))
    manifest.write_text("{ not json")

    result = sekha("rollback", "--yes", "--format", "json", cwd=tmp_path)

    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["ok"] is False and "is damaged" in document["error"]
    assert document["findings"][0]["code"] == "backup-refused"


def test_rollback_format_json_prints_a_document_when_there_is_no_backup(
    sekha: Run, tmp_path: Path
) -> None:
    result = sekha("rollback", "--yes", "--format", "json", cwd=tmp_path)
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"].startswith("no backups found")


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to an unprivileged user needs root")
def test_rollback_list_as_a_user_on_a_set_made_with_sudo(
    sekha_inprocess: Run, open_directory: Path
) -> None:
    write(open_directory / "config.toml", "server_port = 8080\n")
    assert sekha_inprocess("migrate", "--yes", cwd=open_directory).exit_code == 0
    (open_directory / ".sekha-backups").chmod(0o755)  # readable, its sets (0700) are not
    os.seteuid(65534)
    try:
        result = sekha_inprocess("rollback", "--list", cwd=open_directory)
    finally:
        os.seteuid(0)
    assert result.exit_code == 0, result.stderr
    assert "permission denied: was it made by another user" in result.stdout + result.stderr


def test_a_key_holding_a_line_break_never_becomes_a_ci_command_or_escape(
    sekha: Run, tmp_path: Path
) -> None:
    write(tmp_path / "config.yaml", VALID_HEAD
          + '"x\\n::error file=README.md,line=1::pwned\\u001b[2J\\u0007": 1\n')
    result = sekha("validate", "config.yaml", cwd=tmp_path)
    assert result.exit_code in (0, 1)
    text = result.stdout + result.stderr
    assert not any(line.lstrip().startswith("::") for line in text.splitlines())
    assert "\x1b" not in text and "\x07" not in text
    assert "\\n::error file=README.md" in text


@pytest.mark.parametrize("output_format", ["json", "sarif", "gitlab"])
def test_validate_json_formats_print_their_document_on_a_usage_error(
    sekha: Run, tmp_path: Path, output_format: str
) -> None:
    write(tmp_path / "config.yaml", VALID_HEAD)
    result = sekha("validate", "-f", output_format, "--env-file", "missing.env", "config.yaml",
                   cwd=tmp_path)
    assert result.exit_code == 2
    assert "usage-error" in json.dumps(json.loads(result.stdout))


def test_migrate_under_ulimit_f_says_why_instead_of_dying(tmp_path: Path) -> None:
    import resource
    import subprocess
    import sys

    write(tmp_path / "config.toml", "server_port = 8080\n")
    lock = write(tmp_path / ".sekha-backups" / "lock", "")  # as a first run leaves them
    write(tmp_path / ".sekha-backups" / ".gitignore", "*\n")
    lock.chmod(0o600)

    def no_file_growth() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    done = subprocess.run(
        [str(Path(sys.executable).parent / "sekha"), "migrate", "--yes"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, preexec_fn=no_file_growth,
        # Without coverage's subprocess hook: under the same limit its own data file cannot be
        # written, and its traceback at exit is not ours.
        env={**{k: v for k, v in os.environ.items() if not k.startswith("COVERAGE")},
             "NO_COLOR": "1"},
    )
    assert done.returncode == 1, done.stderr
    assert "ulimit -f" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "config.yaml").exists()
