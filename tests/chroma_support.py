"""A real Chroma server on 127.0.0.1 for the tests (`chroma run` from the chromadb package of
the test extra), and the collection as the controller makes it (sekha-controller 9e9dca0:
tenant and database fixed, one collection `conversations`, metadata hnsw:space and dimension).

A test that needs the server fails when it cannot start: a probe that cannot be tested
against a real Chroma is not known to work."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

COLLECTIONS = "/api/v2/tenants/default_tenant/databases/default_database/collections"


class ChromaServer:
    def __init__(self, url: str) -> None:
        self.url = url

    def reset(self) -> None:
        """No `conversations` collection, as on a fresh install."""
        httpx.delete(f"{self.url}{COLLECTIONS}/conversations", timeout=10)

    def create(self, dimension_hint: int = 768) -> str:
        """The collection as the controller creates it on first use; returns its id."""
        self.reset()
        made = httpx.post(f"{self.url}{COLLECTIONS}", timeout=10, json={
            "name": "conversations", "get_or_create": True,
            "metadata": {"hnsw:space": "cosine", "dimension": dimension_hint}})
        made.raise_for_status()
        return str(made.json()["id"])

    def add(self, collection: str, dimension: int, count: int = 2) -> None:
        added = httpx.post(f"{self.url}{COLLECTIONS}/{collection}/add", timeout=30, json={
            "ids": [f"m{i}" for i in range(count)],
            "embeddings": [[0.01 * (i + 1)] * dimension for i in range(count)],
            "documents": [f"memory {i}" for i in range(count)]})
        added.raise_for_status()

    def delete_all(self, collection: str, count: int = 2) -> None:
        gone = httpx.post(f"{self.url}{COLLECTIONS}/{collection}/delete", timeout=30,
                          json={"ids": [f"m{i}" for i in range(count)]})
        gone.raise_for_status()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_chroma(path: Path) -> Iterator[ChromaServer]:
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        pytest.fail("the chroma server is not installed: pip install -e '.[test]'")
    port = _free_port()
    log = path / "chroma.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(chroma), "run", "--host", "127.0.0.1", "--port", str(port),
             "--path", str(path / "data")], stdout=out, stderr=subprocess.STDOUT,
            cwd=path)  # chroma writes its own chroma.log into its working directory
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"chroma exited at start: {log.read_text()[-800:]}")
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"chroma did not answer within 60 s: {log.read_text()[-800:]}")
            time.sleep(0.2)
        yield ChromaServer(url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
