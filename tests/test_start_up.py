"""What start-up work was trimmed keeps its meaning: each cheaper spelling against the one it
replaced."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from yaml.reader import Reader

from sekha_migrate.dialects.yaml_text import _UNPRINTABLE, _double_quoted

EVERY_CHARACTER = "".join(map(chr, range(0x110000)))
YAML_LINE_BREAKS = "\x85\u2028\u2029"
VALID = Path(__file__).resolve().parents[1] / "fixtures/v2/valid/minimal-ollama-only.yaml"


def test_the_short_unprintable_list_is_exactly_what_pyyaml_refuses_and_its_line_breaks() -> None:
    refused = {m.start() for m in Reader.NON_PRINTABLE.finditer(EVERY_CHARACTER)}
    expected = sorted(refused | {ord(c) for c in YAML_LINE_BREAKS})
    assert [m.start() for m in _UNPRINTABLE.finditer(EVERY_CHARACTER)] == expected


def test_every_escaped_character_and_its_neighbours_read_back_unchanged() -> None:
    escaped = {m.start() for m in _UNPRINTABLE.finditer(EVERY_CHARACTER)}
    around = sorted({c + step for c in escaped for step in (-1, 0, 1)} & set(range(0x110000)))
    text = "".join(chr(c) for c in around if not 0xD800 <= c <= 0xDFFF)
    assert yaml.safe_load(_double_quoted(text)) == text


def test_a_run_answered_from_the_cache_loads_no_tempfile(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_bytes(VALID.read_bytes())
    first = _validate_reporting_tempfile(tmp_path)
    second = _validate_reporting_tempfile(tmp_path)
    assert (first.returncode, first.stderr) == (0, b"True\n")  # a miss writes the entry
    assert (second.returncode, second.stderr) == (0, b"False\n")


def _validate_reporting_tempfile(cwd: Path) -> subprocess.CompletedProcess[bytes]:
    code = (
        "import atexit, sys; atexit.register(lambda: print('tempfile' in sys.modules, "
        "file=sys.stderr)); sys.argv = ['sekha', 'validate', '-q', 'config.yaml']; "
        "from sekha_migrate.entry import main; main()"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEKHA")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, timeout=60)
