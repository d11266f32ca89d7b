"""How long `sekha validate` takes next to `check-jsonschema`, the tool a user would otherwise run.

Both validate the same files: one file, then 500 files in one invocation. Runs alternate
between the two tools so that machine noise hits both alike; the medians and their ratio
are printed. check-jsonschema gets the reference schema it would be given in practice.

    pip install -e '.[bench]' && python bench/bench_validate.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_SCHEMA = ROOT / "fixtures" / "reference" / "sekha-config-schema.json"
EXAMPLE = ROOT / "fixtures" / "reference" / "docker-config.yaml.example"


def _tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        sys.exit(f"{name} is not installed; run: pip install -e '.[bench]'")
    return found


def _make_files(directory: Path, count: int) -> list[Path]:
    """`count` valid, distinct configurations (the example with literal keys filled in)."""
    text = EXAMPLE.read_text(encoding="utf-8").replace("${SEKHA_API_KEY}", "k" * 40)
    files = []
    for index in range(count):
        path = directory / f"config-{index:03d}.yaml"
        path.write_text(text.replace("server_port: 8080", f"server_port: {8080 + index}"))
        files.append(path)
    return files


# Both tools run as installed tools do: with their bytecode cached (pip compiles it at
# install). A shell with PYTHONDONTWRITEBYTECODE=1 would time compiling our source instead.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(command: list[str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, env=ENV)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{command[0]} failed ({result.returncode}):\n{result.stdout.decode()[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each tool per case")
    args = parser.parse_args()
    sekha, check = _tool("sekha"), _tool("check-jsonschema")
    with tempfile.TemporaryDirectory() as tmp:
        files = [str(p) for p in _make_files(Path(tmp), 500)]
        cases = {"1 file": files[:1], "500 files": files}
        print(f"{'case':<10} {'sekha validate':>15} {'check-jsonschema':>17} {'ratio':>7}")
        _time([sekha, "validate", "--quiet", *files[:1]])  # warm-up: write the bytecode caches
        _time([check, "--schemafile", str(REFERENCE_SCHEMA), *files[:1]])
        for case, paths in cases.items():
            ours: list[float] = []
            theirs: list[float] = []
            for _ in range(args.runs):
                ours.append(_time([sekha, "validate", "--quiet", *paths]))
                theirs.append(_time([check, "--schemafile", str(REFERENCE_SCHEMA), *paths]))
            a, b = statistics.median(ours), statistics.median(theirs)
            print(f"{case:<10} {a:>14.3f}s {b:>16.3f}s {a / b:>7.2f}")


if __name__ == "__main__":
    main()
