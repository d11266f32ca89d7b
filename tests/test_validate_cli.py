"""`sekha validate` as people and CI use it: formats, exit codes, inputs, colour, start-up."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, CliResult, write

Sekha = Callable[..., CliResult]

FIXTURES = ROOT / "fixtures" / "v2"
MINIMAL = (FIXTURES / "valid" / "minimal-ollama-only.yaml").read_text()
DUPLICATE = (FIXTURES / "invalid" / "duplicate-key.yaml").read_text()
UNKNOWN_KEY = (FIXTURES / "invalid" / "unknown-key.yaml").read_text()
LITERAL_KEY = (FIXTURES / "invalid" / "literal-api-key.yaml").read_text()
ANSI = re.compile(r"\x1b\[")
FINDING_KEYS = ["severity", "code", "message", "file", "line", "column", "path", "hint"]


# ---- formats ------------------------------------------------------------------------------


def test_text_format_groups_findings_per_file_with_a_summary(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "good.yaml", MINIMAL)
    write(tmp_path / "bad.yaml", DUPLICATE)
    result = sekha("validate", "good.yaml", "bad.yaml", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "good.yaml: valid (docker)",
        "bad.yaml: invalid (docker)",
        "  bad.yaml:9:5: error: duplicate key 'priority' (first defined on line 8); YAML loaders"
        " keep only the last value [duplicate-key] $.llm_providers[0].priority",
        "    hint: remove one of the two entries",
        "✗ 1 of 2 files invalid (1 error, 0 warnings, 0 notes)",
    ]


def test_quiet_text_shows_only_errors_and_the_summary(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "good.yaml", MINIMAL)
    write(tmp_path / "warn.yaml", UNKNOWN_KEY)
    write(tmp_path / "bad.yaml", DUPLICATE)
    result = sekha("validate", "--quiet", "good.yaml", "warn.yaml", "bad.yaml", cwd=tmp_path)
    assert result.exit_code == 1
    assert "good.yaml" not in result.stdout and "warn.yaml" not in result.stdout
    assert "bad.yaml:9:5: error" in result.stdout
    assert "hint:" not in result.stdout
    assert result.stdout.rstrip().endswith("(1 error, 1 warning, 0 notes)")


def test_json_format_has_exactly_the_documented_shape(
    sekha_e2e: Sekha, tmp_path: Path
) -> None:
    write(tmp_path / "good.yaml", MINIMAL)
    write(tmp_path / "bad.yaml", DUPLICATE)
    write(tmp_path / "warn.yaml", UNKNOWN_KEY)
    result = sekha_e2e(
        "validate", "-f", "json", "good.yaml", "bad.yaml", "warn.yaml", cwd=tmp_path
    )
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert list(document) == ["files", "summary"]
    shape = ["path", "valid", "target", "skipped", "findings"]
    assert [list(entry) for entry in document["files"]] == [shape] * 3
    good, bad, warn = document["files"]
    assert good == {"path": "good.yaml", "valid": True, "target": "docker", "skipped": None,
                    "findings": []}
    assert bad["valid"] is False and warn["valid"] is True
    assert bad["findings"] == [
        {
            "severity": "error",
            "code": "duplicate-key",
            "message": "duplicate key 'priority' (first defined on line 8); "
            "YAML loaders keep only the last value",
            "file": "bad.yaml",
            "line": 9,
            "column": 5,
            "path": "$.llm_providers[0].priority",
            "hint": "remove one of the two entries",
        }
    ]
    assert list(bad["findings"][0]) == FINDING_KEYS
    assert warn["findings"][0]["hint"] is None  # absent values are null, never missing
    assert document["summary"] == {
        "files": 3,
        "valid_files": 2,
        "invalid_files": 1,
        "valid": False,
        "errors": 1,
        "warnings": 1,
        "infos": 0,
        "skipped_files": 0,
    }


def test_json_unreadable_file_has_null_position(sekha: Sekha, tmp_path: Path) -> None:
    result = sekha("validate", "--format", "json", "missing.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    (finding,) = json.loads(result.stdout)["files"][0]["findings"]
    assert (finding["line"], finding["column"], finding["path"]) == (None, None, "$")


def test_github_format_is_one_workflow_command_per_finding(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "bad.yaml", DUPLICATE)
    write(tmp_path / "warn.yaml", UNKNOWN_KEY)
    write(tmp_path / "good.yaml", MINIMAL.replace("http://localhost:11434", "${SEKHA_T_URL}"))
    result = sekha(
        "validate", "--format", "github", "bad.yaml", "warn.yaml", "good.yaml", cwd=tmp_path
    )
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "::error file=bad.yaml,line=9,col=5::duplicate key 'priority' (first defined on line 8);"
        " YAML loaders keep only the last value [duplicate-key]"
        " (hint: remove one of the two entries)"
    )
    assert lines[1].startswith("::warning file=warn.yaml,line=16,col=1::unknown key")
    assert lines[2].startswith("::notice file=good.yaml,line=8,col=15::${SEKHA_T_URL} is not set")
    assert len(lines) == 3


def test_github_format_escapes_property_and_message_text(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "a,b:c.yaml", "version: '2.0'\nbad: [1\n")
    result = sekha("validate", "--format", "github", "a,b:c.yaml", cwd=tmp_path)
    assert result.stdout.startswith("::error file=a%2Cb%3Ac.yaml,line=")
    assert "\n" not in result.stdout.rstrip("\n")


def test_github_format_prints_nothing_for_a_clean_file(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", MINIMAL)
    result = sekha("validate", "--format", "github", "config.yaml", cwd=tmp_path)
    assert (result.exit_code, result.stdout) == (0, "")


@pytest.mark.parametrize("output_format", ["text", "json", "github"])
def test_a_literal_secret_is_never_printed(
    sekha: Sekha, tmp_path: Path, output_format: str
) -> None:
    write(tmp_path / "config.yaml", LITERAL_KEY + "mcp_api_key: short-literal-secret\n")
    result = sekha("validate", "--format", output_format, "config.yaml", cwd=tmp_path)
    assert "literal-secret" in result.stdout
    for secret in ("sk-proj-Z9fakeLiteralKeyForTests0123456789", "short-literal-secret"):
        assert secret not in result.stdout + result.stderr


# ---- exit codes ---------------------------------------------------------------------------


def test_exit_0_when_valid_even_with_warnings(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", UNKNOWN_KEY)
    result = sekha("validate", "config.yaml", cwd=tmp_path)
    assert result.exit_code == 0
    assert "warning: unknown key 'telemetry_backend'" in result.stdout


def test_strict_turns_warnings_into_errors(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", UNKNOWN_KEY)
    result = sekha("validate", "--strict", "--format", "json", "config.yaml", cwd=tmp_path)
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)["files"][0]["findings"]
    assert (finding["severity"], finding["code"]) == ("error", "unknown-key")


def test_strict_leaves_infos_alone(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", MINIMAL.replace("http://localhost:11434", "${SEKHA_T_URL}"))
    result = sekha("validate", "--strict", "config.yaml", cwd=tmp_path)
    assert result.exit_code == 0
    assert "info: ${SEKHA_T_URL} is not set" in result.stdout


@pytest.mark.parametrize(
    "arguments",
    [
        ["validate", "--format", "xml", "config.yaml"],
        ["validate", "--no-such-flag", "config.yaml"],
        ["validate", "--env-file", "missing.env", "config.yaml"],
        ["validate", "nothing-matches-*.yaml"],
        ["no-such-command"],
    ],
    ids=["bad-format", "bad-flag", "missing-env-file", "glob-without-match", "bad-command"],
)
def test_usage_errors_exit_2_without_traceback(
    sekha: Sekha, tmp_path: Path, arguments: list[str]
) -> None:
    write(tmp_path / "config.yaml", MINIMAL)
    result = sekha(*arguments, cwd=tmp_path)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_without_paths_validates_config_yaml_here(sekha: Sekha, tmp_path: Path) -> None:
    assert sekha("validate", cwd=tmp_path).exit_code == 2  # not there: unreadable
    write(tmp_path / "config.yaml", MINIMAL)
    result = sekha("validate", cwd=tmp_path)
    assert (result.exit_code, result.stdout.splitlines()[0]) == (0, "config.yaml: valid (docker)")


# ---- inputs -------------------------------------------------------------------------------


def test_stdin_dash(sekha: Sekha, tmp_path: Path) -> None:
    result = sekha("validate", "-f", "json", "-", cwd=tmp_path, input=DUPLICATE)
    assert result.exit_code == 1
    (entry,) = json.loads(result.stdout)["files"]
    assert entry["path"] == "<stdin>"
    assert (entry["findings"][0]["code"], entry["findings"][0]["line"]) == ("duplicate-key", 9)
    good = sekha("validate", "-", cwd=tmp_path, input=MINIMAL.encode("utf-8"))
    assert good.exit_code == 0


def test_stdin_json_document(sekha: Sekha, tmp_path: Path) -> None:
    json_text = (FIXTURES / "valid" / "json-form.json").read_text()
    assert sekha("validate", "-", cwd=tmp_path, input=json_text).exit_code == 0


def test_directory_and_glob_arguments(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "configs" / "a.yaml", MINIMAL)
    write(tmp_path / "configs" / "deeper" / "b.json", (FIXTURES / "valid" / "json-form.json")
          .read_text())
    write(tmp_path / "configs" / "readme.md", "# not a config")
    write(tmp_path / "other" / "x.yml", MINIMAL)
    write(tmp_path / "other" / "y.yml", DUPLICATE)
    result = sekha("validate", "-f", "json", "configs", "other/*.yml", cwd=tmp_path)
    paths = [entry["path"] for entry in json.loads(result.stdout)["files"]]
    assert paths == ["configs/a.yaml", "configs/deeper/b.json", "other/x.yml", "other/y.yml"]
    assert result.exit_code == 1


def test_a_path_given_twice_is_validated_once(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", MINIMAL)
    result = sekha("validate", "-f", "json", "config.yaml", ".", "*.yaml", cwd=tmp_path)
    files = json.loads(result.stdout)["files"]
    assert [entry["path"] for entry in files] == ["config.yaml"]


def test_one_bad_file_does_not_stop_the_others(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "1.yaml", MINIMAL)
    write(tmp_path / "2.yaml", b"\xff\xfe binary-ish \x00")
    write(tmp_path / "3.yaml", "a: [\n")
    write(tmp_path / "4.yaml", DUPLICATE)
    write(tmp_path / "5.yaml", MINIMAL)
    args = ["1.yaml", "2.yaml", "3.yaml", "missing.yaml", "4.yaml", "5.yaml"]
    result = sekha("validate", "-f", "json", *args, cwd=tmp_path)
    assert result.exit_code == 2  # an unreadable path outranks invalid content
    files = json.loads(result.stdout)["files"]
    assert [entry["path"] for entry in files] == args
    assert [entry["valid"] for entry in files] == [True, False, False, False, False, True]
    assert [entry["findings"][0]["code"] for entry in files if entry["findings"]] == [
        "binary", "syntax", "unreadable", "duplicate-key",
    ]


# ---- --env-file ---------------------------------------------------------------------------


def test_env_file_value_is_the_controllers_key_and_is_checked(
    sekha: Sekha, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SEKHA__MCP_API_KEY", raising=False)
    config = (FIXTURES / "invalid" / "short-api-key-from-env.yaml").read_text()
    write(tmp_path / "config.yaml", config)
    write(tmp_path / "short.env", "SEKHA__MCP_API_KEY=abc\n")
    write(tmp_path / "long.env", f"SEKHA__MCP_API_KEY={'k' * 40}\n")
    plain = sekha("validate", "-f", "json", "config.yaml", cwd=tmp_path)
    assert plain.exit_code == 0
    (fallback,) = json.loads(plain.stdout)["files"][0]["findings"]
    assert (fallback["code"], fallback["severity"]) == ("public-default-key", "warning")
    short = sekha("validate", "--env-file", "short.env", "-f", "json", "config.yaml", cwd=tmp_path)
    assert short.exit_code == 1
    (finding,) = json.loads(short.stdout)["files"][0]["findings"]
    assert finding["code"] == "mcp-key-rejected"
    assert finding["message"] == ("SEKHA__MCP_API_KEY in the environment is 3 characters long: "
                                  "the controller's MCP auth rejects every token shorter than 32")
    later_wins = sekha(
        "validate", "-e", "short.env", "-e", "long.env", "config.yaml", cwd=tmp_path
    )
    assert later_wins.exit_code == 0
    assert "(0 errors, 0 warnings, 0 notes)" in later_wins.stdout


def test_process_environment_wins_over_env_file(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", (FIXTURES / "invalid" / "short-api-key-from-env.yaml")
          .read_text())
    write(tmp_path / "short.env", "SEKHA__MCP_API_KEY=abc\n")
    result = sekha(
        "validate", "--env-file", "short.env", "config.yaml", cwd=tmp_path,
        env={"SEKHA__MCP_API_KEY": "e" * 40},
    )
    assert result.exit_code == 0
    short = sekha("validate", "config.yaml", cwd=tmp_path, env={"SEKHA__MCP_API_KEY": "abc"})
    assert short.exit_code == 1


# ---- colour -------------------------------------------------------------------------------


def test_piped_output_has_no_ansi_even_without_no_color(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", DUPLICATE)
    result = sekha("validate", "config.yaml", cwd=tmp_path, env={"NO_COLOR": ""})
    assert "duplicate-key" in result.stdout
    assert not ANSI.search(result.stdout + result.stderr)


def _run_on_a_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    main, replica = pty.openpty()
    try:
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "sekha"), *args],
            cwd=cwd, stdin=subprocess.DEVNULL, stdout=replica, stderr=replica,
            env=env, timeout=60,
        )
        assert proc.returncode == 1
    finally:
        os.close(replica)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    return b"".join(chunks).decode("utf-8", "replace")


def test_terminal_gets_colour_unless_no_color_is_set(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", DUPLICATE)
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    base["TERM"] = "xterm-256color"
    coloured = _run_on_a_terminal(["validate", "config.yaml"], tmp_path, base)
    assert "duplicate-key" in coloured and ANSI.search(coloured)
    plain = _run_on_a_terminal(["validate", "config.yaml"], tmp_path, {**base, "NO_COLOR": "1"})
    assert "duplicate-key" in plain and not ANSI.search(plain)


# ---- the rest of the command line ---------------------------------------------------------


def test_version(sekha: Sekha) -> None:
    from sekha_migrate import __version__

    result = sekha("--version")
    assert (result.exit_code, result.stdout) == (0, f"sekha {__version__}\n")


@pytest.mark.parametrize("arguments", [["--help"], ["validate", "--help"]])
def test_help_does_not_import_heavy_modules(tmp_path: Path, arguments: list[str]) -> None:
    probe = (
        "import sys\n"
        f"sys.argv = ['sekha', *{arguments!r}]\n"
        "from sekha_migrate.cli import main\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        "heavy = sorted(m for m in ('jsonschema', 'httpx', 'yaml') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy), 'CODE=' + str(code))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.stdout.rstrip().endswith("HEAVY= CODE=0"), proc.stdout + proc.stderr
    assert "validate" in proc.stdout


def test_help_imports_seen_by_importtime(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sekha_migrate", "--help"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()}
    assert "sekha_migrate.cli" in imported
    assert not {name for name in imported if name.split(".")[0] in ("jsonschema", "httpx")}


def test_schema_command_prints_the_shipped_schema(sekha: Sekha) -> None:
    result = sekha("schema")
    assert result.exit_code == 0
    shipped = json.loads((ROOT / "schema" / "sekha-config-v2.schema.json").read_text())
    assert json.loads(result.stdout) == shipped


def test_python_dash_m_works(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", DUPLICATE)
    proc = subprocess.run(
        [sys.executable, "-m", "sekha_migrate", "validate", "-f", "json", "config.yaml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["summary"]["errors"] == 1


def test_the_python_api_matches_the_cli(tmp_path: Path) -> None:
    import sekha_migrate

    path = write(tmp_path / "config.yaml", DUPLICATE)
    result = sekha_migrate.validate_file(path)
    assert isinstance(result, sekha_migrate.FileResult)
    assert not result.valid
    assert [f.code for f in result.findings] == ["duplicate-key"]


# ---- pre-commit ---------------------------------------------------------------------------


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "sekha-validate"]
    assert hook["entry"] == "sekha-migrate validate --skip-non-sekha"
    assert hook["language"] == "python"
    pattern, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
    for matched in ("config.yaml", "deploy/config.yml", "sekha.json", "x/sekha-prod.yaml"):
        assert pattern.search(matched) and not exclude.search(matched), matched
    for skipped in ("docker-compose.yml", "config.toml", "myconfig.yaml", "pyproject.toml"):
        assert not pattern.search(skipped), skipped
    for foreign in (".github/ISSUE_TEMPLATE/config.yml", ".circleci/config.yml"):
        assert exclude.search(foreign), foreign


def test_pre_commit_hook_entry_runs_on_the_files_pre_commit_passes(tmp_path: Path) -> None:
    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    write(tmp_path / "config.yaml", MINIMAL)
    write(tmp_path / "deploy" / "sekha.yml", DUPLICATE)
    entry = hook["entry"].split()
    executable = str(Path(sys.executable).parent / entry[0])
    command = [executable, *entry[1:], *hook.get("args", [])]
    good = subprocess.run([*command, "config.yaml"], cwd=tmp_path, capture_output=True)
    bad = subprocess.run(
        [*command, "config.yaml", "deploy/sekha.yml"], cwd=tmp_path, capture_output=True
    )
    assert good.returncode == 0
    assert bad.returncode == 1
    assert b"deploy/sekha.yml:9:5: error" in bad.stdout


def test_glob_matching_only_directories_is_a_usage_error(sekha: Sekha, tmp_path: Path) -> None:
    (tmp_path / "configs").mkdir()
    result = sekha("validate", "conf*", cwd=tmp_path)
    assert result.exit_code == 2
    assert "no files match conf*" in result.stderr


def test_closed_stdin_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    proc = subprocess.run(
        f"exec {Path(sys.executable).parent / 'sekha'} validate - 0<&-",
        shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.returncode == 2
    assert "standard input is closed" in proc.stdout
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_output_to_an_ascii_only_pipe_does_not_crash(
    sekha_e2e: Sekha, tmp_path: Path, output_format: str
) -> None:
    write(tmp_path / "config.yaml", "version: '2.0'\ncafé: 1\n")
    result = sekha_e2e(
        "validate", "-f", output_format, "config.yaml", cwd=tmp_path,
        env={"PYTHONIOENCODING": "ascii"},
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    if output_format == "json":
        keys = [f["path"] for f in json.loads(result.stdout)["files"][0]["findings"]]
        assert "$.café" in keys
    else:
        assert "caf?" in result.stdout and "1 of 1 file invalid" in result.stdout


def test_an_empty_path_is_a_usage_error(sekha: Sekha, tmp_path: Path) -> None:
    result = sekha("validate", "", cwd=tmp_path)
    assert result.exit_code == 2
    assert "an empty path was given" in result.stderr


def test_github_annotations_to_an_ascii_only_pipe_do_not_crash(
    sekha_e2e: Sekha, tmp_path: Path
) -> None:
    write(tmp_path / "config.yaml", "version: '2.0'\ncafé: 1\n")
    result = sekha_e2e(
        "validate", "-f", "github", "config.yaml", cwd=tmp_path,
        env={"PYTHONIOENCODING": "ascii"},
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert "::warning file=config.yaml,line=2,col=1::unknown key 'caf?'" in result.stdout
