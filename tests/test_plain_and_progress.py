"""Off a terminal every command prints plain text; on one, probe shows what it waits for."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

from conftest import CliResult
from migrate_support import copy_fixture
from probe_support import config, model, provider, write_config
from provider_servers import OLLAMA, ServerPool

Run = Callable[..., CliResult]

BOX = re.compile("[\u2500-\u257f]")  # box-drawing characters


def _ollama_config(tmp_path: Path, *urls: str) -> Path:
    providers = [
        provider(f"ollama_{i}", "ollama", url,
                 [model("nomic-embed-text", "embedding", 768), model("llama3.1:8b")],
                 priority=i + 1)
        for i, url in enumerate(urls)
    ]
    defaults = {"embedding": "nomic-embed-text", "chat_fast": "llama3.1:8b",
                "chat_smart": "llama3.1:8b"}
    return write_config(tmp_path / "config.yaml", config(*providers, default_models=defaults))


def test_probe_off_a_terminal_prints_tables_without_box_drawing(
    sekha: Run, servers: ServerPool, tmp_path: Path
) -> None:
    ollama = servers.start(OLLAMA, ["nomic-embed-text:latest", "llama3.1:8b"])
    _ollama_config(tmp_path, ollama.url)
    result = sekha("probe", "config.yaml", cwd=tmp_path)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "ollama_0" in result.stdout and "Routing of default_models" in result.stdout
    assert not BOX.search(result.stdout), result.stdout
    assert "\r" not in result.stderr  # no live progress in a log


def test_rollback_off_a_terminal_prints_plain_tables(sekha: Run, tmp_path: Path) -> None:
    directory = copy_fixture("examples/v1-basic", tmp_path)
    assert sekha("migrate", "--yes", cwd=directory).exit_code == 0
    listed = sekha("rollback", "--list", cwd=directory)
    restored = sekha("rollback", "--yes", cwd=directory)
    for result in (listed, restored):
        assert result.exit_code == 0, result.stderr
        assert not BOX.search(result.stdout), result.stdout
    assert "restored" in restored.stdout and "config.toml" in restored.stdout


def test_probe_tells_progress_as_providers_finish(servers: ServerPool, tmp_path: Path) -> None:
    import yaml

    from sekha_migrate.probe import probe_config
    from sekha_migrate.probe.runner import ProbeProgress
    from sekha_migrate.report.probe_progress import LiveProgress

    fast = servers.start(OLLAMA, ["nomic-embed-text:latest", "llama3.1:8b"])
    path = _ollama_config(tmp_path, fast.url, fast.url)
    seen: list[ProbeProgress] = []
    stream = io.StringIO()
    live = LiveProgress(stream)

    def both(progress: ProbeProgress) -> None:
        seen.append(progress)
        live(progress)

    probe_config(yaml.safe_load(path.read_text()), env={}, on_progress=both)
    live.close()
    assert seen[0].finished is None
    assert sorted(pid for pid, _ in seen[0].pending) == ["ollama_0", "ollama_1"]
    assert all(timeout > 0 for _, timeout in seen[0].pending)
    assert len(seen) == 3 and seen[-1].pending == ()
    assert {p.finished[0] for p in seen[1:] if p.finished} == {"ollama_0", "ollama_1"}
    text = stream.getvalue()
    assert "waiting for ollama_0 (" in text and "probed 2/2 providers" in text
    assert text.endswith("\r\x1b[K")  # the line is erased before the report


def test_progress_line_names_a_few_pending_providers_and_counts_the_rest() -> None:
    from sekha_migrate.probe.runner import ProbeProgress
    from sekha_migrate.report.probe_progress import progress_line

    pending = tuple((f"p{i}", 120.0) for i in range(6))
    line = progress_line(ProbeProgress(None, pending), total=40)
    assert line == (
        "probed 34/40; waiting for p0 (120 s), p1 (120 s), p2 (120 s), p3 (120 s), 2 more"
    )

