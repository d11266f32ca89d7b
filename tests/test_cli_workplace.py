"""Where operators work: the two program names, init, migrate --check, --help examples,
shared flags on every command, completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, CliResult, write
from migrate_support import copy_fixture, tree_bytes

from sekha_migrate import __version__

Sekha = Callable[..., CliResult]
BIN = Path(sys.executable).parent
COMMANDS = ["validate", "schema", "rollback", "probe", "migrate", "init"]


# ---- names ----------------------------------------------------------------------------------


def test_sekha_migrate_runs_beside_another_packages_sekha(tmp_path: Path) -> None:
    # sekha-cli's `sekha` first on the PATH, as after `pip install sekha-cli`.
    other = write(tmp_path / "bin" / "sekha", "#!/bin/sh\necho 'No such command' >&2; exit 2\n")
    other.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{BIN}{os.pathsep}/usr/bin:/bin"}
    mine = subprocess.run(["sekha-migrate", "--version"], capture_output=True, text=True,
                          env=env, timeout=60)
    assert (mine.returncode, mine.stdout) == (0, f"sekha-migrate {__version__}\n")
    theirs = subprocess.run(["sekha", "--version"], capture_output=True, text=True, env=env,
                            timeout=60)
    assert theirs.returncode == 2  # untouched: the two packages no longer fight over a name


def test_python_dash_m_names_itself_sekha_migrate() -> None:
    proc = subprocess.run([sys.executable, "-m", "sekha_migrate", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (0, f"sekha-migrate {__version__}\n")


def test_sekha_keeps_its_own_name(sekha: Sekha) -> None:
    assert sekha("--version").stdout == f"sekha {__version__}\n"


@pytest.mark.parametrize(
    ("argv0", "name"),
    [
        ("/usr/bin/sekha", "sekha"),
        ("/venv/bin/sekha-migrate", "sekha-migrate"),
        ("C:\\venv\\Scripts\\sekha-migrate.exe", "sekha-migrate"),
        ("/site-packages/sekha_migrate/__main__.py", "sekha-migrate"),
        ("anything-else", "sekha"),
    ],
)
def test_program_name_follows_argv0(argv0: str, name: str) -> None:
    from sekha_migrate.cli import program_name

    assert program_name(argv0.replace("\\", "/")) == name


def test_the_pre_commit_hook_runs_sekha_migrate() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert all(hook["entry"].startswith("sekha-migrate ") for hook in hooks)


# ---- every command ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_examples_and_the_shared_flags(
    sekha_inprocess: Sekha, command: str
) -> None:
    result = sekha_inprocess(command, "--help")
    assert result.exit_code == 0
    assert "Examples:\n    sekha-migrate " + command in result.stdout
    for flag in ("--quiet", "--verbose", "--color [auto|always|never]"):
        assert flag in result.stdout.replace("<", "[").replace(">", "]").replace("|", "|")


def test_quiet_silences_a_report_but_not_the_exit_code(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    directory = copy_fixture("examples/v1-basic", tmp_path)
    loud = sekha_inprocess("migrate", "--yes", "--dir", str(directory))
    assert loud.exit_code == 0 and "Wrote" in loud.stdout
    quiet = sekha_inprocess("rollback", "--yes", "--quiet", "--dir", str(directory))
    assert (quiet.exit_code, quiet.stdout) == (0, "")
    assert not (directory / "config.yaml").exists()
    init = sekha_inprocess("init", "--template", "minimal", "-q", "-o", str(directory / "new.yaml"))
    assert (init.exit_code, init.stdout, init.stderr) == (0, "", "")


def test_completion_is_offered(sekha_inprocess: Sekha) -> None:
    result = sekha_inprocess("--help")
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout


def test_show_completion_prints_a_script_for_the_name_used(tmp_path: Path) -> None:
    env = {**os.environ, "SHELL": "/bin/bash"}
    proc = subprocess.run([str(BIN / "sekha-migrate"), "--show-completion", "bash"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "_SEKHA_MIGRATE_COMPLETE" in proc.stdout


# ---- init -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "types"),
    [
        ("minimal", ["ollama"]),
        ("hybrid", ["ollama", "openai"]),
        ("full", ["ollama", "openrouter", "openai", "anthropic"]),
    ],
)
def test_init_writes_a_config_that_validates_strictly(
    sekha_inprocess: Sekha, tmp_path: Path, template: str, types: list[str]
) -> None:
    result = sekha_inprocess("init", "--template", template, "--target", "docker", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "Wrote config.yaml" in result.stderr
    text = (tmp_path / "config.yaml").read_text()
    document = yaml.safe_load(text)
    assert [p["type"] for p in document["llm_providers"]] == types
    for provider in document["llm_providers"]:
        if provider["type"] != "ollama":
            assert provider["api_key"] == f"${{{provider['type'].upper()}_API_KEY}}"
    embedding = next(m for p in document["llm_providers"] for m in p["models"]
                     if m["task"] == "embedding")
    assert (embedding["model_id"], embedding["dimension"]) == ("nomic-embed-text", 768)
    assert text.startswith('# Sekha configuration, format "2.0"')  # no copy of the schema here
    assert text.count("\n# ") >= 4  # commented
    checked = sekha_inprocess("validate", "--strict", "config.yaml", cwd=tmp_path)
    assert checked.exit_code == 0, checked.stdout


def test_init_never_overwrites_without_force(sekha_inprocess: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", "mine\n")
    refused = sekha_inprocess("init", "--template", "minimal", cwd=tmp_path)
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert (tmp_path / "config.yaml").read_text() == "mine\n"
    forced = sekha_inprocess("init", "--template", "minimal", "--force", cwd=tmp_path)
    assert forced.exit_code == 0 and "llm_providers" in (tmp_path / "config.yaml").read_text()


def test_init_without_a_template_off_a_terminal_is_a_usage_error(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    result = sekha_inprocess("init", cwd=tmp_path)
    assert result.exit_code == 2 and "--template" in result.stderr
    assert not (tmp_path / "config.yaml").exists()


def _written(stdout: str) -> str:
    """The YAML, without the answers the test runner echoes as a terminal would."""
    return stdout[stdout.index("# Sekha configuration"):]


def test_init_on_a_terminal_asks_for_providers_and_models(
    sekha_inprocess: Sekha, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sekha_migrate.commands import init

    monkeypatch.setattr(init, "stdin_is_terminal", lambda: True)
    answers = "ollama, anthropic\nmxbai-embed-large\nqwen2.5:7b\n"
    result = sekha_inprocess("init", "-o", "-", input=answers, cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    document = yaml.safe_load(_written(result.stdout))
    models = {m["model_id"]: m for p in document["llm_providers"] for m in p["models"]}
    assert models["mxbai-embed-large"]["dimension"] == 1024  # from the model table
    assert "qwen2.5:7b" in models
    assert [p["type"] for p in document["llm_providers"]] == ["ollama", "anthropic"]


def test_init_asks_the_dimension_of_a_model_the_table_lacks(
    sekha_inprocess: Sekha, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sekha_migrate.commands import init

    monkeypatch.setattr(init, "stdin_is_terminal", lambda: True)
    result = sekha_inprocess("init", "-o", "-", input="ollama\nmy-embedder\n\n512\n",
                             cwd=tmp_path)
    models = yaml.safe_load(_written(result.stdout))["llm_providers"][0]["models"]
    assert models[0] == {"model_id": "my-embedder", "task": "embedding",
                         "context_window": 8192, "dimension": 512}


def test_init_refuses_providers_without_embeddings(
    sekha_inprocess: Sekha, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sekha_migrate.commands import init

    monkeypatch.setattr(init, "stdin_is_terminal", lambda: True)
    # Said as soon as it is answered, and asked again; the input ends there: nothing written.
    result = sekha_inprocess("init", "-o", "-", input="anthropic\n", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-3:] == [
        "Providers, in order of priority (ollama, openai, anthropic, openrouter) [ollama]:  "
        "embeddings need ollama or openai among the providers: add one",
        "Providers, in order of priority (ollama, openai, anthropic, openrouter) [anthropic, "
        "ollama]:",
        "sekha: no answer (the input ended); stopped before doing it"]
    assert result.stdout.strip() == "anthropic"  # the runner's echo of the answer; no YAML


@pytest.mark.parametrize("template", ["minimal", "hybrid", "full"])
@pytest.mark.parametrize(("target", "name"), [("docker", "config.yaml"),
                                              ("bridge", "config.yaml"), ("env", "sekha.env")])
def test_init_writes_a_valid_config_for_every_template_and_dialect(
    sekha_inprocess: Sekha, tmp_path: Path, template: str, target: str, name: str
) -> None:
    from sekha_migrate.schema import SCHEMA_FILES
    from sekha_migrate.validate.engine import validate_file

    for dialect, schema in SCHEMA_FILES.items():  # the repository's copies, for the modeline
        sekha_inprocess("schema", "-t", dialect, "--output", f"schema/{schema}", cwd=tmp_path)
    result = sekha_inprocess("init", "--template", template, "--target", target, cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    checked = validate_file(tmp_path / name)
    assert (checked.target, checked.valid) == (target, True), checked.findings
    assert not [f for f in checked.findings if f.severity.value == "warning"]
    first = (tmp_path / name).read_text().splitlines()[0]
    if target != "env":
        assert first == f"# yaml-language-server: $schema=./schema/{SCHEMA_FILES[target]}"
    else:
        assert not first.startswith("# yaml-language-server")


def test_init_schema_url_goes_into_the_modeline(sekha_inprocess: Sekha, tmp_path: Path) -> None:
    url = "https://example.invalid/sekha-config-v2.schema.json"
    result = sekha_inprocess("init", "--template", "minimal", "-o", "-", "--schema-url", url)
    assert result.stdout.splitlines()[0] == f"# yaml-language-server: $schema={url}"


# ---- migrate --check, --diff, modeline ------------------------------------------------------


def test_migrate_check_fails_until_written_then_passes(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    directory = copy_fixture("examples/v1-basic", tmp_path)
    before = tree_bytes(directory)
    stale = sekha_inprocess("migrate", "--check", "--dir", str(directory))
    assert stale.exit_code == 1 and "would change" in stale.stderr
    assert tree_bytes(directory) == before  # --check writes nothing
    assert sekha_inprocess("migrate", "--yes", "--dir", str(directory)).exit_code == 0
    fresh = sekha_inprocess("migrate", "--check", "--dir", str(directory))
    assert fresh.exit_code == 0 and "up to date" in fresh.stdout
    (directory / "config.toml").write_text(
        (directory / "config.toml").read_text().replace("8080", "8081")
    )
    assert sekha_inprocess("migrate", "--check", "--dir", str(directory)).exit_code == 1


def test_migrate_diff_dry_run_exits_0_when_there_is_no_difference(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    directory = copy_fixture("examples/v1-basic", tmp_path)
    sekha_inprocess("migrate", "--yes", "--dir", str(directory))
    same = sekha_inprocess("migrate", "--diff", "--dry-run", "--dir", str(directory))
    assert same.exit_code == 0


def test_migrate_writes_the_modeline_with_the_given_schema_url(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    directory = copy_fixture("examples/v1-basic", tmp_path)
    url = "https://example.invalid/schema.json"
    result = sekha_inprocess("migrate", "--dry-run", "--schema-url", url, "--dir", str(directory))
    assert result.stdout.splitlines()[0] == f"# yaml-language-server: $schema={url}"
    # Without a URL and without a copy of the schema in the repository: no modeline at all,
    # never the schema inside this tool's installation.
    default = sekha_inprocess("migrate", "--dry-run", "--dir", str(directory))
    assert not default.stdout.startswith("# yaml-language-server")
    assert "site-packages" not in default.stdout
    assert "file://" not in default.stdout


@pytest.mark.parametrize(("fixture", "remaining"), [
    # OPENAI_API_KEY stays in the .env, referred to as ${OPENAI_API_KEY}: a note only.
    ("examples/v1-basic", ["unresolved-variable"]),
    ("env-forms", []),
    # config-rs reads no list from a variable: the extra keys can only be in the file.
    ("flat-toml", ["literal-secret"]),
    # v1-yaml sets no key: v1 ran with the public default key, and so would v2.
    ("v1-yaml", ["public-default-key"]),
])
def test_the_hooks_strict_run_passes_what_migrate_writes_with_externalized_secrets(
    sekha_inprocess: Sekha, tmp_path: Path, fixture: str, remaining: list[str]
) -> None:
    directory = copy_fixture(fixture, tmp_path)
    written = sekha_inprocess("migrate", "--yes", "--externalize-secrets", "--dir", str(directory))
    assert written.exit_code == 0, written.stdout + written.stderr
    # As the next steps say: no v1 config.* beside config.yaml, or the controller reads that.
    for v1_file in directory.glob("config.toml"):
        v1_file.unlink()
    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    args = [*hook["entry"].split()[1:], "--strict", "--format", "json",
            str(directory / "config.yaml")]
    checked = sekha_inprocess(*args)
    codes = [f["code"] for f in json.loads(checked.stdout)["files"][0]["findings"]]
    assert codes == remaining
    failing = {"literal-secret", "public-default-key"} & set(remaining)
    assert checked.exit_code == (1 if failing else 0), checked.stdout


def test_migrate_keeps_the_outputs_modeline_so_check_passes_on_another_machine(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    directory = copy_fixture("examples/v1-basic", tmp_path)
    assert sekha_inprocess("migrate", "--yes", "--dir", str(directory)).exit_code == 0
    output = directory / "config.yaml"
    # As written on a developer's machine, whose virtualenv lives elsewhere.
    elsewhere = "file:///home/dev/.venv/sekha_migrate/data/sekha-config-v2.schema.json"
    lines = output.read_text().splitlines(keepends=True)
    output.write_text(f"# yaml-language-server: $schema={elsewhere}\n" + "".join(lines))
    assert sekha_inprocess("migrate", "--check", "--dir", str(directory)).exit_code == 0
    url = "https://example.invalid/schema.json"
    changed = sekha_inprocess("migrate", "--check", "--schema-url", url, "--dir", str(directory))
    assert changed.exit_code == 1
