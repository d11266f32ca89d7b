"""The README's marked examples are real: each command runs and its output is the block.

A block is marked with `<!-- readme-run: COMMAND -->` (or `readme-run exit=N:`) on the line
before its fence. The command runs in-process from the repository root; volatile parts
(ports, times, absolute paths) are normalised on both sides; JSON blocks compare as data.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable

import pytest
from conftest import ROOT, CliResult

Sekha = Callable[..., CliResult]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MARKED = re.compile(
    r"^<!-- readme-run(?: exit=(?P<exit>\d+))?: (?P<command>.+?) -->\n"
    r"```(?P<lang>\w*)\n(?P<block>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)
EXAMPLES = [
    pytest.param(m["command"], int(m["exit"] or 0), m["lang"], m["block"], id=m["command"][:60])
    for m in MARKED.finditer(README)
]
_VOLATILE = [
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?Z?"), "TIME"),
    (re.compile(r"\d+(\.\d+)? ms\b"), "N ms"),
    (re.compile(r"file://\S*/sekha-config-v2\.schema\.json"), "file://SCHEMA"),
]


def normalise(text: str) -> str:
    text = text.replace(str(ROOT) + "/", "")
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def test_the_readme_marks_a_handful_of_examples() -> None:
    assert len(EXAMPLES) >= 4
    assert {str(p.values[0]).split()[1] for p in EXAMPLES} >= {"validate", "init"}


@pytest.mark.parametrize(("command", "exit_code", "lang", "block"), EXAMPLES)
def test_readme_example_output_is_real(
    sekha_inprocess: Sekha, command: str, exit_code: int, lang: str, block: str
) -> None:
    program, *args = shlex.split(command)
    assert program in ("sekha", "sekha-migrate")
    result = sekha_inprocess(*args, cwd=ROOT)
    assert result.exit_code == exit_code, result.stdout + result.stderr
    if lang == "json":
        assert json.loads(result.stdout) == json.loads(block)
    else:
        assert normalise(result.stdout) == normalise(block)
