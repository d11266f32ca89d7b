"""--verbose says more on every command that has more to say."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import FIXTURES, write

Sekha = Callable[..., Any]


def test_migrate_verbose_lists_every_value_written_with_its_origin(sekha: Sekha) -> None:
    directory = str(FIXTURES / "examples" / "v1-basic")
    quiet = sekha("migrate", "--dry-run", "--no-env", "--dir", directory)
    loud = sekha("migrate", "--dry-run", "--no-env", "--dir", directory, "--verbose")
    assert "v2 values written" not in quiet.stderr
    assert "v2 values written" in loud.stderr
    assert any("$.server_port" in line and "config.toml:2" in line
               for line in loud.stderr.splitlines())
    assert "0123456789abcdef" not in loud.stderr  # the API key is masked here too


def test_probe_verbose_shows_the_configs_notes(sekha: Sekha, tmp_path: Path) -> None:
    text = (FIXTURES / "v2" / "valid" / "hybrid-ollama-openai.yaml").read_text()
    write(tmp_path / "config.yaml", text.replace("http://localhost:11434", "http://127.0.0.1:9"))
    plain = sekha("probe", "config.yaml", "--timeout", "0.5", cwd=tmp_path)
    verbose = sekha("probe", "config.yaml", "--timeout", "0.5", "--verbose", cwd=tmp_path)
    assert "[unresolved-variable]" not in plain.stdout
    assert "[unresolved-variable]" in verbose.stdout
