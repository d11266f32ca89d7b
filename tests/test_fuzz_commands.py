"""Every command, in-process, over mutated fixtures: no traceback, an exit code of 0, 1 or 2,
and no secret of the input in stdout, stderr or the --report file.

Deterministic (derandomize=True: the same examples every run) and bounded in examples,
not in time. The secrets are put in front of the mutated text, so a mutation cannot turn
them into something that no longer looks secret. Probe is kept on 127.0.0.1: every URL is
pointed at a closed local port, and a socket guard refuses any other address.
"""

from __future__ import annotations

import re
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, CliResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from provider_servers import closed_port

KEY = "sk-fuzz-7Q2mV9xL4bN8cR1tW6yZ3kP5"
PASSWORD = "Fz9PaSsW0rd4u"
SECRETS = (KEY, PASSWORD)

FUZZ_SETTINGS = settings(
    max_examples=80,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Text that reaches the corners the issue found: references, escapes, merge keys, BOMs,
# NUL, deep nesting, tabs, CR, quotes, aliases, duplicated keys.
TOKENS = ["${", "$${X}", "${SEKHA_API_KEY}", "<<: *a", "&a ", "*a", "\ufeff", "\x00", "[[[[",
          "{{", "\t", "\r", '"', "'", "\n- ", ": ", "=", "#", "\\", "\n\n", "@", "://",
          "api_key: ", "llm_providers: 5\n", "version: '2.0'\n", "\u2014", "0x1F", "1e999"]


def _v1_sources() -> list[dict[str, bytes]]:
    sets = []
    for directory in [*sorted((FIXTURES / "v1").iterdir()), FIXTURES / "examples/v1-basic"]:
        files = {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()}
        if files:
            sets.append(files)
    return sets


V1_SOURCES = _v1_sources()
V2_FILES = sorted((FIXTURES / "v2").glob("*/*.*"))

# The secrets as each kind of source writes them, put before the mutated text.
SECRET_LINES = {
    ".env": f"SEKHA_API_KEY={KEY}\nSEKHA_DATABASE_URL=postgres://sekha:{PASSWORD}@db/sekha\n",
    ".toml": f'mcp_api_key = "{KEY}"\ndatabase_url = "postgres://sekha:{PASSWORD}@db/sekha"\n',
    ".yaml": f"mcp_api_key: {KEY}\ndatabase_url: postgres://sekha:{PASSWORD}@db/sekha\n",
}


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` with a few edits: bytes deleted, replaced or repeated, tokens inserted."""
    text = bytearray(data)
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["token", "delete", "byte", "repeat-line"]))
        if edit == "token":
            text[at:at] = draw(st.sampled_from(TOKENS)).encode()
        elif edit == "delete":
            del text[at : at + draw(st.integers(1, 16))]
        elif edit == "byte":
            text[at:at] = bytes([draw(st.integers(0, 255))])
        else:
            start = text.rfind(b"\n", 0, at) + 1
            end = text.find(b"\n", at)
            line = text[start : (end if end >= 0 else len(text))]
            text[start:start] = line + b"\n"
    return bytes(text)


def _with_secrets(name: str, body: bytes) -> bytes:
    suffix = ".env" if name.startswith(".env") else Path(name).suffix
    prefix = SECRET_LINES.get(".yaml" if suffix in (".yml", ".json") else suffix, "")
    return prefix.encode() + body


@st.composite
def v1_directories(draw: st.DrawFn) -> dict[str, bytes]:
    files = draw(st.sampled_from(V1_SOURCES))
    return {name: _with_secrets(name, draw(mutated(body))) for name, body in files.items()}


@st.composite
def v2_documents(draw: st.DrawFn) -> bytes:
    path = draw(st.sampled_from(V2_FILES))
    return _with_secrets(".yaml", draw(mutated(path.read_bytes())))


# ---- running the CLI in-process ------------------------------------------------------------


def _run(*args: str) -> CliResult:
    from typer.testing import CliRunner

    from sekha_migrate.cli import app

    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return CliResult(result.exit_code, result.stdout, result.stderr)


def _assert_clean(result: CliResult, *files: Path, stdout_is_config: bool = False) -> None:
    """`stdout_is_config`: stdout is the migrated document itself (--dry-run), which carries
    what the sources wrote literally, as the written config.yaml would."""
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr[-2000:])
    channels = {"stdout": "" if stdout_is_config else result.stdout, "stderr": result.stderr}
    channels.update({f.name: f.read_text("utf-8", "replace") for f in files if f.exists()})
    for channel, text in channels.items():
        assert "Traceback" not in text, channel
        for secret in SECRETS:
            assert secret not in text and secret[4:-4] not in text, (channel, text[-3000:])


@contextmanager
def _only_loopback() -> Iterator[None]:
    """Refuse every connection and name lookup that is not 127.0.0.1."""
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        if not (isinstance(address, tuple) and address[0] in ("127.0.0.1", "::1")):
            raise ConnectionRefusedError(f"test guard: {address!r} is not loopback")
        real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "localhost", "::1", b"127.0.0.1"):
            raise socket.gaierror(socket.EAI_NONAME, "test guard: not loopback")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.getaddrinfo = real_getaddrinfo


@pytest.fixture(scope="module")
def local_only() -> Iterator[str]:
    with closed_port() as url, _only_loopback():
        yield url.split("://", 1)[1]


def _in_temp(files: dict[str, bytes], body: Callable[[Path], None]) -> None:
    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        for name, data in files.items():
            (directory / name).write_bytes(data)
        body(directory)


# ---- the commands ---------------------------------------------------------------------------


@FUZZ_SETTINGS
@given(v1_directories(), st.booleans())
def test_migrate_dry_run_and_diff_never_crash_or_leak(files: dict[str, bytes], diff: bool) -> None:
    def check(directory: Path) -> None:
        report = directory / "fuzz-report.json"
        result = _run("migrate", "--dry-run", "--no-env", "--dir", str(directory),
                      "--report", str(report), *(["--diff"] if diff else []))
        _assert_clean(result, report, stdout_is_config=not diff)

    _in_temp(files, check)


@FUZZ_SETTINGS
@given(v1_directories())
def test_migrate_then_rollback_never_crash_or_leak(files: dict[str, bytes]) -> None:
    def check(directory: Path) -> None:
        report = directory / "fuzz-report.json"
        migrated = _run("migrate", "--yes", "--no-env", "--dir", str(directory),
                        "--report", str(report))
        _assert_clean(migrated, report)
        listed = _run("rollback", "--list", "--dir", str(directory), "--format", "json")
        _assert_clean(listed)
        undone = _run("rollback", "--yes", "--dir", str(directory))
        _assert_clean(undone)

    _in_temp(files, check)


@FUZZ_SETTINGS
@given(v2_documents(), st.sampled_from(["text", "json", "github"]))
def test_validate_never_crashes_or_leaks(document: bytes, output_format: str) -> None:
    def check(directory: Path) -> None:
        _assert_clean(_run("validate", str(directory / "config.yaml"), "-f", output_format))

    _in_temp({"config.yaml": document}, check)


_AUTHORITY = re.compile(rb"://[^/\s\"'\]]*(\])?[^/\s\"']*")


@FUZZ_SETTINGS
@given(v2_documents(), st.sampled_from(["text", "json"]))
def test_probe_never_crashes_or_leaks(
    local_only: str, document: bytes, output_format: str
) -> None:
    # Every URL points at a closed port on 127.0.0.1: probe fails fast and stays local.
    local = _AUTHORITY.sub(b"://" + local_only.encode(), document)

    def check(directory: Path) -> None:
        result = _run("probe", str(directory / "config.yaml"), "-f", output_format,
                      "--timeout", "2")
        _assert_clean(result)

    _in_temp({"config.yaml": local}, check)


def test_schema_prints_and_exits_0() -> None:
    result = _run("schema")
    assert result.exit_code == 0 and '"$schema"' in result.stdout
