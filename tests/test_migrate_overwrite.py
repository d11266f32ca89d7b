"""`sekha migrate` never replaces what the user owns, never strands a key in the backup, and
writes as the only writer in its directory."""

from __future__ import annotations

import json
import os
import signal
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import CliResult, write
from migrate_support import copy_fixture, tree_bytes

from sekha_migrate.backup import exclusive_writer, list_backups
from sekha_migrate.backup import lock as backup_lock

Run = Callable[..., CliResult]

OPENAI_KEY = "sk-live-abcdefghijklmnopqrstuvwxyz0123"
HAND_WRITTEN_V2 = (
    'version: "2.0"\n# tuned by hand\nllm_providers:\n  - id: mine\n    type: ollama\n'
    "    base_url: http://gpu-box:11434\n    priority: 1\n    timeout: 30\n    models: []\n"
)


@pytest.fixture
def basic(tmp_path: Path) -> Path:
    return copy_fixture("examples/v1-basic", tmp_path)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _refused(result: CliResult, expected: str) -> None:
    assert result.exit_code == 2, result.stdout + result.stderr
    assert expected in result.stderr
    assert "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr


# --- flags naming a file that is not theirs -------------------------------------------------


def test_secrets_file_never_replaces_the_source_env(sekha_inprocess: Run, basic: Path) -> None:
    before = tree_bytes(basic)
    for force in ((), ("--force",)):
        result = sekha_inprocess("migrate", "--yes", "--no-env", "--externalize-secrets",
                                 "--secrets-file", ".env", *force, cwd=basic)
        _refused(result, "--secrets-file names .env, a source of this migration")
    assert tree_bytes(basic) == before
    assert not (basic / ".sekha-backups").exists()


def test_dry_run_report_cannot_overwrite_a_source(sekha_inprocess: Run, basic: Path) -> None:
    before = tree_bytes(basic)
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", "--report", ".env", cwd=basic)
    _refused(result, "--report names .env, a source of this migration")
    assert tree_bytes(basic) == before


def test_report_cannot_land_on_the_output(sekha_inprocess: Run, basic: Path) -> None:
    result = sekha_inprocess("migrate", "--yes", "--no-env", "--report", "config.yaml",
                             cwd=basic)
    _refused(result, "--report names config.yaml, which --output writes")
    assert not (basic / "config.yaml").exists()


def test_report_over_a_file_sekha_did_not_write_needs_force(
    sekha_inprocess: Run, basic: Path
) -> None:
    notes = write(basic / "notes.json", '{"mine": true}\n')
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", "--report", "notes.json",
                             cwd=basic)
    _refused(result, "notes.json exists and is not a sekha migrate report")
    assert notes.read_text() == '{"mine": true}\n'

    forced = sekha_inprocess("migrate", "--dry-run", "--no-env", "--report", "notes.json",
                             "--force", cwd=basic)
    assert forced.exit_code == 0, forced.stderr
    assert json.loads(notes.read_text())["tool"] == "sekha migrate"
    # Its own report it replaces freely, and keeps private: it holds secret-derived values.
    again = sekha_inprocess("migrate", "--dry-run", "--no-env", "--report", "notes.json",
                            cwd=basic)
    assert again.exit_code == 0, again.stderr
    assert _mode(notes) == 0o600


def test_dry_run_writes_only_the_report(sekha_inprocess: Run, basic: Path) -> None:
    before = tree_bytes(basic)
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", "--externalize-secrets",
                             "--report", "r.json", cwd=basic)
    assert result.exit_code == 0, result.stderr
    after = tree_bytes(basic)
    assert set(after) - set(before) == {"r.json"}
    assert not (basic / ".sekha-backups").exists()


# --- a config.yaml the user owns ----------------------------------------------------------


def test_hand_written_v2_config_beside_v1_sources_is_not_replaced(
    sekha_inprocess: Run, basic: Path
) -> None:
    write(basic / "config.yaml", HAND_WRITTEN_V2)
    result = sekha_inprocess("migrate", "--yes", "--no-env", cwd=basic)
    _refused(result, "config.yaml exists and was not written by sekha migrate")
    assert (basic / "config.yaml").read_text() == HAND_WRITTEN_V2

    forced = sekha_inprocess("migrate", "--yes", "--no-env", "--force", cwd=basic)
    assert forced.exit_code == 0, forced.stderr
    (made,) = list_backups(basic)
    saved = next(e for e in made.entries if e.original.name == "config.yaml")
    assert (made.directory / saved.stored).read_text() == HAND_WRITTEN_V2


def test_config_written_by_sekha_and_edited_since_is_not_replaced(
    sekha_inprocess: Run, basic: Path
) -> None:
    assert sekha_inprocess("migrate", "--yes", "--no-env", cwd=basic).exit_code == 0
    edited = (basic / "config.yaml").read_text() + "# my note\n"
    (basic / "config.yaml").write_text(edited)
    (basic / "config.toml").write_text(
        (basic / "config.toml").read_text().replace("8080", "8090"))

    result = sekha_inprocess("migrate", "--yes", "--no-env", cwd=basic)

    _refused(result, "was not written by sekha migrate (or was edited since)")
    assert (basic / "config.yaml").read_text() == edited


def test_config_sekha_wrote_is_replaced_when_the_sources_change(
    sekha_inprocess: Run, basic: Path
) -> None:
    assert sekha_inprocess("migrate", "--yes", "--no-env", cwd=basic).exit_code == 0
    (basic / "config.toml").write_text(
        (basic / "config.toml").read_text().replace("8080", "8090"))
    result = sekha_inprocess("migrate", "--yes", "--no-env", cwd=basic)
    assert result.exit_code == 0, result.stderr
    assert "server_port: 8090" in (basic / "config.yaml").read_text()


def test_rerun_without_externalize_secrets_keeps_the_externalised_config(
    sekha_inprocess: Run, basic: Path
) -> None:
    first = sekha_inprocess("migrate", "--yes", "--no-env", "--externalize-secrets", cwd=basic)
    assert first.exit_code == 0, first.stderr
    externalised = (basic / "config.yaml").read_text()
    assert "# mcp_api_key: set by SEKHA__MCP_API_KEY in sekha-secrets.env" in externalised

    # sekha-secrets.env (sekha's) beside it says how it was written: the re-run does the same
    again = sekha_inprocess("migrate", "--yes", "--no-env", cwd=basic)
    assert again.exit_code == 0, again.stderr
    assert (basic / "config.yaml").read_text() == externalised

    # without that evidence, the guard still refuses to drop the reference
    (basic / "sekha-secrets.env").unlink()
    result = sekha_inprocess("migrate", "--yes", "--no-env", cwd=basic)
    _refused(result, "refers to SEKHA__MCP_API_KEY, which the new text would drop")
    assert (basic / "config.yaml").read_text() == externalised
    same = sekha_inprocess("migrate", "--yes", "--no-env", "--externalize-secrets", cwd=basic)
    assert same.exit_code == 0, same.stderr


def test_output_that_links_out_of_its_directory_is_not_written_through(
    sekha_inprocess: Run, tmp_path: Path
) -> None:
    shared = write(tmp_path / "shared" / "config.yaml", "server_port: 8085\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "config.yaml").symlink_to(shared)
    for force in ((), ("--force",)):
        result = sekha_inprocess("migrate", "--yes", "--no-env", *force, cwd=project)
        _refused(result, "which the backup there cannot restore")
    assert shared.read_text() == "server_port: 8085\n"


# --- a key is never left only in the backup -------------------------------------------------


def test_literal_key_of_a_v1_yaml_stays_literal_in_a_private_file(
    sekha_inprocess: Run, tmp_path: Path
) -> None:
    write(tmp_path / "config.yaml",
          f"ollama_url: http://localhost:11434\nopenai_api_key: {OPENAI_KEY}\n")

    result = sekha_inprocess("migrate", "--yes", "--no-env", cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    document = yaml.safe_load((tmp_path / "config.yaml").read_text())
    assert document["llm_providers"][1]["api_key"] == OPENAI_KEY
    assert _mode(tmp_path / "config.yaml") == 0o600
    assert not (tmp_path / "sekha-secrets.env").exists()
    assert OPENAI_KEY not in result.stdout + result.stderr
    assert sekha_inprocess("rollback", "--yes", cwd=tmp_path).exit_code == 0
    assert (tmp_path / "config.yaml").read_text() == (
        f"ollama_url: http://localhost:11434\nopenai_api_key: {OPENAI_KEY}\n")


def test_externalized_key_of_a_v1_yaml_goes_to_the_secrets_file_and_back(
    sekha_inprocess: Run, tmp_path: Path
) -> None:
    write(tmp_path / "config.yaml",
          f"ollama_url: http://localhost:11434\nopenai_api_key: {OPENAI_KEY}\n")

    result = sekha_inprocess("migrate", "--yes", "--no-env", "--externalize-secrets",
                             cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    document = yaml.safe_load((tmp_path / "config.yaml").read_text())
    assert document["llm_providers"][1]["api_key"] == "${OPENAI_API_KEY}"
    secrets_file = tmp_path / "sekha-secrets.env"
    assert f"OPENAI_API_KEY='{OPENAI_KEY}'" in secrets_file.read_text().splitlines()
    assert _mode(secrets_file) == 0o600
    assert OPENAI_KEY not in result.stdout + result.stderr
    # The rollback takes the secrets file away again, with the v2 file.
    assert sekha_inprocess("rollback", "--yes", cwd=tmp_path).exit_code == 0
    assert not secrets_file.exists()
    assert OPENAI_KEY in (tmp_path / "config.yaml").read_text()


# --- one writer at a time -------------------------------------------------------------------


def test_second_writer_is_refused_while_the_first_holds_the_lock(
    sekha_inprocess: Run, basic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_lock, "LOCK_WAIT_SECONDS", 0)
    assert sekha_inprocess("migrate", "--yes", "--no-env", cwd=basic).exit_code == 0
    (basic / "config.toml").write_text("server_port = 8090\n")
    before, sets = tree_bytes(basic), list_backups(basic)
    with exclusive_writer(basic):
        migrated = sekha_inprocess("migrate", "--yes", "--no-env", cwd=basic)
        rolled = sekha_inprocess("rollback", "--yes", cwd=basic)
    for result in (migrated, rolled):
        assert result.exit_code == 1, result.stderr
        assert "another sekha migrate or rollback" in result.stderr
        assert f"(process {os.getpid()})" in result.stderr
    assert tree_bytes(basic) == before
    assert list_backups(basic) == sets
    # Released on leaving: the next run goes ahead.
    assert sekha_inprocess("rollback", "--yes", cwd=basic).exit_code == 0


def test_output_written_by_another_run_after_planning_is_not_backed_up_as_original(
    sekha_inprocess: Run, basic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sekha_migrate.commands import migrate as command

    def another_run_writes_first() -> bool:
        write(basic / "config.yaml", "# the other run's output\n")
        return False

    monkeypatch.setattr(command, "stdin_is_terminal", another_run_writes_first)
    result = sekha_inprocess("migrate", "--no-env", cwd=basic)
    assert result.exit_code == 1
    assert "changed while this run was planning" in result.stderr
    assert (basic / "config.yaml").read_text() == "# the other run's output\n"
    assert list_backups(basic) == []


def test_leftovers_of_a_killed_run_are_removed_by_the_next(
    sekha_inprocess: Run, basic: Path
) -> None:
    temp = write(basic / ".config.yaml.0a1b2c3d.tmp", "half written")
    keep = write(basic / "notes.tmp", "the user's own file")
    half_set = basic / ".sekha-backups" / "20200101T000000.000000Z"
    write(half_set / "files" / ".env", "copy in progress")

    result = sekha_inprocess("migrate", "--yes", "--no-env", cwd=basic)

    assert result.exit_code == 0, result.stderr
    assert not temp.exists() and not half_set.exists()
    assert keep.exists()


def test_sigterm_while_writing_cleans_up_like_ctrl_c(basic: Path) -> None:
    with pytest.raises(KeyboardInterrupt), exclusive_writer(basic):
        os.kill(os.getpid(), signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    with exclusive_writer(basic):  # and the lock was released
        pass
