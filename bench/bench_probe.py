"""How `sekha probe` behaves under load: concurrency, a hanging provider, a huge answer.

Real HTTP servers on 127.0.0.1 (the ones the tests use) stand in for the providers.

1. 20 providers that each answer after 500 ms: checked concurrently, so the whole probe
   should take about 500 ms, well under the 1.5 s goal (one after another would take 10 s).
2. A hanging provider with `timeout: 1` next to a healthy one: the probe costs the timeout
   and no more.
3. A provider that streams a 256 MiB answer: reading stops at the 4 MiB cap, so memory
   stays flat (Python heap peak measured with tracemalloc, next to a normal probe's).

    python bench/bench_probe.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from provider_servers import OLLAMA, OPENAI, ServerPool  # noqa: E402

from sekha_migrate.probe import probe_config  # noqa: E402

MIB = 1024 * 1024


def _provider(index: int, kind: str, url: str, timeout: int = 10) -> dict:
    model_id = "llama3.1:8b" if kind == OLLAMA else "gpt-4o-mini"
    return {
        "id": f"p{index:02d}",
        "type": kind,
        "base_url": url,
        "priority": index + 1,
        "timeout": timeout,
        "models": [{"model_id": model_id, "task": "chat_small", "context_window": 8192}],
    }


def _config(providers: list[dict]) -> dict:
    return {"version": "2.0", "llm_providers": providers, "default_models": {}}


def _timed(document: dict) -> tuple[float, object]:
    started = time.perf_counter()
    result = probe_config(document, env={})
    return time.perf_counter() - started, result


def concurrency(runs: int) -> None:
    with ServerPool() as pool:
        providers = []
        for index in range(20):
            kind = OLLAMA if index % 2 else OPENAI
            models = ["llama3.1:8b"] if kind == OLLAMA else ["gpt-4o-mini"]
            server = pool.start(kind, models, delay=0.5)
            providers.append(_provider(index, kind, server.url))
        document = _config(providers)
        times = []
        for _ in range(runs):
            elapsed, result = _timed(document)
            assert result.ok, result.problems()
            times.append(elapsed)
    median = statistics.median(times)
    verdict = "OK" if max(times) < 1.5 else "SLOWER THAN GOAL"
    print(
        f"20 providers x 500 ms answer: median {median:.3f} s, worst {max(times):.3f} s "
        f"over {runs} runs (goal < 1.5 s; sequential would be >= 10 s) {verdict}"
    )


def hanging(runs: int) -> None:
    with ServerPool() as pool:
        stuck = pool.start(OPENAI, hang=True)
        fine = pool.start(OPENAI, ["gpt-4o-mini"])
        document = _config([_provider(0, OPENAI, stuck.url, 1), _provider(1, OPENAI, fine.url)])
        times = []
        for _ in range(runs):
            elapsed, result = _timed(document)
            assert [p.status.value for p in result.providers] == ["timeout", "ok"]
            times.append(elapsed)
    overrun = max(times) - 1.0
    print(
        f"hanging provider (timeout: 1) + healthy one: median {statistics.median(times):.3f} s, "
        f"worst {max(times):.3f} s (cost beyond the timeout: {overrun * 1000:.0f} ms)"
    )


def _peak_mib(document: dict) -> tuple[float, object]:
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = probe_config(document, env={})
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / MIB, result


def memory() -> None:
    with ServerPool() as pool:
        normal = pool.start(OLLAMA, ["llama3.1:8b"])
        baseline, _ = _peak_mib(_config([_provider(0, OLLAMA, normal.url)]))
        rows = []
        for size_mib in (16, 256):
            huge = pool.start(OLLAMA, huge_body_bytes=size_mib * MIB)
            peak, result = _peak_mib(_config([_provider(0, OLLAMA, huge.url)]))
            (probe,) = result.providers
            assert "larger than 4 MiB" in (probe.error or ""), probe.error
            rows.append((size_mib, peak, huge.bytes_sent / MIB))
    print(f"memory: normal probe peak {baseline:.1f} MiB (Python heap, tracemalloc)")
    for size_mib, peak, sent in rows:
        print(
            f"memory: {size_mib} MiB answer -> peak {peak:.1f} MiB; the server got to send "
            f"{sent:.1f} MiB before the probe hung up"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    concurrency(args.runs)
    hanging(args.runs)
    memory()


if __name__ == "__main__":
    main()
