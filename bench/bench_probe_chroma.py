"""What asking Chroma for its stored vectors adds to `sekha probe` (goal: under 50 ms).

A real Chroma server on 127.0.0.1 (the one the tests start, tests/chroma_support.py) holding
the controller's `conversations` collection with 768-dimension vectors, and a fake Ollama
(tests/provider_servers.py) for the providers. Measured, as medians over --runs:

1. read_stored_vectors alone (heartbeat, version, collection list: the v2 API's `dimension`);
2. probe_file in this process with --no-chroma and with the Chroma check, run in turn: the
   median of the per-run differences is what the check adds;
3. the whole `sekha probe` process, with --no-chroma and with the check, the same way.

    python bench/bench_probe_chroma.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import yaml  # noqa: E402
from chroma_support import start_chroma  # noqa: E402
from provider_servers import OLLAMA, ServerPool  # noqa: E402

from sekha_migrate.probe import probe_file  # noqa: E402
from sekha_migrate.probe.chroma import read_stored_vectors  # noqa: E402

GOAL_MS = 50.0


def _config(path: Path, ollama: str, chroma: str) -> Path:
    document = {
        "version": "2.0",
        "llm_providers": [{
            "id": "local", "type": "ollama", "base_url": ollama, "priority": 1,
            "models": [
                {"model_id": "nomic-embed-text", "task": "embedding", "context_window": 8192,
                 "dimension": 768},
                {"model_id": "llama3.1:8b", "task": "chat_small", "context_window": 8192}]}],
        "default_models": {"embedding": "nomic-embed-text", "chat_fast": "llama3.1:8b",
                           "chat_smart": "llama3.1:8b"},
        "chroma_url": chroma,
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def _median_ms(action: Callable[[], object], runs: int) -> float:
    action()  # warm: imports, connection set-up of the first run are not the steady cost
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _paired_ms(without: Callable[[], object], with_check: Callable[[], object], runs: int
               ) -> tuple[float, float, float]:
    """Medians of each, and the median of the per-run differences: the two run in turn, so
    the load of a shared machine weighs on both alike."""
    without(), with_check()
    pairs = []
    for _ in range(runs):
        pairs.append((_once(without), _once(with_check)))
    return (statistics.median(a for a, _ in pairs), statistics.median(b for _, b in pairs),
            statistics.median(b - a for a, b in pairs))


def _once(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with ExitStack() as stack:
        temp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        (temp / "chroma").mkdir()
        server = start_chroma(temp / "chroma")
        chroma = next(server)
        stack.callback(next, server, None)  # resumes it past its yield: the server stops
        collection = chroma.create()
        chroma.add(collection, 768, count=100)
        pool = stack.enter_context(ServerPool())
        ollama = pool.start(OLLAMA, ["nomic-embed-text", "llama3.1:8b"])
        config = _config(temp / "config.yaml", ollama.url, chroma.url)

        alone = _median_ms(lambda: read_stored_vectors(chroma.url), runs)
        without, with_check, added = _paired_ms(
            lambda: probe_file(config, env={}, chroma=False),
            lambda: probe_file(config, env={}, chroma=True), runs)
        sekha = str(Path(sys.executable).parent / "sekha")
        process = _paired_ms(
            lambda: subprocess.run([sekha, "probe", str(config), "--no-chroma"],
                                   capture_output=True, check=False),
            lambda: subprocess.run([sekha, "probe", str(config)], capture_output=True,
                                   check=False), max(5, runs // 2))

    verdict = "OK" if added < GOAL_MS else "SLOWER THAN GOAL"
    print(f"read_stored_vectors alone:         {alone:6.1f} ms (median of {runs})")
    print(f"probe_file --no-chroma:            {without:6.1f} ms")
    print(f"probe_file with the Chroma check:  {with_check:6.1f} ms")
    print(f"the check adds (median per pair):  {added:6.1f} ms (goal < {GOAL_MS:.0f} ms) "
          f"{verdict}")
    print(f"sekha probe process --no-chroma:   {process[0]:6.1f} ms")
    print(f"sekha probe process with Chroma:   {process[1]:6.1f} ms (adds {process[2]:.1f} ms, "
          "median per pair)")

if __name__ == "__main__":
    main()
