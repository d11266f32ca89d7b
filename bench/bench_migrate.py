"""Time one whole-process `sekha migrate --dry-run` of a typical v1 config (goal: < 200 ms).

Run: .venv/bin/python bench/bench_migrate.py [runs]
Each run starts a fresh `sekha` process (interpreter start-up, imports, reading config.toml
and .env, planning, validating and rendering), as a user or a CI job would. Byte-code caching
is on, as it is for an installed package (PYTHONDONTWRITEBYTECODE is dropped). For scale, the
same is timed for `sekha --version` (start-up and CLI imports only).
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "fixtures" / "examples" / "v1-basic"
GOAL_MS = 200.0


def _sekha() -> str:
    beside = Path(sys.executable).parent / "sekha"
    return str(beside) if beside.exists() else (shutil.which("sekha") or "sekha")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp) / "v1"
        shutil.copytree(EXAMPLE, work)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["NO_COLOR"] = "1"
        baseline = _time([_sekha(), "--version"], work, env, runs)
        timings = _time([_sekha(), "migrate", "--dry-run", "--no-env"], work, env, runs)
    median = statistics.median(timings)
    print(f"sekha migrate --dry-run (fixtures/examples/v1-basic), {runs} runs, whole process")
    print(f"  median {median:.1f} ms   min {min(timings):.1f} ms   max {max(timings):.1f} ms")
    print(f"  goal < {GOAL_MS:.0f} ms: {'met' if median < GOAL_MS else 'NOT met'}")
    print(f"sekha --version for scale: median {statistics.median(baseline):.1f} ms, "
          f"min {min(baseline):.1f} ms")


def _time(command: list[str], cwd: Path, env: dict[str, str], runs: int) -> list[float]:
    """Wall-clock milliseconds per run; CPU time (user + system) is printed alongside, since
    on a busy machine it says more about our own cost than the wall clock does."""
    subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=True)  # warm-up
    timings, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=True)
        timings.append((time.perf_counter() - start) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    print(f"  [{command[1]}] CPU time per run: median {statistics.median(cpu):.1f} ms")
    return timings


if __name__ == "__main__":
    main()
