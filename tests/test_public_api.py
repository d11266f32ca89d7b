"""The public API as a user's script uses it: only names from `sekha_migrate`, typed."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

import sekha_migrate

CLIENT = '''\
from __future__ import annotations

import sys
from pathlib import Path

import sekha_migrate as sm

work = Path(sys.argv[1])
run: sm.ValidationRun = sm.validate_paths([Path(sys.argv[2]), sys.argv[3]])
assert [f.target for f in run.files] == ["bridge", "docker"], run
assert all(f.valid for f in run.files)

cfg: sm.SekhaConfig = sm.load_config(Path(sys.argv[2]))
assert cfg.dialect == "bridge" and [p.id for p in cfg.providers] == ["ollama"]
docker_text: str = sm.dump_config(cfg, target="docker")
assert sm.validate_text(docker_text).valid

plan: sm.MigrationPlan = sm.plan_migration(sources=[work / "config.toml", str(work / ".env")],
                                           directory=work, target="docker")
assert plan.valid and plan.text.startswith("# Sekha configuration")
result: sm.ApplyResult = sm.apply_plan(plan)
assert result.status is sm.ApplyStatus.WRITTEN and (work / "config.yaml").is_file()
undone: sm.RollbackResult = sm.rollback(work)
assert not (work / "config.yaml").exists(), undone

probed: sm.ProbeResult = sm.probe_file(sys.argv[3], env={}, timeout=0.5)
assert len(probed.providers) >= 1
try:
    sm.validate_paths([str(work / "no-such-directory") + "/"])
except sm.UsageError as exc:
    print("usage error:", exc)
print("ok")
'''


def test_every_public_name_resolves_and_is_documented() -> None:
    for name in sekha_migrate.__all__:
        value = getattr(sekha_migrate, name)
        if name != "__version__":
            assert (value.__doc__ or "").strip(), f"{name} has no docstring"
    assert sorted(sekha_migrate.__all__) == dir(sekha_migrate)


def test_the_package_is_marked_typed() -> None:
    assert (ROOT / "sekha_migrate" / "py.typed").is_file()


def _client(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    shutil.copytree(FIXTURES / "examples" / "v1-basic", work)
    script = tmp_path / "client.py"
    script.write_text(CLIENT, encoding="utf-8")
    return script


def test_a_client_script_runs_with_only_public_names(tmp_path: Path) -> None:
    script = _client(tmp_path)
    docker = tmp_path / "docker.yaml"
    text = (FIXTURES / "v2" / "valid" / "minimal-ollama-only.yaml").read_text()
    docker.write_text(text.replace("http://localhost:11434", "http://127.0.0.1:9"))
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "work"),
         str(FIXTURES / "reference" / "bridge-config.yaml.example"), str(docker)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "ok"


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_a_client_script_type_checks_under_mypy_strict(tmp_path: Path) -> None:
    script = _client(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(script)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_docs_python_api_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    block = page.split("<!-- python-api-example -->\n```python\n", 1)[1].split("```", 1)[0]
    work = tmp_path / "work"
    shutil.copytree(FIXTURES / "examples" / "v1-basic", work)
    before = {p.name: p.read_bytes() for p in work.iterdir()}
    monkeypatch.chdir(work)
    exec(compile(block, "docs/api.md", "exec"), {})
    assert {p.name: p.read_bytes() for p in work.iterdir() if p.is_file()} == before
