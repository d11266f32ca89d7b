"""What a short run of `sekha` costs, start-up included, in CPU time (issue 18's start-up goals).

Run: .venv/bin/python bench/bench_startup.py [--runs 21]
Needs the `bench` extra (check-jsonschema). Every figure is whole-process CPU (user + system
of the finished child, os.wait4), the median over the runs; commands alternate (A B A B ...),
so the machine's drift hits them alike:

  validate, 1 small file, cold (--no-cache) and warm (cache filled), each / check-jsonschema
      on the same file (goal: at most 0.30x cold)
  validate of the 500-file corpus with a warm cache / check-jsonschema (goal: at most 0.03x)
  migrate --dry-run of fixtures/examples/v1-basic (goal: at most 80 ms)
  sekha --version and sekha validate --help (for scale)
  shell completion: --version through the typer app with and without Typer's completion
      option (goal: it costs at most 10 ms)

The corpora are bench_corpora.py's (the same seeded bytes). On a shared machine wall time
varies by tens of ms; `valgrind --tool=callgrind` counts instructions repeatably.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_corpora import REFERENCE_SCHEMA, V1_EXAMPLE, _tool, measure

GOALS = {"validate 1 file, cold": 0.30, "validate 500 files, warm": 0.03}
MIGRATE_GOAL_S = 0.080
COMPLETION_GOAL_S = 0.010
# --version through the typer app (not the entry point's early answer), completion on or off.
VARIANT = (
    "import sys; sys.argv = ['sekha', '--version']\n"
    "import sekha_migrate.cli as cli\n"
    "cli.app._add_completion = {flag}\n"
    "cli.main()\n"
)


def _alternate(commands: dict[str, list[str]], cwd: Path, runs: int) -> dict[str, float]:
    """Median CPU seconds of each command, the commands run in turn."""
    for command in commands.values():  # warm the byte-code and page caches
        measure(command, cwd)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(measure(command, cwd)[0])
    return {name: statistics.median(values) for name, values in samples.items()}


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="runs of each command")
    args = parser.parse_args()
    sekha, check = _tool("sekha"), _tool("check-jsonschema")
    if not sekha or not check:
        sys.exit("sekha and check-jsonschema must be installed: pip install -e '.[bench]'")
    schema = str(REFERENCE_SCHEMA)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(Path(__file__).parent / "bench_corpora.py"),
                        "--keep", tmp], check=True, stdout=subprocess.DEVNULL)
        small, many = Path(tmp) / "small", Path(tmp) / "many"
        files = sorted(str(p) for p in many.iterdir())
        one = _alternate({
            "cold": [sekha, "validate", "--no-cache", "config.yaml"],
            "warm": [sekha, "validate", "config.yaml"],
            "check-jsonschema": [check, "--schemafile", schema, "config.yaml"],
        }, small, args.runs)
        corpus = _alternate({
            "warm": [sekha, "validate", "--quiet", *files],
            "check-jsonschema": [check, "--schemafile", schema, *files],
        }, many, max(3, args.runs // 4))
        alone = _alternate({
            "migrate --dry-run": [sekha, "migrate", "--dry-run", "--dir", str(V1_EXAMPLE)],
            "--version": [sekha, "--version"],
            "validate --help": [sekha, "validate", "--help"],
            "completion off": [sys.executable, "-c", VARIANT.format(flag=False)],
            "completion on": [sys.executable, "-c", VARIANT.format(flag=True)],
        }, Path(tmp), args.runs)
    ratios = {
        "validate 1 file, cold": (one["cold"], one["check-jsonschema"]),
        "validate 1 file, warm": (one["warm"], one["check-jsonschema"]),
        "validate 500 files, warm": (corpus["warm"], corpus["check-jsonschema"]),
    }
    for name, (ours, theirs) in ratios.items():
        goal = GOALS.get(name)
        said = f" (goal <= {goal:.2f}x: {_verdict(ours / theirs <= goal)})" if goal else ""
        print(f"{name:26} {ours:6.3f} s vs check-jsonschema {theirs:6.3f} s: "
              f"{ours / theirs:.3f}x{said}")
    migrate = alone["migrate --dry-run"]
    print(f"{'migrate --dry-run':26} {migrate:6.3f} s "
          f"(goal <= {MIGRATE_GOAL_S:.3f} s: {_verdict(migrate <= MIGRATE_GOAL_S)})")
    for name in ("--version", "validate --help"):
        print(f"{name:26} {alone[name]:6.3f} s")
    gap = alone["completion on"] - alone["completion off"]
    print(f"{'shell completion costs':26} {gap * 1000:+6.1f} ms per run "
          f"(goal <= {COMPLETION_GOAL_S * 1000:.0f} ms: {_verdict(gap <= COMPLETION_GOAL_S)})")


if __name__ == "__main__":
    main()
