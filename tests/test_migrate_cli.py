"""`sekha migrate` through the installed entry point and in-process: what it writes, what
it refuses, and that nothing is lost when something fails."""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CliResult
from migrate_support import copy_fixture, tree_bytes

from sekha_migrate.validate.engine import validate_text

Run = Callable[..., CliResult]


def backups(directory: Path) -> list[Path]:
    root = directory / ".sekha-backups"
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


# ---- through the installed entry point ----------------------------------------------------


def test_dry_run_prints_valid_v2_to_stdout_and_writes_nothing(sekha: Run, tmp_path: Path) -> None:
    directory = copy_fixture("examples/v1-basic", tmp_path)
    before = tree_bytes(directory)
    result = sekha("migrate", "--dry-run", "--no-env", cwd=directory)
    assert result.exit_code == 0, result.stderr
    assert validate_text(result.stdout).valid
    assert yaml.safe_load(result.stdout)["version"] == "2.0"
    assert "v1 keys read" in result.stderr and "v1 keys read" not in result.stdout
    assert "sekha-dev-key-change-me-0123456789abcdef" not in result.stderr  # shown masked
    assert "sk-proj-example-not-a-real-key-000000" not in result.stdout + result.stderr
    assert tree_bytes(directory) == before
    assert not (directory / ".sekha-backups").exists()


def test_migrate_writes_backs_up_and_rollback_restores_every_byte(
    sekha_e2e: Run, tmp_path: Path
) -> None:
    directory = copy_fixture("examples/v1-basic", tmp_path)
    before = tree_bytes(directory)
    result = sekha_e2e("migrate", "--no-env", cwd=directory)  # stdin is not a TTY: no prompt
    assert result.exit_code == 0, result.stderr
    written = directory / "config.yaml"
    assert validate_text(written.read_text()).valid
    assert stat.S_IMODE(written.stat().st_mode) == 0o600  # it holds mcp_api_key
    [backup] = backups(directory)
    manifest = json.loads((backup / "manifest.json").read_text())
    assert sorted(Path(f["original"]).name for f in manifest["files"]) == [".env", "config.toml"]
    assert "sk-proj-example-not-a-real-key-000000" not in (backup / "report.json").read_text()

    again = sekha_e2e("migrate", "--no-env", cwd=directory)
    assert again.exit_code == 0 and "nothing written" in again.stdout
    assert len(backups(directory)) == 1

    undone = sekha_e2e("rollback", "--yes", cwd=directory)
    assert undone.exit_code == 0, undone.stderr
    assert tree_bytes(directory) == before


def test_existing_output_is_backed_up_and_replaced(sekha: Run, tmp_path: Path) -> None:
    directory = copy_fixture("dialect-docs", tmp_path)
    original = (directory / "config.yaml").read_bytes()
    result = sekha("migrate", "--yes", cwd=directory)
    assert result.exit_code == 0, result.stderr
    data = yaml.safe_load((directory / "config.yaml").read_text())
    assert data["routing"]["auto_fallback"] is True
    [backup] = backups(directory)
    assert original in [p.read_bytes() for p in (backup / "files").iterdir()]


def test_canonical_v2_is_already_done(sekha: Run, tmp_path: Path) -> None:
    directory = copy_fixture("canonical-v2", tmp_path)
    before = tree_bytes(directory)
    result = sekha("migrate", cwd=directory)
    assert result.exit_code == 0
    assert "already canonical v2" in result.stdout
    assert tree_bytes(directory) == before and not backups(directory)


def test_diff_against_the_existing_output(sekha: Run, tmp_path: Path) -> None:
    directory = copy_fixture("dialect-bridge", tmp_path)
    result = sekha("migrate", "--diff", "--dry-run", "--target", "docker", "--output",
                   "config.yaml", cwd=directory)
    assert result.exit_code == 1  # a difference, as `ruff format --diff` reports it
    assert "-providers:" in result.stdout and "+llm_providers:" in result.stdout
    assert "-    provider_type: ollama" in result.stdout


def test_strict_refuses_an_assumed_dimension(sekha: Run, tmp_path: Path) -> None:
    directory = copy_fixture("unknown-embedding", tmp_path)
    before = tree_bytes(directory)
    result = sekha("migrate", "--strict", "--no-env", cwd=directory)
    assert result.exit_code == 1
    assert "ASSUMED" in result.stdout and "--dimension" in result.stdout
    assert tree_bytes(directory) == before
    fixed = sekha("migrate", "--strict", "--dimension", "384", "--no-env", cwd=directory)
    assert fixed.exit_code == 0, fixed.stdout
    data = yaml.safe_load((directory / "config.yaml").read_text())
    assert data["llm_providers"][0]["models"][0]["dimension"] == 384


def test_invalid_result_writes_nothing_and_exits_1(sekha: Run, tmp_path: Path) -> None:
    directory = copy_fixture("invalid-values", tmp_path)
    before = tree_bytes(directory)
    result = sekha("migrate", "--yes", "--no-env", cwd=directory)
    assert result.exit_code == 1
    assert ".env:1:1: error: SEKHA__SERVER_PORT: expected a whole number" in result.stdout
    assert "Nothing was written: fix the errors above" in result.stdout
    assert "Traceback" not in result.stderr
    assert tree_bytes(directory) == before and not backups(directory)


def test_usage_errors_exit_2(sekha: Run, tmp_path: Path) -> None:
    empty = sekha("migrate", cwd=tmp_path)
    assert empty.exit_code == 2 and "no configuration found" in empty.stderr
    missing = sekha("migrate", "nope.toml", cwd=tmp_path)
    assert missing.exit_code == 2 and "nope.toml does not exist" in missing.stderr
    bad_dimension = sekha("migrate", "--dimension", "7", cwd=tmp_path)
    assert bad_dimension.exit_code == 2


def test_report_file_masks_secrets_and_accounts_for_every_key(sekha: Run, tmp_path: Path) -> None:
    directory = copy_fixture("flat-toml", tmp_path)
    report = tmp_path / "report.json"
    result = sekha("migrate", "--dry-run", "--no-env", "--report", str(report), cwd=directory)
    assert result.exit_code == 0, result.stderr
    text = report.read_text()
    assert "mcp-0123456789abcdef0123456789abcdef" not in text
    document = json.loads(text)
    assert document["status"] == "dry-run"
    assert len(document["keys"]) == 17
    assert {k["status"] for k in document["keys"]} == {"mapped"}
    port = next(v for v in document["values"] if v["path"] == "$.server_port")
    assert port["value"] == 8081 and port["from"]["line"] == 3
    assert document["embedding"] == {
        "model": "all-minilm:latest", "dimension": 384, "source": "table", "assumed": False
    }


def test_externalize_secrets_writes_a_0600_env_file(sekha: Run, tmp_path: Path) -> None:
    directory = copy_fixture("flat-toml", tmp_path)
    result = sekha("migrate", "--externalize-secrets", "--yes", "--no-env", cwd=directory)
    assert result.exit_code == 0, result.stderr
    config = (directory / "config.yaml").read_text()
    secrets_file = directory / "sekha-secrets.env"
    assert "mcp-0123456789abcdef" not in config and "${" not in config
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((directory / "config.yaml").stat().st_mode) == 0o600  # extra keys
    lines = secrets_file.read_text().splitlines()
    assert "SEKHA__MCP_API_KEY='mcp-0123456789abcdef0123456789abcdef'" in lines
    assert "mcp-0123456789abcdef0123456789abcdef" not in result.stdout + result.stderr
    check = sekha("validate", "config.yaml", "--env-file", "sekha-secrets.env", cwd=directory)
    assert check.exit_code == 0, check.stdout


def test_process_environment_overrides_unless_no_env(sekha: Run, tmp_path: Path) -> None:
    directory = copy_fixture("cloud-keys", tmp_path)
    env = {"SEKHA__SERVER_PORT": "9100"}
    with_env = sekha("migrate", "--dry-run", cwd=directory, env=env)
    assert yaml.safe_load(with_env.stdout)["server_port"] == 9100
    without = sekha("migrate", "--dry-run", "--no-env", cwd=directory, env=env)
    assert yaml.safe_load(without.stdout)["server_port"] == 8080


def test_explicit_sources_and_output(sekha: Run, tmp_path: Path) -> None:
    directory = copy_fixture("sectioned-toml", tmp_path)
    env = directory / "extra.env"
    env.write_text("SEKHA__SERVER__PORT=9191\n")
    out = tmp_path / "out" / "sekha.yaml"
    out.parent.mkdir()
    result = sekha("migrate", str(directory / "config.toml"), str(env), "-o", str(out),
                   "--yes", "--no-env", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(out.read_text())["server_port"] == 9191


# ---- in-process --------------------------------------------------------------------------


def test_in_process_dry_run(sekha_inprocess: Run, tmp_path: Path) -> None:
    directory = copy_fixture("v1-yaml", tmp_path)
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", "--dir", str(directory))
    assert result.exit_code == 0
    assert yaml.safe_load(result.stdout)["log_level"] == "debug"


def test_prompt_on_a_terminal_can_decline(
    sekha_inprocess: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = copy_fixture("v1-yaml", tmp_path)
    before = tree_bytes(directory)
    monkeypatch.setattr("sekha_migrate.commands.migrate.stdin_is_terminal", lambda: True)
    result = sekha_inprocess("migrate", "--no-env", "--dir", str(directory), input="n\n")
    assert result.exit_code == 1
    assert "Cancelled. Nothing was written" in result.stdout
    assert tree_bytes(directory) == before and not backups(directory)


def test_exception_after_backup_before_write_loses_nothing(
    sekha_inprocess: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = copy_fixture("examples/v1-basic", tmp_path)
    before = tree_bytes(directory)

    def explode(*args: object) -> None:
        raise RuntimeError("injected after the backup")

    monkeypatch.setattr("sekha_migrate.migrate.apply._write_files", explode)
    with pytest.raises(RuntimeError):
        sekha_inprocess("migrate", "--yes", "--no-env", "--dir", str(directory))
    assert tree_bytes(directory) == before
    assert len(backups(directory)) == 1


def test_exception_during_the_write_leaves_no_partial_file(
    sekha_inprocess: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = copy_fixture("examples/v1-basic", tmp_path)
    before = tree_bytes(directory)
    real_replace = os.replace

    def failing_replace(source: str | Path, target: str | Path, *args: Any, **kwargs: Any) -> None:
        if str(target).endswith("config.yaml"):
            raise RuntimeError("injected during the write")
        real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr("sekha_migrate.io.os.replace", failing_replace)
    with pytest.raises(RuntimeError):
        sekha_inprocess("migrate", "--yes", "--no-env", "--dir", str(directory))
    assert tree_bytes(directory) == before  # no config.yaml, no temporary file left


def test_full_disk_gives_a_clear_message(
    sekha_inprocess: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sekha_migrate.io as io_module

    directory = copy_fixture("examples/v1-basic", tmp_path)
    before = tree_bytes(directory)
    real_create = io_module._create_temp_beside
    real_write_all = io_module._write_all
    current: list[Path] = []

    def create(target: Path) -> Any:
        current.append(target)
        return real_create(target)

    def write_all(fd: int, payload: bytes) -> None:
        if current[-1].name == "config.yaml":
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write_all(fd, payload)

    monkeypatch.setattr(io_module, "_create_temp_beside", create)
    monkeypatch.setattr(io_module, "_write_all", write_all)
    result = sekha_inprocess("migrate", "--yes", "--no-env", "--dir", str(directory))
    assert result.exit_code == 1
    assert "no space left on device" in result.stderr
    assert tree_bytes(directory) == before
    assert len(backups(directory)) == 1


def test_read_only_directory_gives_a_clear_message(
    sekha_inprocess: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = copy_fixture("examples/v1-basic", tmp_path)
    before = tree_bytes(directory)
    real_mkdir = os.mkdir

    def read_only_mkdir(path: str | Path, *args: Any, **kwargs: Any) -> None:
        if str(path).startswith(str(directory)):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", read_only_mkdir)
    result = sekha_inprocess("migrate", "--yes", "--no-env", "--dir", str(directory))
    assert result.exit_code == 1
    assert "cannot back up before writing, so nothing was changed" in result.stderr
    assert "read-only" in result.stderr
    assert tree_bytes(directory) == before


# ---- --probe against a real HTTP server on 127.0.0.1 -------------------------------------


@pytest.fixture
def fake_ollama() -> Iterator[str]:
    """An Ollama stand-in whose embeddings have 640 dimensions."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            request = json.loads(self.rfile.read(length))
            if self.path != "/api/embed" or request.get("model") != "acme-embed-mini":
                self.send_response(404)
                self.end_headers()
                return
            body = json.dumps({"embeddings": [[0.1] * 640]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_probe_measures_the_real_dimension(sekha: Run, tmp_path: Path, fake_ollama: str) -> None:
    directory = copy_fixture("unknown-embedding", tmp_path)
    (directory / ".env").write_text(f"OLLAMA_URL={fake_ollama}\n")
    result = sekha("migrate", "--probe", "--strict", "--dry-run", "--no-env", cwd=directory)
    assert result.exit_code == 0, result.stderr
    model = yaml.safe_load(result.stdout)["llm_providers"][0]["models"][0]
    assert model["dimension"] == 640
    assert "dimension 640 (measured)" in result.stderr


def test_probe_failure_writes_nothing_and_exits_1(
    sekha: Run, tmp_path: Path, fake_ollama: str
) -> None:
    directory = copy_fixture("flat-toml", tmp_path)  # all-minilm: the stand-in answers 404
    (directory / ".env").write_text(f"OLLAMA_URL={fake_ollama}\n")
    before = tree_bytes(directory)
    result = sekha("migrate", "--probe", "--yes", "--no-env", cwd=directory)
    assert result.exit_code == 1
    assert "cannot measure the dimension of 'all-minilm:latest'" in result.stderr
    assert tree_bytes(directory) == before


# ---- more shapes and bad input, in-process ------------------------------------------------


def test_v1_yml_is_discovered_and_replaced_by_config_yaml(
    sekha_inprocess: Run, tmp_path: Path
) -> None:
    (tmp_path / "config.yml").write_text("ollama_url: http://gpu:11434\nserver_port: 8085\n")
    result = sekha_inprocess("migrate", "--yes", "--no-env", "--dir", str(tmp_path))
    assert result.exit_code == 0, result.stdout
    data = yaml.safe_load((tmp_path / "config.yaml").read_text())
    assert data["server_port"] == 8085
    assert (tmp_path / "config.yml").exists()  # a source is never deleted


def test_binary_env_file_is_a_located_error(sekha_inprocess: Run, tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"OLLAMA_URL=x\x00\xff\n")
    result = sekha_inprocess("migrate", "--yes", "--no-env", "--dir", str(tmp_path))
    assert result.exit_code == 1
    assert ".env:1:13: error: this is binary data" in result.stdout
    assert "Nothing was written: fix the errors above" in result.stdout
    assert not (tmp_path / "config.yaml").exists()


def test_output_that_is_a_directory_is_refused(sekha_inprocess: Run, tmp_path: Path) -> None:
    directory = copy_fixture("cloud-keys", tmp_path)
    (directory / "config.yaml").mkdir()
    before = tree_bytes(directory)
    result = sekha_inprocess("migrate", "--yes", "--no-env", "--dir", str(directory))
    assert result.exit_code == 2  # a path that is no file: a usage error
    assert "not a regular file" in result.stderr
    assert tree_bytes(directory) == before


def test_diff_then_write(sekha_inprocess: Run, tmp_path: Path) -> None:
    directory = copy_fixture("dialect-docs", tmp_path)
    result = sekha_inprocess("migrate", "--diff", "--yes", "--dir", str(directory))
    assert result.exit_code == 0
    assert "-  enable_fallback: true" in result.stdout
    assert "+  auto_fallback: true" in result.stdout
    assert "auto_fallback" in (directory / "config.yaml").read_text()
