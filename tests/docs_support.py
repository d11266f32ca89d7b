"""Run the command examples of the docs and the README, as a reader would type them.

The convention (docs/dev/index.md says it for writers):
- every ```console block is run; each line starting with `$ ` is a command, and the lines up
  to the next command are its output (stdout; `2>&1` at the end adds stderr after it). A
  command alone, with no output under it, is run and only its exit code checked;
- `# exit N` at the end of a command line is the exit code it must give (default 0);
- `<!-- workdir: PATH -->` before blocks runs them, in order, in one fresh copy of PATH (a
  repository folder); before the first such marker commands run at the repository root and
  must not write there.
Outputs compare after volatile parts (ports, times, backup IDs, the work directory, which
reads as /srv/sekha) are normalised. `python tests/docs_support.py --update FILE...` rewrites
the outputs of a page from a real run.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKDIR_SHOWN = "/srv/sekha"
BLOCK = re.compile(r"^(?P<fence>```console\n)(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)
WORKDIR = re.compile(r"^<!-- workdir: (?P<path>\S+) -->$", re.MULTILINE)
EXIT = re.compile(r"\s+# exit (?P<code>\d+)$")
_VOLATILE = [
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r"\d{8}T\d{6}\.\d{6}Z"), "BACKUP-ID"),
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)?"), "TIME"),
    (re.compile(r"\d+(\.\d+)? ms\b"), "N ms"),
    (re.compile(r"file://\S*/sekha-config-v2\.schema\.json"), "file://SCHEMA"),
]

# (args, cwd) -> (exit code, stdout, stderr)
Runner = Callable[[list[str], Path], tuple[int, str, str]]


@dataclass(frozen=True)
class Example:
    page: str
    line: int
    command: str
    exit_code: int
    output: str | None  # None: not checked
    workdir: str | None  # a repository folder copied for the page's blocks after the marker
    span: tuple[int, int]  # where the output lines stand in the page text


def normalise(text: str, workdir: Path | None = None) -> str:
    if workdir is not None:
        text = text.replace(str(workdir), WORKDIR_SHOWN)
    text = text.replace(str(ROOT) + "/", "")
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def examples(page: Path) -> Iterator[Example]:
    text = page.read_text(encoding="utf-8")
    name = str(page.relative_to(ROOT))
    markers = [(m.start(), m["path"]) for m in WORKDIR.finditer(text)]
    for block in BLOCK.finditer(text):
        workdir = None
        for start, path in markers:
            if start < block.start():
                workdir = path
        offset = block.start("body")
        lines = block["body"].splitlines(keepends=True)
        commands = [i for i, line in enumerate(lines) if line.startswith("$ ")]
        assert commands and commands[0] == 0, f"{name}: a console block starts with `$ `"
        for n, index in enumerate(commands):
            end = commands[n + 1] if n + 1 < len(commands) else len(lines)
            command = lines[index][2:].rstrip("\n")
            code = EXIT.search(command)
            start = offset + sum(len(x) for x in lines[:index + 1])
            stop = offset + sum(len(x) for x in lines[:end])
            output = "".join(lines[index + 1:end])
            yield Example(name, text.count("\n", 0, offset) + index + 1,
                          EXIT.sub("", command), int(code["code"]) if code else 0,
                          output if output.strip() else None, workdir, (start, stop))


def run_example(example: Example, cwd: Path, runner: Runner) -> tuple[int, str]:
    """Run one command in cwd; returns its exit code and the output a reader sees."""
    words = shlex.split(example.command)
    with_stderr = words[-1:] == ["2>&1"]
    words = words[:-1] if with_stderr else words
    program, *args = words
    assert program in ("sekha", "sekha-migrate"), (
        f"{example.page}:{example.line}: only sekha commands go in ```console blocks")
    assert not any(w in ("|", ">", ">>", "&&", ";") for w in args), example.command
    code, out, err = runner(args, cwd)
    return code, out + (err if with_stderr else "")


def run_page(page: Path, runner: Runner, check: Callable[[Example, int, str, Path], None]
             ) -> None:
    """Run every example of a page in order, each workdir section in a fresh copy."""
    with tempfile.TemporaryDirectory() as tmp:
        copies: dict[str | None, Path] = {None: ROOT}
        current: str | None = None
        for example in examples(page):
            if example.workdir != current or example.workdir not in copies:
                current = example.workdir
                if current is not None:
                    target = Path(tmp) / f"w{len(copies)}" / "sekha"
                    shutil.copytree(ROOT / current, target)
                    copies[current] = target
            cwd = copies[example.workdir]
            code, output = run_example(example, cwd, runner)
            check(example, code, output, cwd)


def _cli_runner(args: list[str], cwd: Path) -> tuple[int, str, str]:
    from typer.testing import CliRunner

    from sekha_migrate.cli import app

    before = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, args, env={"NO_COLOR": "1", "COLUMNS": "160"},
                                    catch_exceptions=False)
    finally:
        os.chdir(before)
    return result.exit_code, result.stdout, result.stderr


def update(page: Path) -> None:
    """Rewrite the outputs of a page's examples with what the commands print now."""
    text = page.read_text(encoding="utf-8")
    replacements: list[tuple[tuple[int, int], str]] = []

    def record(example: Example, code: int, output: str, cwd: Path) -> None:
        shown = output.replace(str(cwd), WORKDIR_SHOWN).replace(str(ROOT) + "/", "")
        shown = re.sub(r"file://\S*/sekha-config-v2\.schema\.json",
                       "file:///…/sekha_migrate/data/sekha-config-v2.schema.json", shown)
        shown = "\n".join(line.rstrip() for line in shown.strip("\n").splitlines())
        if code != example.exit_code:
            print(f"{example.page}:{example.line}: exit {code}, "
                  f"not {example.exit_code}: {example.command}", file=sys.stderr)
        if example.output is not None:
            replacements.append((example.span, shown + "\n"))

    run_page(page, _cli_runner, record)
    for (start, stop), new in sorted(replacements, reverse=True):
        text = text[:start] + new + text[stop:]
    page.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:2] != ["--update"]:
        raise SystemExit("usage: python tests/docs_support.py --update FILE...")
    for name in sys.argv[2:]:
        update(Path(name).resolve())
