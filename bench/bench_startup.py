"""Does shell completion cost start-up? Times `sekha --version` with and without it.

Run: .venv/bin/python bench/bench_startup.py [runs]
Both variants start a fresh interpreter that runs the real app; the only difference is the
Typer flag that adds --install-completion/--show-completion, so the gap is what completion
costs every run (goal: at most 10 ms). Runs alternate, so machine noise hits both alike; the
installed entry point is timed as well, for scale.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOAL_MS = 10.0
VARIANT = (
    "import sys; sys.argv = ['sekha', '--version']\n"
    "import sekha_migrate.cli as cli\n"
    "cli.app._add_completion = {flag}\n"
    "cli.main()\n"
)


def _once(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    beside = Path(sys.executable).parent / "sekha"
    entry = str(beside) if beside.exists() else (shutil.which("sekha") or "sekha")
    commands = {
        "without completion": [sys.executable, "-c", VARIANT.format(flag=False)],
        "with completion": [sys.executable, "-c", VARIANT.format(flag=True)],
        "sekha --version (installed)": [entry, "--version"],
    }
    for command in commands.values():  # warm the byte-code cache
        _once(command, env)
    timings: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            timings[name].append(_once(command, env))
    medians = {name: statistics.median(values) for name, values in timings.items()}
    for name, values in timings.items():
        print(f"{name:30} median {medians[name]:6.1f} ms   min {min(values):6.1f} ms")
    gap = medians["with completion"] - medians["without completion"]
    verdict = "met" if gap <= GOAL_MS else "NOT met"
    print(f"completion costs {gap:+.1f} ms per run (goal <= {GOAL_MS:.0f} ms: {verdict})")


if __name__ == "__main__":
    main()
