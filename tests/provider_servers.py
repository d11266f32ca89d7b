"""Real HTTP servers on 127.0.0.1 that speak the Ollama, OpenAI and Anthropic wire formats.

Each server runs in a background thread on an ephemeral port and can be told to
misbehave: answer slowly, fail with a status, send garbage, hang, demand a key,
send an enormous body, or redirect elsewhere. Every request is recorded so tests
can check what was (and was not) sent.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

OLLAMA = "ollama"
MOVED = "/moved"  # where redirects point; served like the path without it
OPENAI = "openai"
ANTHROPIC = "anthropic"


@dataclass
class Behaviour:
    delay: float = 0.0  # seconds before answering anything
    status: int | None = None  # answer every request with this HTTP status
    failing_paths: dict[str, int] = field(default_factory=dict)  # path -> status
    garbage: bool = False  # 200 with a body that is not JSON
    wrong_shape: bool = False  # 200 with JSON of the wrong shape
    hang: bool = False  # accept the request, never answer
    api_key: str | None = None  # demand this key; 401 otherwise
    huge_body_bytes: int = 0  # 200 with a JSON-looking body this large
    gzip_bomb_bytes: int = 0  # 200 with a small gzip body that inflates to this size
    redirect_to: str | None = None  # 307 to this origin + /moved + the same path
    redirect_loop: bool = False  # 307 every request back to itself
    echo_credentials: bool = False  # error bodies repeat the credential headers received
    page_size: int = 1000  # Anthropic: models per page
    dimensions: dict[str, int] = field(default_factory=dict)  # embedding model -> length
    aliases: dict[str, str] = field(default_factory=dict)  # Anthropic: alias -> model id


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: ProviderServer) -> None:
        self.owner = owner
        super().__init__((owner.host, 0), _Handler)


class ProviderServer:
    """One provider on 127.0.0.1. `url` is the base_url a Sekha config would use."""

    def __init__(
        self,
        kind: str,
        models: tuple[str, ...] | list[str] = (),
        behaviour: Behaviour | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.kind = kind
        self.models = list(models)
        self.behaviour = behaviour or Behaviour()
        self.host = host
        self.requests: list[RecordedRequest] = []
        self.bytes_sent = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "start the server first"
        return self._server.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.origin}/v1" if self.kind == OPENAI else self.origin

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def count_sent(self, n: int) -> None:
        with self._lock:
            self.bytes_sent += n

    def start(self) -> ProviderServer:
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ProviderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:
        self._handle(None)

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self._handle(body)

    # -- answering ---------------------------------------------------------------------------

    def _handle(self, body: Any) -> None:
        owner = self.server.owner
        b = owner.behaviour
        split = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        owner.record(RecordedRequest(self.command, split.path, headers, body))
        if b.hang:
            owner.stopping.wait(60)
            return
        if b.delay and owner.stopping.wait(b.delay):
            return
        if b.redirect_loop:
            self._send(307, b"", location=self.path)
            return
        path = split.path
        if path.startswith(MOVED):
            path = path[len(MOVED) :]
        elif b.redirect_to:
            self._send(307, b"", location=b.redirect_to + MOVED + self.path)
            return
        if b.api_key is not None and not self._key_accepted(headers, b.api_key):
            self._json(401, {"error": {"message": "invalid api key", "type": "auth"}})
            return
        status = b.failing_paths.get(path, b.status)
        if status is not None:
            message = f"the server says {status}"
            if b.echo_credentials:
                sent = [headers.get(h, "") for h in ("authorization", "x-api-key")]
                message += f"; you sent {' '.join(sent)}"
            self._json(status, {"error": message})
            return
        if b.garbage:
            self._send(200, b"<html>502 Bad Gateway</html>", content_type="text/html")
            return
        if b.wrong_shape:
            self._json(200, {"unexpected": True})
            return
        if b.huge_body_bytes:
            self._huge(b.huge_body_bytes)
            return
        if b.gzip_bomb_bytes:
            packer = zlib.compressobj(9, zlib.DEFLATED, 31)
            data = packer.compress(b" " * b.gzip_bomb_bytes) + packer.flush()
            self._send(200, data, encoding="gzip")
            return
        answer = self._route(path, parse_qs(split.query), headers, body)
        if answer is None:
            self._json(404, {"error": f"no route for {self.command} {path}"})
        else:
            self._json(*answer)

    def _key_accepted(self, headers: dict[str, str], key: str) -> bool:
        if self.server.owner.kind == ANTHROPIC:
            return headers.get("x-api-key") == key
        return headers.get("authorization") == f"Bearer {key}"

    def _route(
        self, path: str, query: dict[str, list[str]], headers: dict[str, str], body: Any
    ) -> tuple[int, Any] | None:
        owner = self.server.owner
        kind, method = owner.kind, self.command
        if kind == OLLAMA:
            if (method, path) == ("GET", "/api/tags"):
                return 200, {"models": [{"name": n, "model": n, "size": 1} for n in owner.models]}
            if (method, path) == ("GET", "/api/version"):
                return 200, {"version": "0.5.7"}
            if (method, path) == ("POST", "/api/embed"):
                return self._ollama_embed(body)
        if kind == OPENAI:
            if (method, path) == ("GET", "/v1/models"):
                data = [{"id": n, "object": "model", "owned_by": "test"} for n in owner.models]
                return 200, {"object": "list", "data": data}
            if (method, path) == ("POST", "/v1/embeddings"):
                return self._openai_embed(body)
        if kind == ANTHROPIC and (method, path) == ("GET", "/v1/models"):
            if headers.get("anthropic-version") != "2023-06-01":
                return 400, {"type": "error", "error": {"message": "anthropic-version missing"}}
            return 200, self._anthropic_page(query)
        if kind == ANTHROPIC and method == "GET" and path.startswith("/v1/models/"):
            return self._anthropic_model(unquote(path[len("/v1/models/") :]))
        return None

    def _anthropic_model(self, model_id: str) -> tuple[int, Any]:
        owner = self.server.owner
        resolved = owner.behaviour.aliases.get(model_id, model_id)
        if resolved not in owner.models:
            error = {"type": "not_found_error", "message": f"model: {model_id}"}
            return 404, {"type": "error", "error": error}
        return 200, {"id": resolved, "type": "model", "display_name": resolved}

    def _dimension(self, body: Any) -> tuple[str, int] | None:
        model = body.get("model") if isinstance(body, dict) else None
        dims = self.server.owner.behaviour.dimensions
        if model in dims:
            return model, dims[model]
        if isinstance(model, str) and f"{model}:latest" in dims:
            return model, dims[f"{model}:latest"]
        return None

    def _ollama_embed(self, body: Any) -> tuple[int, Any]:
        found = self._dimension(body)
        if found is None:
            return 404, {"error": "model not found, try pulling it first"}
        model, dim = found
        return 200, {"model": model, "embeddings": [[0.01] * dim]}

    def _openai_embed(self, body: Any) -> tuple[int, Any]:
        found = self._dimension(body)
        if found is None:
            return 404, {"error": {"message": "The model does not exist"}}
        model, dim = found
        data = [{"object": "embedding", "index": 0, "embedding": [0.01] * dim}]
        return 200, {"object": "list", "model": model, "data": data}

    def _anthropic_page(self, query: dict[str, list[str]]) -> dict[str, Any]:
        owner = self.server.owner
        limit = min(int(query.get("limit", ["20"])[0]), owner.behaviour.page_size)
        after = query.get("after_id", [None])[0]
        start = owner.models.index(after) + 1 if after in owner.models else 0
        page = owner.models[start : start + limit]
        return {
            "data": [{"id": n, "type": "model", "display_name": n} for n in page],
            "has_more": start + limit < len(owner.models),
            "first_id": page[0] if page else None,
            "last_id": page[-1] if page else None,
        }

    # -- writing -----------------------------------------------------------------------------

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload).encode())

    def _send(
        self,
        status: int,
        data: bytes,
        *,
        content_type: str = "application/json",
        location: str | None = None,
        encoding: str | None = None,
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("content-type", content_type)
            if encoding:
                self.send_header("content-encoding", encoding)
            self.send_header("content-length", str(len(data)))
            if location:
                self.send_header("location", location)
            self.end_headers()
            self.wfile.write(data)
            self.server.owner.count_sent(len(data))
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _huge(self, size: int) -> None:
        """A body far larger than anyone should read, without a content-length to warn them."""
        chunk = b'{"name": "' + b"x" * 65_000 + b'"},'
        try:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"models": [')
            sent = 0
            while sent < size and not self.server.owner.stopping.is_set():
                self.wfile.write(chunk)
                sent += len(chunk)
                self.server.owner.count_sent(len(chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass


class ServerPool:
    """Starts servers for one test and stops them all at the end."""

    def __init__(self) -> None:
        self.servers: list[ProviderServer] = []

    def start(
        self,
        kind: str,
        models: tuple[str, ...] | list[str] = (),
        *,
        host: str = "127.0.0.1",
        **behaviour: Any,
    ) -> ProviderServer:
        server = ProviderServer(kind, models, Behaviour(**behaviour), host=host).start()
        self.servers.append(server)
        return server

    def stop_all(self) -> None:
        for server in self.servers:
            server.stop()

    def __enter__(self) -> ServerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()


@contextmanager
def closed_port() -> Iterator[str]:
    """A base URL on 127.0.0.1 where nothing listens: the port is bound, never listened on."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def wait_until(predicate: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False
