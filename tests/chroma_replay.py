"""A tiny 127.0.0.1 server answering as a recorded Chroma did (fixtures/chroma/<release>/
answers.json, made by fixtures/chroma/record.py): each request is matched by method, path and
the auth headers it carries, in the scenarios given, first match wins; anything unrecorded is
a 404."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
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


@contextmanager
def replayed(release: str, scenarios: list[str]) -> Iterator[str]:
    answers = json.loads((RECORDED / release / "answers.json").read_text())

    class Replay(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            if method == "POST":
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
            path, auth = self.path.split("?")[0], _auth(self.headers)
            found = next((a for scenario in scenarios for a in answers
                          if a["scenario"] == scenario and a["method"] == method
                          and a["path"] == path and a["auth"] == auth), None)
            status = found["status"] if found else 404
            body = (found["body"] if found else '{"detail":"Not Found"}').encode()
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
