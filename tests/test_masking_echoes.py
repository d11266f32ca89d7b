"""Secrets echoed back in any form are masked everywhere: probe's `version`, URL passwords
sent as Basic auth, URL-encoded / base64 / upper-cased echoes, URL query credentials,
interpolation errors, and names outside the old KEY/SECRET/TOKEN/PASSWORD rule."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from conftest import write
from probe_support import config, model, provider

from sekha_migrate.model.masking import (
    hide_url_credentials,
    is_secret_name,
    mask_secret,
    mask_text,
    mask_value,
)
from sekha_migrate.probe import probe_config

KEY = "sk-echo-7f3a9c2e5b1d8f4a6c0e"
PASSWORD = "Pa55-w0rd$unusual/value"


class _EchoingOllama(BaseHTTPRequestHandler):
    """An Ollama behind a proxy that echoes the Authorization header into /api/version."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        header = self.headers.get("Authorization", "")
        if self.path == "/api/version":
            body: Any = {"version": f"0.5.7 (seen: {header}; {header.upper()})"}
        else:
            body = {"models": [{"name": "llama3.1:8b"}]}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def echoing() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingOllama)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _probe_json(doc: dict[str, Any]) -> str:
    return json.dumps([probe.to_dict() for probe in probe_config(doc, env={}).providers])


def test_probe_masks_a_key_echoed_into_its_version(echoing: str) -> None:
    doc = config(provider("local", "ollama", f"http://{echoing}", [model("llama3.1:8b")],
                          api_key=KEY))
    shown = _probe_json(doc)
    assert KEY not in shown
    assert KEY.upper() not in shown
    assert "0.5.7" in shown


def test_probe_masks_a_url_password_echoed_as_basic_auth(echoing: str) -> None:
    url = f"http://sekha:{quote(PASSWORD, safe='')}@{echoing}"
    doc = config(provider("local", "ollama", url, [model("llama3.1:8b")]))
    shown = _probe_json(doc)
    pair = base64.b64encode(f"sekha:{PASSWORD}".encode()).decode()
    assert pair not in shown
    assert pair.upper() not in shown
    assert PASSWORD not in shown


@pytest.mark.parametrize(
    "echo",
    [
        quote(KEY, safe=""),
        KEY.upper(),
        base64.b64encode(KEY.encode()).decode(),
        base64.b64encode(f"user:{KEY}".encode()).decode(),
        base64.urlsafe_b64encode(f"xy:{KEY}".encode()).decode(),
        json.dumps(KEY),
    ],
)
def test_mask_text_masks_every_encoded_echo(echo: str) -> None:
    shown = mask_text(f"provider said: {echo}.", {KEY})
    assert echo not in shown
    assert echo.strip('"') not in shown


def test_a_long_secret_is_masked_as_one_even_when_a_shorter_one_is_inside_it() -> None:
    long = KEY + "-extended"
    assert mask_text(f"a {long} b", {KEY, long}) == f"a {mask_secret(long)} b"


@pytest.mark.parametrize("name", ["password", "token", "key", "access_token", "api_key"])
def test_url_query_credentials_are_hidden(name: str) -> None:
    url = f"postgres://sekha@db/sekha?sslmode=require&{name}=s3cr3t-v4lue&x=1"
    assert hide_url_credentials(url) == f"postgres://***@db/sekha?sslmode=require&{name}=***&x=1"
    assert "s3cr3t-v4lue" not in json.dumps(mask_value({"url": url}))


@pytest.mark.parametrize(
    "name", ["DB_PASS", "REDIS_AUTH", "SMTP_PWD", "AWS_CREDENTIALS", "GITHUB_PAT", "dbPass"]
)
def test_secret_names_outside_the_old_rule_are_secret(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["PATH", "AUTHOR", "COMPASS", "server_port"])
def test_ordinary_names_are_not_secret(name: str) -> None:
    assert not is_secret_name(name)


def test_migrate_report_masks_query_credentials_and_new_secret_names(
    sekha: Any, tmp_path: Path
) -> None:
    project = tmp_path / "p"
    write(project / "config.toml", "server_port = 8080\n"
          "database_url = 'postgres://sekha@db/sekha?password=Q-s3cret-in-query'\n")
    write(project / ".env", "DB_PASS=plain-db-pass-0123456789\nGITHUB_PAT=ghp_0123456789abcdef\n")
    report = project / "report.json"
    result = sekha("migrate", "--yes", "--no-env", "--verbose", "--report", str(report),
                   cwd=project)
    outputs = result.stdout + result.stderr + report.read_text()
    backup_report = next((project / ".sekha-backups").glob("*/report.json")).read_text()
    for secret in ("Q-s3cret-in-query", "plain-db-pass-0123456789", "ghp_0123456789abcdef"):
        assert secret not in outputs
        assert secret not in backup_report


def test_an_interpolation_error_never_echoes_the_value(sekha: Any, tmp_path: Path) -> None:
    project = tmp_path / "p"
    write(project / "docker-compose.yml",
          "services:\n  sekha-controller:\n    environment:\n"
          "      SEKHA_MCP_API_KEY: 'abc${never-closed-9XqZ-secret-tail'\n")
    result = sekha("migrate", "--dry-run", "--no-env", cwd=project)
    assert "is never closed" in result.stdout + result.stderr
    assert "never-closed-9XqZ-secret-tail" not in result.stdout + result.stderr
