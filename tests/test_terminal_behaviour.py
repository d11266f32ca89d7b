"""The terminal as the tools people know treat it (issue 17, item 8): tables wrap between
words and never inside a URL or a path (a list of records when too narrow), --color is only
about colour, Ctrl-C exits 130 without a traceback in every command, and the colour tests
pass whatever the developer's shell sets."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, CliResult, write
from migrate_support import copy_fixture
from probe_support import config, model, provider, write_config
from provider_servers import OLLAMA, OPENAI, ServerPool, wait_until
from rich.console import Console
from terminal_support import default_sigint, on_terminal

from sekha_migrate.report.console import emit_table

Sekha = Callable[..., CliResult]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
BOX = re.compile("[\u2500-\u257f]")
ROWS = [
    [("config.toml:5", ""), ("ollama_url", ""), ("http://localhost:11434", ""),
     ("mapped", "green"), ("llm_providers[0].base_url (+1)", "")],
    [("config.toml:7", ""), ("embedding_model", ""), ("mxbai-embed-large", ""),
     ("mapped", "green"), ("llm_providers[0].models[0].model_id (+1)", "")],
    [("config.toml:13", ""), ("llm_bridge.timeout_secs", ""), ("120", ""),
     ("unmappable", "magenta"), ("the controller's wait for the bridge: not a provider "
                                 "timeout, and the docker schema has no key for it", "")],
]
HEADERS = ("source", "key", "value", "status", "v2")


def _terminal_table(width: int) -> str:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system=None, width=width)
    emit_table(console, "v1 keys read", HEADERS, ROWS)
    return out.getvalue()


# ---- tables -----------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [40, 80, 100, 124, 160, 240])
def test_a_table_never_cuts_a_url_or_a_path(width: int) -> None:
    shown = _terminal_table(width)
    words = shown.split()
    for token in ("http://localhost:11434", "llm_providers[0].models[0].model_id",
                  "llm_bridge.timeout_secs", "config.toml:13"):
        assert token in words, shown


def test_a_table_too_narrow_for_its_words_becomes_a_list_of_records() -> None:
    assert _terminal_table(100).splitlines()[:7] == [
        "v1 keys read",
        "• config.toml:5",
        "  key: ollama_url",
        "  value: http://localhost:11434",
        "  status: mapped",
        "  v2: llm_providers[0].base_url (+1)",
        "• config.toml:7",
    ]
    wide = _terminal_table(160)
    assert BOX.search(wide)
    assert "• " not in wide


def test_migrate_on_a_100_column_terminal_keeps_every_url_whole(tmp_path: Path) -> None:
    directory = copy_fixture("examples/v1-basic", tmp_path)
    terminal = on_terminal("migrate", "--dry-run", cwd=directory, env={"COLUMNS": "100"})
    code, shown = terminal.finish()
    assert code == 0, shown
    words = ANSI.sub("", shown).split()
    assert "http://localhost:11434" in words
    assert "llm_providers[0].models[1].model_id" in words


def test_probe_on_a_narrow_terminal_keeps_the_url_whole(tmp_path: Path) -> None:
    with ServerPool() as servers:
        ollama = servers.start(OLLAMA, ["llama3.1:8b"])
        write_config(tmp_path / "config.yaml", config(
            provider("local", "ollama", ollama.url, [model("llama3.1:8b")]),
            default_models={"chat_fast": "llama3.1:8b"}))
        terminal = on_terminal("probe", cwd=tmp_path, env={"COLUMNS": "60"})
        _code, shown = terminal.finish()
    assert ollama.url in ANSI.sub("", shown).split()


# ---- --color is only about colour ---------------------------------------------------------------


def _both(sekha: Sekha, cwd: Path, *args: str) -> tuple[CliResult, CliResult]:
    always = sekha(*args, "--color", "always", cwd=cwd)
    never = sekha(*args, "--color", "never", cwd=cwd)
    return always, never


def test_color_always_changes_nothing_but_colour_off_a_terminal(
    sekha: Sekha, tmp_path: Path
) -> None:
    directory = copy_fixture("examples/v1-basic", tmp_path)
    write(tmp_path / "broken.yaml", (ROOT / "fixtures/v2/invalid/duplicate-key.yaml").read_text())
    runs = {
        "validate": _both(sekha, tmp_path, "validate", "broken.yaml"),
        "migrate": _both(sekha, directory, "migrate", "--dry-run"),
    }
    assert sekha("migrate", "--yes", cwd=directory).exit_code == 0
    runs["rollback"] = _both(sekha, directory, "rollback", "--list")
    for command, (always, never) in runs.items():
        assert ANSI.search(always.stdout + always.stderr), command
        assert ANSI.sub("", always.stdout) == never.stdout, command
        assert ANSI.sub("", always.stderr) == never.stderr, command
        assert not BOX.search(always.stdout + always.stderr), command


def test_color_always_on_probe_draws_no_box_and_no_progress_in_a_log(
    sekha: Sekha, tmp_path: Path
) -> None:
    with ServerPool() as servers:
        ollama = servers.start(OLLAMA, ["llama3.1:8b"])
        write_config(tmp_path / "config.yaml", config(
            provider("local", "ollama", ollama.url, [model("llama3.1:8b")]),
            default_models={"chat_fast": "llama3.1:8b"}))
        always, never = _both(sekha, tmp_path, "probe")
    assert ANSI.search(always.stdout)
    # The two runs differ only in the latency each measured (and the column width it takes).
    def measured(text: str) -> str:
        return re.sub(r" +", " ", re.sub(r"\d+ ms", "N ms", text))

    assert measured(ANSI.sub("", always.stdout)) == measured(never.stdout)
    assert "\r" not in always.stderr


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TERM": "dumb"},
                                 {"NO_COLOR": "1", "TERM": "dumb"}])
def test_color_always_wins_over_no_color_and_a_dumb_terminal(
    sekha: Sekha, tmp_path: Path, env: dict[str, str]
) -> None:
    write(tmp_path / "config.yaml", (ROOT / "fixtures/v2/invalid/duplicate-key.yaml").read_text())
    result = sekha("validate", "--color", "always", cwd=tmp_path, env=env)
    assert result.stdout.splitlines()[1].startswith(
        "  config.yaml:9:5: \x1b[1;31merror\x1b[0m: duplicate key")


def test_color_never_on_a_terminal_keeps_the_terminals_tables(tmp_path: Path) -> None:
    directory = copy_fixture("examples/v1-basic", tmp_path)
    terminal = on_terminal("migrate", "--dry-run", "--color", "never", cwd=directory,
                           env={"COLUMNS": "200", "NO_COLOR": ""})
    code, shown = terminal.finish()
    assert code == 0, shown
    assert BOX.search(shown)
    assert not ANSI.search(shown)


# ---- Ctrl-C -------------------------------------------------------------------------------------


def _assert_interrupted(code: int, shown: str) -> None:
    assert code == 130, shown
    assert "Traceback" not in shown
    assert "Aborted!" not in shown
    assert shown.rstrip().splitlines()[-1] == "sekha: interrupted"


def test_ctrl_c_at_migrates_question_exits_130_and_writes_nothing(tmp_path: Path) -> None:
    directory = copy_fixture("examples/v1-basic", tmp_path)
    terminal = on_terminal("migrate", cwd=directory)
    terminal.wait_for(b"Write ")
    terminal.wait_for(b"? [Y/n]: ")
    terminal.interrupt()
    _assert_interrupted(*terminal.finish())
    assert sorted(p.name for p in directory.iterdir()) == [".env", "config.toml"]


def test_ctrl_c_at_inits_question_exits_130(tmp_path: Path) -> None:
    terminal = on_terminal("init", cwd=tmp_path)
    terminal.wait_for(b"[ollama]: ")
    terminal.interrupt()
    _assert_interrupted(*terminal.finish())
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_at_rollbacks_question_exits_130_and_restores_nothing(
    sekha: Sekha, tmp_path: Path
) -> None:
    directory = copy_fixture("examples/v1-basic", tmp_path)
    assert sekha("migrate", "--yes", cwd=directory).exit_code == 0
    written = (directory / "config.yaml").read_bytes()
    terminal = on_terminal("rollback", cwd=directory)
    terminal.wait_for(b"Restore these files? [y/N]: ")
    terminal.interrupt()
    _assert_interrupted(*terminal.finish())
    assert (directory / "config.yaml").read_bytes() == written


def test_the_end_of_the_input_at_a_question_is_no_answer(tmp_path: Path) -> None:
    directory = copy_fixture("examples/v1-basic", tmp_path)
    terminal = on_terminal("migrate", cwd=directory)
    terminal.wait_for(b"? [Y/n]: ")
    terminal.type(b"\x04")  # Ctrl-D
    code, shown = terminal.finish()
    assert code == 1, shown
    assert shown.rstrip().splitlines()[-1] == (
        "sekha: no answer (the input ended); stopped before doing it")
    assert sorted(p.name for p in directory.iterdir()) == [".env", "config.toml"]


def _interrupted_in_a_pipe(args: list[str], cwd: Path, ready: Callable[[], bool]) -> None:
    process = subprocess.Popen([sys.executable, "-m", "sekha_migrate", *args], cwd=cwd,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, preexec_fn=default_sigint)
    try:
        assert wait_until(ready, timeout=20)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    _assert_interrupted(process.returncode, (out + err).decode("utf-8", "replace"))


def test_ctrl_c_while_probe_waits_for_a_provider_exits_130(tmp_path: Path) -> None:
    with ServerPool() as servers:
        stuck = servers.start(OPENAI, hang=True)
        write_config(tmp_path / "config.yaml", config(
            provider("stuck", "openai", stuck.url, [model("gpt-4o", "chat_smart")], timeout=60),
            default_models={"chat_smart": "gpt-4o"}))
        _interrupted_in_a_pipe(["probe"], tmp_path, lambda: bool(stuck.paths()))


def test_ctrl_c_while_validate_reads_stdin_exits_130(tmp_path: Path) -> None:
    started = time.monotonic()
    # stdin stays open: validate waits on it, started or not, and either way Ctrl-C is 130.
    _interrupted_in_a_pipe(["validate", "-"], tmp_path,
                           lambda: time.monotonic() - started > 1.5)


# ---- the suite's colour tests in any developer's environment ----------------------------------

COLOUR_TESTS = [
    "tests/test_report_console.py",
    "tests/test_validate_ci_formats.py::test_color_always_colours_a_pipe_and_never_beats_force_color",
    "tests/test_validate_ci_formats.py::test_colour_asked_for_reaches_a_dumb_terminal",
    "tests/test_terminal_behaviour.py::test_color_always_changes_nothing_but_colour_off_a_terminal",
    "tests/test_terminal_behaviour.py::test_color_always_wins_over_no_color_and_a_dumb_terminal",
    "tests/test_terminal_behaviour.py::test_a_table_never_cuts_a_url_or_a_path",
    "tests/test_plain_and_progress.py",
]


@pytest.mark.slow
@pytest.mark.parametrize("setting", [{"FORCE_COLOR": "1"}, {"NO_COLOR": "1"}, {"TERM": "dumb"},
                                     {"COLUMNS": "40"}], ids=lambda s: next(iter(s)))
def test_the_colour_tests_pass_whatever_the_shell_sets(setting: dict[str, str]) -> None:
    env = {**os.environ, **setting}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "-o", "addopts=", *COLOUR_TESTS],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout.splitlines()[-1]
