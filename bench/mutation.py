"""Mutation-test the safety-critical modules, each with its own tests only.

    python bench/mutation.py                  # every module in bench/mutation_targets.toml
    python bench/mutation.py masking backup   # just these
    python bench/mutation.py masking --diff   # and print each surviving mutant's diff
    python bench/mutation.py --list           # the modules and their tests

mutmut 3 reads one configuration ([tool.mutmut] in pyproject.toml), so per module this
script runs mutmut in a child process whose configuration it narrows to that module
(`only_mutate`) and that module's tests (`pytest_add_cli_args_test_selection`), both
taken from bench/mutation_targets.toml. Each module starts from an empty mutants/
directory, so a run never reuses another module's (or an older checkout's) verdicts;
after a run, mutants/ holds the last module's results for `mutmut show NAME` and
`mutmut browse`.

A module's score is killed / tried: a mutant counts as killed when a test failed or
timed out with it, and as not killed when every test passed or no selected test reached
its function. A run stopped with Ctrl-C scores the mutants it checked. One worker by
default (--max-children): the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / "bench" / "mutation_targets.toml"
# mutmut's exit codes for a mutant (mutmut/stats.py): 1 and 3 a failing test, the
# others a timeout (SIGXCPU) or a kill by the CPU limit.
KILLED_CODES = {1, 3, 24, -24, 152, 255, 36, -9}
SURVIVED_CODES = {0}
NO_TESTS_CODES = {5, 33}


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    tests: tuple[str, ...]
    pytest_args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Score:
    target: Target
    killed: int
    tried: int
    survivors: tuple[str, ...]
    untested: tuple[str, ...]
    other: tuple[str, ...]
    not_checked: int  # a run stopped early (Ctrl-C) leaves these; they are not tried

    @property
    def percent(self) -> float:
        return 100.0 * self.killed / self.tried if self.tried else 0.0


def load_targets() -> dict[str, Target]:
    data = tomllib.loads(TARGETS.read_text(encoding="utf-8"))
    return {
        name: Target(name, entry["path"], tuple(entry["tests"]),
                     tuple(entry.get("pytest_args", ())))
        for name, entry in data["module"].items()
    }


def run_in_child(target: Target, max_children: int) -> None:
    """Runs inside the child process: mutmut with the configuration narrowed to `target`."""
    from mutmut import __main__ as mutmut_main
    from mutmut.configuration import config

    settings = config()
    settings.only_mutate = [target.path]
    settings.pytest_add_cli_args_test_selection = list(target.tests)
    settings.pytest_add_cli_args = [*settings.pytest_add_cli_args, *target.pytest_args]
    mutmut_main._run((), max_children)


def score_of(target: Target) -> Score:
    meta = ROOT / "mutants" / (target.path + ".meta")
    codes: dict[str, int | None] = json.loads(meta.read_text(encoding="utf-8"))[
        "exit_code_by_key"
    ]
    killed = sorted(name for name, code in codes.items() if code in KILLED_CODES)
    survived = sorted(name for name, code in codes.items() if code in SURVIVED_CODES)
    untested = sorted(name for name, code in codes.items() if code in NO_TESTS_CODES)
    other = sorted(
        f"{name} (exit {code})"
        for name, code in codes.items()
        if code is not None and code not in KILLED_CODES | SURVIVED_CODES | NO_TESTS_CODES
    )
    unchecked = sum(code is None for code in codes.values())
    return Score(target, len(killed), len(codes) - unchecked, tuple(survived), tuple(untested),
                 tuple(other), unchecked)


def run_target(target: Target, max_children: int) -> Score:
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    command = [sys.executable, __file__, "--child", target.name,
               "--max-children", str(max_children)]
    child = subprocess.Popen(command, cwd=ROOT)
    try:
        returncode = child.wait()
    except KeyboardInterrupt:  # mutmut stops its workers and saves what it checked
        returncode = child.wait()
    meta = ROOT / "mutants" / (target.path + ".meta")
    if returncode != 0 and not meta.exists():
        raise SystemExit(f"mutmut failed on {target.name} (exit {returncode})")
    return score_of(target)


def print_score(score: Score, *, diff: bool) -> None:
    print(f"\n{score.target.name} ({score.target.path}): "
          f"{score.killed}/{score.tried} killed ({score.percent:.0f} %)"
          + (f", {score.not_checked} not checked (stopped early)" if score.not_checked else ""))
    for title, names in (
        ("survived", score.survivors),
        ("no selected test reaches it", score.untested),
        ("other outcome", score.other),
    ):
        if names:
            print(f"  {title}:")
            for name in names:
                print(f"    {name}")
    if diff:
        for name in score.survivors + score.untested:
            # mutmut of this interpreter: the venv's bin/ need not be on PATH
            subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=ROOT,
                           check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="short names from mutation_targets.toml")
    parser.add_argument("--max-children", type=int, default=1)
    parser.add_argument("--diff", action="store_true", help="print each survivor's diff")
    parser.add_argument("--list", action="store_true", help="list the modules and stop")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    targets = load_targets()
    if options.child:
        run_in_child(targets[options.child], options.max_children)
        return 0
    if options.list:
        for target in targets.values():
            print(f"{target.name}: {target.path}\n  " + "\n  ".join(target.tests))
        return 0
    unknown = [name for name in options.modules if name not in targets]
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}; known: {', '.join(targets)}")
    scores = []
    for name in options.modules or targets:
        scores.append(run_target(targets[name], options.max_children))
        # now, while mutants/ still holds this module's mutants for --diff
        print_score(scores[-1], diff=options.diff)
    print("\nmodule        killed/tried")
    for score in scores:
        print(f"{score.target.name:<13} {score.killed}/{score.tried} ({score.percent:.0f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
