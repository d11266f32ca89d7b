"""`sekha migrate --emit k8s`: the v2 file as the config.yaml entry of a ConfigMap that says
where the controller reads it, the keys as a Secret it names (never inside the ConfigMap),
both backed up and rolled back like any other output."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from functools import partial
from pathlib import Path

from conftest import CliResult

from sekha_migrate import plan_migration
from sekha_migrate.sources.k8s_doc import configmap_entries
from sekha_migrate.sources.yaml_doc import load_yaml
from sekha_migrate.validate.engine import validate_file

Sekha = Callable[..., CliResult]
KEY = "k" * 20 + "0123456789abcdef0123456789abcdef"
OPENAI = "sk-abcdefghijklmnopqrstuvwxyz123456"


def project(tmp_path: Path) -> Path:
    (tmp_path / "config.toml").write_text(
        'server_host = "0.0.0.0"\nollama_url = "http://ollama:11434"\n'
        f'chroma_url = "http://chroma:8000"\nmcp_api_key = "{KEY}"\n')
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={OPENAI}\n")
    return tmp_path


def entry_of(path: Path) -> str:
    text = path.read_text()
    loaded = load_yaml(text)
    [entry] = configmap_entries(loaded.data, text, partial(loaded.mark_for, prefer_key=True))
    assert entry.name == "config.yaml"
    return entry.text


def test_the_configmap_holds_the_v2_file_and_the_secret_its_keys(tmp_path: Path,
                                                                 sekha: Sekha) -> None:
    directory = project(tmp_path)
    v2 = plan_migration(sources=[directory / "config.toml", directory / ".env"],
                        externalize_secrets=True,
                        output=directory / "sekha-configmap.yaml",
                        secrets_file=directory / "sekha-secret.yaml")
    result = sekha("migrate", "--emit", "k8s", "--yes", cwd=directory)
    assert result.exit_code == 0
    configmap, secret = directory / "sekha-configmap.yaml", directory / "sekha-secret.yaml"
    assert entry_of(configmap) == v2.text
    assert KEY not in configmap.read_text()
    assert OPENAI not in configmap.read_text()
    assert secret.read_text().splitlines()[-3:] == [
        "stringData:", f'  SEKHA__MCP_API_KEY: "{KEY}"', f'  OPENAI_API_KEY: "{OPENAI}"']
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
    assert not (directory / "config.yaml").exists()


def test_the_configmap_says_where_to_mount_it_and_validates_clean(tmp_path: Path,
                                                                  sekha: Sekha) -> None:
    directory = project(tmp_path)
    assert sekha("migrate", "--emit", "k8s", "--yes", cwd=directory).exit_code == 0
    text = (directory / "sekha-configmap.yaml").read_text()
    assert text.splitlines()[3] == (
        "#     - {name: sekha-config, mountPath: /app/config.yaml, subPath: config.yaml}")
    result = validate_file(directory / "sekha-configmap.yaml",
                           env={"OPENAI_API_KEY": OPENAI})
    assert [f.code for f in result.findings] == []


def test_what_it_wrote_is_backed_up_and_rolled_back(tmp_path: Path, sekha: Sekha) -> None:
    directory = project(tmp_path)
    before = sorted(p.name for p in directory.iterdir())
    assert sekha("migrate", "--emit", "k8s", "--yes", cwd=directory).exit_code == 0
    assert sekha("migrate", "--emit", "k8s", "--check", cwd=directory).exit_code == 0
    result = sekha("rollback", "--yes", cwd=directory)
    assert result.exit_code == 0
    assert sorted(p.name for p in directory.iterdir() if p.name != ".sekha-backups") == before


def test_a_password_that_would_land_in_the_configmap_is_refused(tmp_path: Path,
                                                                 sekha: Sekha) -> None:
    (tmp_path / "config.toml").write_text(
        'ollama_url = "http://user:s3cretpass@ollama:11434"\n'
        f'mcp_api_key = "{KEY}"\n')
    result = sekha("migrate", "--emit", "k8s", "--yes", cwd=tmp_path)
    assert result.exit_code == 1
    assert [line for line in result.stdout.splitlines() if "[secret-in-configmap]" in line] == [
        "sekha-configmap.yaml: error: the configuration holds a key or a URL password as "
        "text, which would be written into the ConfigMap, readable by whoever may read the "
        "namespace [secret-in-configmap]"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]
