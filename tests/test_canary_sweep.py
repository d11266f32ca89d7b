"""Canary sweep: distinctive secrets in every place a secret can come from (keys, URL userinfo
and query, JSON env values, names outside the old KEY/SECRET/TOKEN/PASSWORD rule, values with
`$`), echoed back by a loopback provider in every encoded form; every command in every format
and --verbose; none of them in any output, report, backup manifest, report or lock file."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from conftest import CliResult, write

Run = Callable[..., CliResult]


def _canary(name: str) -> str:
    return f"cnry-{name}-7Q4z9K2m8X5v1B6n3W0pAbCdEfGh"


MCP = _canary("mcp")
REST = _canary("rest$dollar")  # a `$` in the value, as generated passwords have
EXTRA = _canary("extra")
DB_PASSWORD = _canary("dbpw")
QUERY_TOKEN = _canary("query")
OPENAI = _canary("openai")
JSON_ENV = _canary("jsonenv")
DB_PASS = _canary("dbpass")
PAT = _canary("pat")
PROVIDER = _canary("provider")
URL_PASSWORD = _canary("urlpw")
CANARIES = [MCP, REST, EXTRA, DB_PASSWORD, QUERY_TOKEN, OPENAI, JSON_ENV, DB_PASS, PAT,
            PROVIDER, URL_PASSWORD]


def _echoes(header: str) -> str:
    """The Authorization header as a careless proxy echoes it: in every encoded form."""
    value = header.split(" ", 1)[-1]
    decoded = base64.b64decode(value).decode() if header.startswith("Basic ") else value
    return " | ".join([header, header.upper(), quote(header, safe=""), value.lower(),
                       base64.b64encode(value.encode()).decode(), decoded,
                       quote(decoded, safe=""), json.dumps({"api_key": decoded})])


class _EchoingProvider(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        echo = _echoes(self.headers.get("Authorization", ""))
        if self.path == "/api/version":
            self._reply(200, {"version": f"0.5.7 {echo}"})
        elif self.path == "/api/tags":
            self._reply(200, {"models": [{"name": "llama3.1:8b"}]})
        else:
            self._reply(401, {"error": f"bad key {echo}"})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        self._reply(401, {"error": f"rejected {_echoes(self.headers.get('Authorization', ''))}"})

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def provider() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingProvider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _leaks(text: str) -> list[str]:
    """Canaries shown whole or by their middle (masking shows 4 characters at each end)."""
    folded = text.lower()
    return [c for c in CANARIES if c.lower() in folded or c[4:-4].lower() in folded]


def _v1_project(directory: Path) -> Path:
    write(directory / "config.toml",
          f'mcp_api_key = "{MCP}"\n'
          f"rest_api_key = '{REST}'\n"
          f'additional_api_keys = ["{EXTRA}"]\n'
          f'database_url = "postgres://sekha:{DB_PASSWORD}@db:5432/sekha?token={QUERY_TOKEN}"\n'
          'ollama_url = "http://ollama:11434"\n')
    models = [{"model_id": "nomic-embed-text:latest", "task": "embedding",
               "context_window": 8192, "dimension": 768},
              {"model_id": "llama3.1:8b", "task": "chat_small", "context_window": 8192}]
    providers = json.dumps([{"id": "local", "type": "ollama", "base_url": "http://ollama:11434",
                             "priority": 1, "api_key": JSON_ENV, "models": models}])
    write(directory / ".env", f"OPENAI_API_KEY={OPENAI}\nDB_PASS={DB_PASS}\nGITHUB_PAT={PAT}\n"
          f"SEKHA__LLM_PROVIDERS='{providers}'\n")
    return directory


def _v2_config(directory: Path, host: str) -> Path:
    return write(directory / "probe.yaml", f"""version: "2.0"
llm_providers:
  - id: keyed
    type: ollama
    base_url: http://{host}
    api_key: {PROVIDER}
    priority: 1
    timeout: 5
    models:
      - model_id: llama3.1:8b
        task: chat_small
        context_window: 8192
  - id: userinfo
    type: ollama
    base_url: http://sekha:{quote(URL_PASSWORD, safe="")}@{host}/?token={QUERY_TOKEN}
    priority: 2
    timeout: 5
    models:
      - model_id: llama3.1:8b
        task: chat_small
        context_window: 8192
default_models: {{}}
""")


def test_no_canary_reaches_any_output(sekha: Run, tmp_path: Path, provider: str) -> None:
    project = _v1_project(tmp_path / "project")
    seen: dict[str, str] = {}
    codes: dict[str, int] = {}

    def run(*args: str) -> None:
        result = sekha(*args, cwd=project, env={"HOME": str(tmp_path)})
        # --dry-run prints the v2 YAML itself on stdout: it holds what the sources held, by
        # design (README, "What is masked"); everything else it prints is checked.
        yaml_out = "--dry-run" in args and "--diff" not in args
        seen[" ".join(args)] = result.stderr + ("" if yaml_out else result.stdout)
        codes[" ".join(args)] = result.exit_code

    run("migrate", "--dry-run", "--verbose", "--no-env")
    run("migrate", "--dry-run", "--diff", "--verbose", "--no-env")
    run("migrate", "--check", "--no-env")
    run("migrate", "--yes", "--verbose", "--no-env", "--report", "report.json")
    run("migrate", "--yes", "--diff", "--verbose", "--no-env", "--force",
        "--externalize-secrets", "--report", "report.json")
    config = _v2_config(project, provider)
    for fmt in ("text", "json", "github", "sarif", "junit", "gitlab"):
        run("validate", "--verbose", "-f", fmt, "config.yaml", str(config))
    for fmt in ("text", "json"):
        run("probe", "--verbose", "--embed", "-f", fmt, str(config))
        run("rollback", "--list", "-f", fmt)
    run("rollback", "--yes", "-f", "json")
    run("rollback", "--yes")

    assert codes["migrate --yes --verbose --no-env --report report.json"] == 0, seen
    backups = project / ".sekha-backups"
    files = [project / "report.json", backups / "lock",
             *backups.glob("*/manifest.json"), *backups.glob("*/report.json"),
             *backups.glob("*/rollback.json")]
    for path in files:
        seen[str(path)] = path.read_text(encoding="utf-8")
    leaks = {where: found for where, text in seen.items() if (found := _leaks(text))}
    assert leaks == {}
    assert len(files) > 4
    # The provider was reached and echoed: masked forms of its keys are in probe's outputs.
    assert "0.5.7" in seen[f"probe --verbose --embed -f json {config}"]
    assert codes["rollback --yes -f json"] == 0
