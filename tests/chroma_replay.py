"""A tiny 127.0.0.1 server answering as a recorded Chroma did (fixtures/chroma/<release>/
answers.json, made by fixtures/chroma/record.py): each request is matched by method, path and
the auth headers it carries, in the scenarios given, first match wins; anything unrecorded is
a 404."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).resolve().parent.parent / "fixtures" / "chroma"


def _auth(headers: Any) -> str:
    bearer = (headers.get("Authorization") or "").startswith("Bearer ")
    token = headers.get("X-Chroma-Token") is not None
    return {(True, True): "both", (True, False): "bearer", (False, True): "x-chroma-token",
            (False, False): "none"}[(bearer, token)]


Answer = tuple[int, bytes]
NOT_FOUND: Answer = (404, b'{"detail":"Not Found"}')


@contextmanager
def serving(answer: Callable[[str, str, Any], Answer]) -> Iterator[str]:
    """A 127.0.0.1 server whose every GET and POST is answered by `answer(method, path,
    headers)` as JSON; yields its URL."""

    class Replay(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            if method == "POST":
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, body = answer(method, self.path.split("?")[0], self.headers)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Replay)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def replayed(release: str, scenarios: list[str]) -> Iterator[str]:
    answers = json.loads((RECORDED / release / "answers.json").read_text())

    def answer(method: str, path: str, headers: Any) -> Answer:
        auth = _auth(headers)
        found = next((a for scenario in scenarios for a in answers
                      if a["scenario"] == scenario and a["method"] == method
                      and a["path"] == path and a["auth"] == auth), None)
        return (found["status"], found["body"].encode()) if found else NOT_FOUND

    with serving(answer) as url:
        yield url
