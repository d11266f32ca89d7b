"""Time masking a v1 YAML holding 16,000 secrets (goal: under 2 s; it was 180 s when every
text was searched once per secret).

Run: .venv/bin/python bench/bench_masking.py [count]
Timings: building the one masker over every secret (and the forms it may be echoed in);
masking every text a migration report shows (each key name and value, with every secret known);
the whole `sekha migrate --dry-run --verbose --report` process on that file, for scale; and
the same process on a .env holding 10,000 secret-named variables.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = 2.0


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 16_000
    keys = [f"sk-{secrets.token_urlsafe(32)}" for _ in range(count)]
    with tempfile.TemporaryDirectory() as temp:
        project = Path(temp)
        lines = ["server_port: 8080", "ollama_url: http://ollama:11434", "additional_api_keys:"]
        lines += [f"  - {key}" for key in keys]
        (project / "config.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        size = (project / "config.yaml").stat().st_size
        print(f"v1 config.yaml with {count} additional_api_keys ({size // 1024} KB)")
        _time_masking(keys)
        _time_process(project)
    with tempfile.TemporaryDirectory() as temp:
        project = Path(temp)
        (project / "config.toml").write_text("server_port = 8080\n", encoding="utf-8")
        names = [f"APP_{index}_PASSWORD={secrets.token_urlsafe(24)}" for index in range(10_000)]
        (project / ".env").write_text("\n".join(names) + "\n", encoding="utf-8")
        print(".env with 10,000 secret-named variables (it took 53 s)")
        _time_process(project)


def _time_masking(keys: list[str]) -> None:
    from sekha_migrate.model.masking import _MASKERS, SecretMasker, mask_text

    known = frozenset(keys)
    start = time.perf_counter()
    SecretMasker(known)
    built = time.perf_counter() - start
    texts = [f"additional_api_keys[{index}] = {key}" for index, key in enumerate(keys)]
    start = time.perf_counter()
    _MASKERS.clear()
    shown = [mask_text(text, known) for text in texts]
    masked = time.perf_counter() - start
    assert not any(key in text for key, text in zip(keys, shown, strict=True))
    print(f"  building the masker: {built:.2f} s")
    verdict = "met" if masked < GOAL_SECONDS else "NOT met"
    print(f"  masking {len(texts)} texts with every secret known (masker built once, "
          f"included): {masked:.2f} s   goal < {GOAL_SECONDS:.0f} s: {verdict}")


def _time_process(project: Path) -> None:
    sekha = Path(sys.executable).parent / "sekha"
    command = [str(sekha), "migrate", "--dry-run", "--verbose", "--no-env",
               "--report", str(project / "report.json")]
    env = {**os.environ, "NO_COLOR": "1"}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    print(f"  whole `sekha migrate --dry-run --verbose --report` process: {elapsed:.2f} s "
          f"(exit {done.returncode})")


if __name__ == "__main__":
    main()
