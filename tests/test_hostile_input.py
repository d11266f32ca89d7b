"""Crashes and wrong verdicts under hostile input (issue 9): every case is a finding or a
clear message with the right exit code, never a traceback."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, CliResult, write
from probe_support import config, model, only, provider
from provider_servers import OPENAI, ServerPool, closed_port

from sekha_migrate.model.placeholders import expand_placeholders, placeholder_names
from sekha_migrate.probe import probe_config
from sekha_migrate.probe.results import ProviderProbe
from sekha_migrate.validate.engine import validate_bytes, validate_text

Run = Callable[..., CliResult]

KEY = "sk-hostile-0123456789abcdefghijklmnopqrstuv"
MINIMAL = FIXTURES / "v2/valid/minimal-ollama-only.yaml"


def _all_text(result: object) -> str:
    findings = getattr(result, "findings", ())
    return "\n".join(f"{f.message} {f.hint or ''}" for f in findings)


# ---- validate -----------------------------------------------------------------------------

DUPLICATES_OVER_A_REFERENCE = {
    "list-then-number": "llm_providers:\n- id: a\n  api_key: ${X}\nllm_providers: 5\n",
    "list-then-shorter-list": "llm_providers:\n- id: a\n  api_key: ${X}\nllm_providers: []\n",
    "mapping-then-empty": "d:\n  api_key: ${X}\nd: {}\n",
    "mapping-then-string": "d:\n  e: ${X}\nd: text\n",
}


@pytest.mark.parametrize("body", DUPLICATES_OVER_A_REFERENCE.values(),
                         ids=DUPLICATES_OVER_A_REFERENCE.keys())
def test_a_duplicate_key_over_a_reference_is_a_finding_not_a_crash(
    body: str, sekha_inprocess: Run, tmp_path: Path
) -> None:
    result = validate_text('version: "2.0"\n' + body, env={"X": "value"})
    assert "duplicate-key" in {f.code for f in result.findings}
    path = write(tmp_path / "dup.yaml", 'version: "2.0"\n' + body)
    for command in ("validate", "probe"):
        run = sekha_inprocess(command, str(path))
        assert run.exit_code in (1, 2) and "Traceback" not in run.stdout + run.stderr


def test_two_merge_keys_in_one_mapping_are_an_error() -> None:
    text = MINIMAL.read_text() + "x-a: &a {p: 1}\nx-b: &b {q: 2}\nx-c:\n  <<: *a\n  <<: *b\n"
    result = validate_text(text)
    [finding] = [f for f in result.findings if f.code == "duplicate-key"]
    assert finding.severity.value == "error" and "'<<'" in finding.message
    assert not result.valid


def test_a_double_byte_order_mark_is_an_error_and_a_single_one_is_not() -> None:
    body = MINIMAL.read_bytes()
    assert validate_bytes(b"\xef\xbb\xbf" + body, path="c.yaml").valid
    doubled = validate_bytes(b"\xef\xbb\xbf\xef\xbb\xbf" + body, path="c.yaml")
    assert not doubled.valid
    assert [f.code for f in doubled.findings] == ["encoding"]


def test_double_dollar_escapes_a_reference() -> None:
    assert placeholder_names("$${SEKHA_API_KEY}") == []
    assert placeholder_names("$$${SEKHA_API_KEY}") == ["SEKHA_API_KEY"]
    expanded, unresolved = expand_placeholders({"a": "$${X}", "b": "${X}"}, {"X": "v"})
    assert expanded == {"a": "$${X}", "b": "v"} and unresolved == []


def test_an_escaped_reference_is_a_literal_secret() -> None:
    text = MINIMAL.read_text() + "mcp_api_key: $${SEKHA_API_KEY}_0123456789abcdef0123456789\n"
    result = validate_text(text, env={"SEKHA_API_KEY": "x" * 40})
    assert "literal-secret" in {f.code for f in result.findings}


def test_an_all_digit_key_is_not_repeated_in_a_hint() -> None:
    digits = "12345678901234567890123456789012345"
    result = validate_text(MINIMAL.read_text() + f"mcp_api_key: {digits}\n")
    assert "schema-type" in {f.code for f in result.findings}
    assert digits[2:-2] not in _all_text(result)


def test_a_url_password_with_a_space_is_hidden_in_messages() -> None:
    result = validate_text(MINIMAL.read_text() + 'database_url: "postgres://u:pa ss@db/x"\n')
    assert result.findings and "pa ss" not in _all_text(result)


# ---- probe against hostile servers --------------------------------------------------------


@contextmanager
def answering(status: int, body: bytes, headers: dict[str, str]) -> Iterator[str]:
    """A server on 127.0.0.1 that gives every request the same answer; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _probe_one(url: str, **extra: Any) -> ProviderProbe:
    doc = config(provider("p", "openai", url, [model("m")], api_key="${K}", **extra))
    return only(probe_config(doc, env={"K": KEY}))


def test_deeply_nested_json_is_a_failed_check_not_a_crash() -> None:
    body = b"[" * 200_000 + b"]" * 200_000
    with answering(200, body, {"Content-Type": "application/json"}) as url:
        result = _probe_one(url + "/v1")
    assert result.status.value != "ok" and "nested too deeply" in (result.error or "")


def test_a_double_gzip_bomb_stops_at_the_size_cap_without_inflating_it() -> None:
    bomb = gzip.compress(gzip.compress(b"\0" * (96 * 1024 * 1024), 9), 9)
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip, gzip"}
    with answering(200, bomb, headers) as url:
        tracemalloc.start()
        try:
            result = _probe_one(url + "/v1")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert "larger than" in (result.error or "")
    assert peak < 48 * 1024 * 1024  # one 96 MiB layer inflated at once would exceed it


def test_a_key_echoed_near_the_cut_is_masked_before_truncating() -> None:
    message = "Incorrect API key provided: " + "x" * 160 + KEY
    body = json.dumps({"error": {"message": message}}).encode()
    with answering(401, body, {"Content-Type": "application/json"}) as url:
        result = _probe_one(url + "/v1")
    shown = json.dumps(result.to_dict())
    assert "not authorised" in shown
    assert KEY[:12] not in shown and KEY[4:16] not in shown


def test_credentials_in_base_url_do_not_replace_the_key(servers: ServerPool) -> None:
    server = servers.start(OPENAI, ["m"], api_key=KEY)
    url = server.url.replace("http://", "http://user:Pa55w0rdSecret@")
    result = _probe_one(url)
    assert server.requests and server.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert result.status.value == "ok", result.error
    assert "Pa55w0rdSecret" not in json.dumps(result.to_dict())


def test_tls_to_a_plain_http_port_says_so(servers: ServerPool) -> None:
    server = servers.start(OPENAI, ["m"])
    result = _probe_one(server.url.replace("http://", "https://"))
    assert "does not speak TLS" in (result.error or "")
    assert "not permitted" not in (result.error or "")


# ---- the executable under a hostile shell --------------------------------------------------


def _sekha_executable() -> str:
    return str(Path(sys.executable).parent / "sekha")


def test_closed_stdin_and_stdout_are_no_traceback(tmp_path: Path) -> None:
    target = write(tmp_path / "config.yaml", MINIMAL.read_text() + "llm_providers: 5\n")
    run = subprocess.run(["sh", "-c", 'exec "$0" validate "$1" <&- >&-',
                          _sekha_executable(), str(target)],
                         capture_output=False, stderr=subprocess.PIPE, timeout=120)
    assert b"Traceback" not in run.stderr
    assert run.returncode == 1  # the verdict still: duplicate key


def test_an_ascii_only_terminal_gets_question_marks_not_a_crash(tmp_path: Path) -> None:
    directory = tmp_path / "v1-basic"
    directory.mkdir()
    for source in (FIXTURES / "examples/v1-basic").iterdir():
        write(directory / source.name, source.read_bytes())
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "NO_COLOR": "1"}
    run = subprocess.run([_sekha_executable(), "migrate", "--dry-run", "--no-env"],
                         cwd=directory, env=env, capture_output=True, timeout=120)
    assert b"Traceback" not in run.stderr and run.returncode == 0
    assert b"version: '2.0'" in run.stdout or b'version: "2.0"' in run.stdout


def test_probe_on_an_ascii_only_terminal_is_no_crash(tmp_path: Path) -> None:
    with closed_port() as url:
        text = MINIMAL.read_text().replace("http://localhost:11434", url)
        target = write(tmp_path / "config.yaml", text)
        env = {**os.environ, "PYTHONIOENCODING": "ascii", "NO_COLOR": "1"}
        run = subprocess.run([_sekha_executable(), "probe", str(target)], env=env,
                             capture_output=True, timeout=120)
    assert b"Traceback" not in run.stderr + run.stdout
    assert run.returncode == 1 and b"cannot connect" in run.stdout + run.stderr


def test_ctrl_c_during_start_up_is_a_quiet_exit_130(tmp_path: Path) -> None:
    # Deterministic stand-in for a SIGINT arriving while typer is being imported.
    code = (
        "import builtins, sys\n"
        "real = builtins.__import__\n"
        "def hook(name, *a, **k):\n"
        "    if name == 'typer':\n"
        "        raise KeyboardInterrupt\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = hook\n"
        "sys.argv = ['sekha', 'validate', 'x.yaml']\n"
        "from sekha_migrate.entry import main\n"
        "main()\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         timeout=120)
    assert b"Traceback" not in run.stderr and b"interrupted" in run.stderr
    assert run.returncode == 130
