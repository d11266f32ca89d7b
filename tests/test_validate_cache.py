"""validate's result cache (sekha_migrate/validate/cache.py): a warm run says exactly what a
cold one says, and every part of what a verdict depends on, changed alone, misses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, CliResult

from sekha_migrate.validate import cache as cache_module

CACHE = ".sekha-migrate-cache"
PLACEHOLDERS = FIXTURES / "v2" / "valid" / "placeholders-everywhere.yaml"
LITERAL_KEY = FIXTURES / "v2" / "invalid" / "literal-api-key.yaml"
NO_MCP_KEY = FIXTURES / "v2" / "invalid" / "no-mcp-key.yaml"

Sekha = Callable[..., CliResult]


@pytest.fixture(autouse=True)
def cache_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache_module.DISABLE_VARIABLE, raising=False)


def _entries(directory: Path) -> set[str]:
    """The keys of every entry in the cache (one file per tool and settings)."""
    return {key for p in (directory / CACHE).glob("results-*.json")
            for key in json.loads(p.read_text())["entries"]}


def _project(tmp_path: Path) -> Path:
    shutil.copy(PLACEHOLDERS, tmp_path / "config.yaml")
    return tmp_path


def test_a_warm_run_prints_what_a_cold_one_and_an_uncached_one_print(
    tmp_path: Path, sekha: Sekha
) -> None:
    shutil.copytree(FIXTURES / "v2", tmp_path / "v2")
    for fmt in ("text", "json"):
        shutil.rmtree(tmp_path / CACHE, ignore_errors=True)
        uncached = sekha("validate", "--no-cache", "-f", fmt, "v2", cwd=tmp_path)
        assert not (tmp_path / CACHE).exists()
        cold = sekha("validate", "-f", fmt, "v2", cwd=tmp_path)
        entries = _entries(tmp_path)
        warm = sekha("validate", "-f", fmt, "v2", cwd=tmp_path)
        assert _entries(tmp_path) == entries  # every file answered from its entry
        assert cold == uncached
        assert warm == uncached
        assert uncached.exit_code == 1


def test_a_skipped_file_is_skipped_from_its_entry_too(tmp_path: Path, sekha: Sekha) -> None:
    (tmp_path / "config.yaml").write_text("log_level: info\nfoo: 1\n")
    for fmt in ("text", "json"):
        args = ("validate", "--skip-non-sekha", "-f", fmt, "config.yaml")
        uncached = sekha(args[0], "--no-cache", *args[1:], cwd=tmp_path)
        cold = sekha(*args, cwd=tmp_path)
        warm = sekha(*args, cwd=tmp_path)
        assert len(_entries(tmp_path)) == 1
        assert cold == uncached
        assert warm == uncached
    assert json.loads(uncached.stdout)["files"][0]["skipped"] == (
        "not a Sekha file: no key only Sekha uses (log_level is common names); foo is not "
        "Sekha's")


def test_an_edited_file_replaces_its_entry(tmp_path: Path, sekha: Sekha) -> None:
    project = _project(tmp_path)
    for edit in range(3):
        with (project / "config.yaml").open("a") as stream:
            stream.write(f"# edit {edit}\n")
        sekha("validate", "config.yaml", cwd=project)
    assert len(_entries(project)) == 1


def test_a_warm_run_checks_no_file_again(
    tmp_path: Path, sekha: Sekha, monkeypatch: pytest.MonkeyPatch
) -> None:
    for fixture in (PLACEHOLDERS, LITERAL_KEY, NO_MCP_KEY):
        shutil.copy(fixture, tmp_path / fixture.name)
    args = ("validate", "-f", "json", "--strict", *(f.name for f in (PLACEHOLDERS, LITERAL_KEY,
                                                                     NO_MCP_KEY)))
    env = {"OPENAI_API_KEY": "sk-" + "k" * 40, "SEKHA__MCP_API_KEY": "m" * 40}
    cold = sekha(*args, cwd=tmp_path, env=env)
    from sekha_migrate.validate import engine

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a file answered from the cache was checked again")

    monkeypatch.setattr(engine, "validate_file", refuse)
    assert sekha(*args, cwd=tmp_path, env=env) == cold
    assert cold.exit_code == 1


DEPLOYMENTS = FIXTURES / "deployments"
NEVER_CACHED = {  # their verdicts read other files (env files, mounts, the chart's templates)
    "docker-compose.yml": DEPLOYMENTS / "v2-compose" / "docker-compose.v2.yml",
    "stack.yaml": DEPLOYMENTS / "v2-compose" / "docker-compose.v2.yml",  # known by `services`
    "compose.yaml": PLACEHOLDERS,  # known by its name alone
    "values.yaml": DEPLOYMENTS / "helm-623ee60" / "sekha-controller" / "values.yaml",
    "deployment.yaml": DEPLOYMENTS / "k8s-b7dc0d3" / "deployment.yaml",
    "configmap.yaml": DEPLOYMENTS / "helm-623ee60" / "sekha-controller" / "templates"
    / "configmap.yaml",
}


@pytest.mark.parametrize("name", sorted(NEVER_CACHED))
def test_a_file_whose_verdict_reads_other_files_is_never_cached(
    name: str, tmp_path: Path, sekha: Sekha
) -> None:
    shutil.copy(NEVER_CACHED[name], tmp_path / name)
    _check_never_cached(name, tmp_path, sekha)


def test_a_helm_template_is_never_cached(tmp_path: Path, sekha: Sekha) -> None:
    # Refused when named, skipped when met in a walk: its verdict is not its bytes alone.
    (tmp_path / "config.yaml").write_text("llm_providers: {{ .Values.providers }}\n")
    _check_never_cached("config.yaml", tmp_path, sekha)


def _check_never_cached(name: str, tmp_path: Path, sekha: Sekha) -> None:
    uncached = sekha("validate", "--no-cache", "-f", "json", name, cwd=tmp_path)
    assert sekha("validate", "-f", "json", name, cwd=tmp_path) == uncached
    assert _entries(tmp_path) == set()


def test_a_forced_dialect_caches_any_file(tmp_path: Path, sekha: Sekha) -> None:
    shutil.copy(NEVER_CACHED["values.yaml"], tmp_path / "values.yaml")
    sekha("validate", "--target", "docker", "values.yaml", cwd=tmp_path)
    assert len(_entries(tmp_path)) == 1


def test_a_warm_run_never_imports_the_parser(tmp_path: Path) -> None:
    project = _project(tmp_path)
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('yaml' in sys.modules, file=sys.stderr))\n"
        "sys.argv = ['sekha', 'validate', '-q', 'config.yaml']\n"
        "from sekha_migrate.entry import main\nmain()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != cache_module.DISABLE_VARIABLE}
    runs = [subprocess.run([sys.executable, "-c", code], cwd=project, env=env,
                           capture_output=True, text=True, timeout=60) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0]
    assert [r.stderr.splitlines()[-1] for r in runs] == ["True", "False"]


# Each change alone, applied after a first run; the second run must miss (a new entry) and
# print what an uncached run prints under the same change.
def _edit_bytes(p: Path, args: list[str], env: dict[str, str]) -> None:
    with (p / "config.yaml").open("a") as stream:
        stream.write("# edited\n")


def _strict(p: Path, args: list[str], env: dict[str, str]) -> None:
    args.append("--strict")


def _target(p: Path, args: list[str], env: dict[str, str]) -> None:
    args += ["--target", "bridge"]


def _skip(p: Path, args: list[str], env: dict[str, str]) -> None:
    args.append("--skip-non-sekha")


def _select(p: Path, args: list[str], env: dict[str, str]) -> None:
    args += ["--select", "unresolved-variable"]


def _ignore(p: Path, args: list[str], env: dict[str, str]) -> None:
    args += ["--ignore", "unresolved-variable"]


def _project_settings(p: Path, args: list[str], env: dict[str, str]) -> None:
    (p / ".sekha-migrate.toml").write_text('ignore = ["unresolved-variable"]\n')


def _variable_named(p: Path, args: list[str], env: dict[str, str]) -> None:
    env["OPENAI_API_KEY"] = "sk-" + "q" * 40


def _variable_value(p: Path, args: list[str], env: dict[str, str]) -> None:
    env["OPENAI_BASE_URL"] = "not a url"


def _mcp_key(p: Path, args: list[str], env: dict[str, str]) -> None:
    env["SEKHA__MCP_API_KEY"] = "short"


def _shown_path(p: Path, args: list[str], env: dict[str, str]) -> None:
    args[-1] = "./config.yaml"


def _env_file(p: Path, args: list[str], env: dict[str, str]) -> None:
    (p / "vars.env").write_text("OPENAI_BASE_URL=ftp://x\n")
    args[-1:-1] = ["--env-file", "vars.env"]


def _config_beside(p: Path, args: list[str], env: dict[str, str]) -> None:
    (p / "config.toml").write_text("server_port = 8080\n")


CHANGES = [_edit_bytes, _strict, _target, _skip, _select, _ignore, _project_settings,
           _variable_named, _variable_value, _mcp_key, _shown_path, _env_file, _config_beside]


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__.strip("_") for c in CHANGES])
def test_each_part_of_the_key_changed_alone_misses(
    change: Callable[[Path, list[str], dict[str, str]], None], tmp_path: Path, sekha: Sekha
) -> None:
    project = _project(tmp_path)
    args, env = ["validate", "-f", "json", "config.yaml"], {"OPENAI_API_KEY": "${A}"}
    first = sekha(*args, cwd=project, env=env)
    before = _entries(project)
    assert len(before) == 1
    change(project, args, env)
    changed = sekha(*args, cwd=project, env=env)
    assert len(_entries(project) - before) == 1
    assert changed == sekha(*args[:1], "--no-cache", *args[1:], cwd=project, env=env)
    assert first.exit_code in (0, 1)


def test_another_tool_version_misses(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    before = cache_module.tool_fingerprint()
    monkeypatch.setattr(cache_module, "__version__", "0.0.0-other")
    assert cache_module.tool_fingerprint() != before


def test_an_edited_rule_or_schema_misses(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    package = tmp_path / "package"
    (package / "validate").mkdir(parents=True)
    rules = package / "validate" / "rules.py"
    rules.write_text("RULES = 1\n")
    monkeypatch.setattr(cache_module, "_PACKAGE", package)
    before = cache_module.tool_fingerprint()
    os.utime(rules, ns=(1, 1_000_000_000))
    assert cache_module.tool_fingerprint() != before


def test_a_damaged_entry_is_a_miss(tmp_path: Path, sekha: Sekha) -> None:
    project = _project(tmp_path)
    first = sekha("validate", "config.yaml", cwd=project)
    (stored,) = (project / CACHE).glob("results-*.json")
    (key,) = json.loads(stored.read_text())["entries"]
    entry = json.loads(stored.read_text())["entries"][key]
    damaged_entries: list[object] = [
        [], [1], "config.yaml", {"path": "config.yaml"}, entry[:4], [*entry[:4], [["fatal"]]],
        [*entry[:4], [["fatal", *entry[4][0][1:]]]], [*entry[:4], [entry[4][0][:7]]]]
    damage = ["", "{", "[]", json.dumps({"format": 1, "path": "config.yaml"}),
              json.dumps({"format": 2, "entries": []})]
    damage += [json.dumps({"format": 2, "entries": {key: d}}) for d in damaged_entries]
    altered = [*entry[:4], [[*entry[4][0][:2], "another message", *entry[4][0][3:]]]]
    damage.append(json.dumps({"format": 1, "entries": {key: altered}}))  # another format's
    for text in damage:
        stored.write_text(text)
        assert sekha("validate", "config.yaml", cwd=project) == first
        assert json.loads(stored.read_text())["entries"] == {key: entry}  # written again


def test_an_entry_of_another_path_is_a_miss(tmp_path: Path, sekha: Sekha) -> None:
    project = _project(tmp_path)
    shutil.copy(LITERAL_KEY, project / "other.yaml")
    first = sekha("validate", "config.yaml", cwd=project)
    (stored,) = (project / CACHE).glob("results-*.json")
    (key,) = json.loads(stored.read_text())["entries"]
    other = sekha("validate", "--no-cache", "other.yaml", cwd=project)
    sekha("validate", "other.yaml", cwd=project)
    entries = json.loads(stored.read_text())["entries"]
    (other_key,) = set(entries) - {key}
    entries[key] = entries[other_key]  # config.yaml's key now leads to other.yaml's verdict
    stored.write_text(json.dumps({"format": 2, "entries": entries}))
    assert sekha("validate", "config.yaml", cwd=project) == first
    assert other.stdout != first.stdout  # so answering from that entry would show


def test_the_cache_holds_no_secret_and_ignores_itself(tmp_path: Path, sekha: Sekha) -> None:
    shutil.copy(LITERAL_KEY, tmp_path / "config.yaml")
    env = {"SEKHA__MCP_API_KEY": "m" * 40}
    sekha("validate", "-v", "config.yaml", cwd=tmp_path, env=env)
    stored = b"".join(p.read_bytes() for p in (tmp_path / CACHE).iterdir())
    assert stored.count(b"Z9fakeLiteralKeyForTests") == 0
    assert stored.count(b"m" * 12) == 0
    assert (tmp_path / CACHE / ".gitignore").read_text().splitlines()[-1] == "*"


def test_no_cache_and_the_variable_leave_no_trace(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sekha: Sekha
) -> None:
    project = _project(tmp_path)
    sekha("validate", "--no-cache", "config.yaml", cwd=project)
    sekha("validate", "config.yaml", cwd=project, env={cache_module.DISABLE_VARIABLE: "1"})
    assert not (project / CACHE).exists()


def test_an_unwritable_cache_directory_only_costs_time(tmp_path: Path, sekha: Sekha) -> None:
    project = _project(tmp_path)
    (project / CACHE).write_text("a file where the directory would go")
    assert sekha("validate", "config.yaml", cwd=project) == sekha(
        "validate", "--no-cache", "config.yaml", cwd=project)


def test_concurrent_runs_agree_and_leave_no_temporary_files(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "v2", tmp_path / "v2")
    env = {k: v for k, v in os.environ.items() if k != cache_module.DISABLE_VARIABLE}
    command = [str(Path(sys.executable).parent / "sekha"), "validate", "-f", "json", "v2"]
    procs = [subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL) for _ in range(4)]
    outputs = {p.communicate(timeout=120)[0] for p in procs}
    assert len(outputs) == 1
    assert [p.name for p in (tmp_path / CACHE).iterdir() if p.name.startswith(".")] == [
        ".gitignore"]
    warm = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert {warm.stdout} == outputs


def test_a_new_cache_file_removes_those_unused_for_a_week(tmp_path: Path, sekha: Sekha) -> None:
    project = _project(tmp_path)
    (project / CACHE).mkdir()
    (project / CACHE / ".gitignore").write_text("*\n")
    week = 7 * 24 * 3600
    for name, age in (("results-old.json", week + 60), ("results-recent.json", week - 60),
                      ("0123abcd.json", week + 60)):
        (project / CACHE / name).write_text("{}")
        os.utime(project / CACHE / name, (os.path.getmtime(project) - age,) * 2)
    sekha("validate", "config.yaml", cwd=project)
    names = sorted(p.name for p in (project / CACHE).iterdir())
    assert [n for n in names if not n.startswith("results-") or n == "results-recent.json"] == [
        ".gitignore", "results-recent.json"]
    assert len(names) == 3  # and this run's


def test_the_oldest_entries_go_first(
    tmp_path: Path, sekha: Sekha, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "MAX_ENTRIES", 2)
    for name in ("a.yaml", "b.yaml", "c.yaml"):
        shutil.copy(PLACEHOLDERS, tmp_path / name)
        sekha("validate", name, cwd=tmp_path)
    (stored,) = (tmp_path / CACHE).glob("results-*.json")
    kept = json.loads(stored.read_text())["entries"].values()
    assert [entry[0] for entry in kept] == ["b.yaml", "c.yaml"]
    sekha("validate", "b.yaml", cwd=tmp_path)  # answered: the entry stays, nothing written
    sekha("validate", "a.yaml", cwd=tmp_path)
    kept = json.loads(stored.read_text())["entries"].values()
    assert [entry[0] for entry in kept] == ["c.yaml", "a.yaml"]


@pytest.mark.parametrize(("value", "disabled"), [
    ("", False), ("0", False), ("false", False), (" No ", False), ("1", True), ("yes", True),
    ("TRUE", True),
])
def test_the_variable_turns_the_cache_off(value: str, disabled: bool) -> None:
    assert cache_module.cache_disabled({cache_module.DISABLE_VARIABLE: value}) is disabled
    assert cache_module.cache_disabled({}) is False


def test_a_value_that_is_not_utf8_has_its_own_key(tmp_path: Path) -> None:
    cache = cache_module.ResultCache(tmp_path / CACHE, "settings")
    # os.environ holds bytes that are not UTF-8 as lone surrogates.
    keys = {cache.key("config.yaml", b"url: ${X}\n", env)
            for env in ({"X": "\udcff"}, {"X": "\udcfe"}, {"X": "-"}, {})}
    assert len(keys) == 4
