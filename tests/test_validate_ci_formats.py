"""`sekha validate` for CI and editors: SARIF, JUnit, GitLab, --output-file, --skip-non-sekha,
`$schema` and modelines, --verbose, --color."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from conftest import ROOT, CliResult, write

Sekha = Callable[..., CliResult]

FIXTURES = ROOT / "fixtures" / "v2"
MINIMAL = (FIXTURES / "valid" / "minimal-ollama-only.yaml").read_text()
DUPLICATE = (FIXTURES / "invalid" / "duplicate-key.yaml").read_text()
UNKNOWN_KEY = (FIXTURES / "invalid" / "unknown-key.yaml").read_text()
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
ANSI = re.compile(r"\x1b\[")


def _bad_and_good(tmp_path: Path) -> None:
    write(tmp_path / "good.yaml", MINIMAL)
    write(tmp_path / "bad.yaml", DUPLICATE)
    write(tmp_path / "warn.yaml", UNKNOWN_KEY)


# ---- SARIF ----------------------------------------------------------------------------------


def test_sarif_is_valid_against_the_official_schema_and_carries_positions(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    _bad_and_good(tmp_path)
    result = sekha_inprocess("validate", "-f", "sarif", "good.yaml", "bad.yaml", "warn.yaml",
                             cwd=tmp_path)
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(log)
    run = log["runs"][0]
    results = run["results"]
    duplicate = next(r for r in results if r["ruleId"] == "duplicate-key")
    location = duplicate["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "bad.yaml"
    assert location["region"] == {"startLine": 9, "startColumn": 5}
    assert duplicate["level"] == "error"
    unknown = next(r for r in results if r["ruleId"] == "unknown-key")
    assert unknown["level"] == "warning"
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == sorted({r["ruleId"] for r in results})
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    described = {rule["id"]: rule for rule in rules}["duplicate-key"]
    assert "twice" in described["shortDescription"]["text"]
    assert described["help"]["text"] == "Remove one of the two entries."


def test_sarif_of_a_clean_run_has_no_results_but_is_still_valid(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    write(tmp_path / "config.yaml", MINIMAL)
    result = sekha_inprocess("validate", "--format", "sarif", cwd=tmp_path)
    log = json.loads(result.stdout)
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(log)
    assert (result.exit_code, log["runs"][0]["results"]) == (0, [])


def test_sarif_uris_escape_spaces_and_make_absolute_paths_file_uris(tmp_path: Path) -> None:
    from sekha_migrate.report.sarif import artifact_uri

    assert artifact_uri("deploy/my config.yaml") == "deploy/my%20config.yaml"
    assert artifact_uri(str(tmp_path / "a.yaml")) == (tmp_path / "a.yaml").as_uri()


def test_every_code_the_validator_emits_is_in_the_registry() -> None:
    from sekha_migrate.validate.rules import RULES

    # validate's findings come from the readers (sources/) and the checks (validate/).
    files = [*(ROOT / "sekha_migrate" / "sources").glob("*.py"),
             *(ROOT / "sekha_migrate" / "validate").glob("*.py")]
    text = "".join(p.read_text() for p in files)
    emitted = set(re.findall(r'(?:Severity\.[A-Z]+,\s*|code=)"([a-z-]+)"', text))
    assert {"duplicate-key", "syntax", "unreadable", "literal-secret"} <= emitted
    assert {c for c in emitted if not c.startswith("schema-")} <= set(RULES)


# ---- JUnit ----------------------------------------------------------------------------------


def test_junit_has_one_testcase_per_file_and_failures_carry_the_findings(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    _bad_and_good(tmp_path)
    result = sekha_inprocess("validate", "-f", "junit", "good.yaml", "bad.yaml", "warn.yaml",
                             cwd=tmp_path)
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout.split("\n", 1)[1])
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("3", "1")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert list(cases) == ["good.yaml", "bad.yaml", "warn.yaml"]
    failure = cases["bad.yaml"].find("failure")
    assert failure is not None and failure.get("type") == "duplicate-key"
    assert "bad.yaml:9:5: error: duplicate key 'priority'" in (failure.text or "")
    assert cases["good.yaml"].find("failure") is None
    # A warning does not fail its file, but the report still shows it.
    assert cases["warn.yaml"].find("failure") is None
    assert "unknown-key" in (cases["warn.yaml"].findtext("system-out") or "")


def test_junit_stays_well_formed_when_a_message_quotes_control_characters(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    write(tmp_path / "config.yaml", MINIMAL + '"odd\\x01key": 1\n')
    result = sekha_inprocess("validate", "-f", "junit", "--strict", cwd=tmp_path)
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout.split("\n", 1)[1])
    assert "odd\ufffdkey" in "".join(root.itertext())


# ---- GitLab Code Quality --------------------------------------------------------------------


def test_gitlab_issues_have_lines_and_fingerprints_that_survive_moved_lines(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    write(tmp_path / "bad.yaml", DUPLICATE)
    first = json.loads(sekha_inprocess("validate", "-f", "gitlab", "bad.yaml", cwd=tmp_path).stdout)
    assert [(i["check_name"], i["severity"], i["location"]) for i in first] == [
        ("duplicate-key", "major", {"path": "bad.yaml", "lines": {"begin": 9}})
    ]
    write(tmp_path / "bad.yaml", "# a new comment moves everything down\n" + DUPLICATE)
    moved = json.loads(sekha_inprocess("validate", "-f", "gitlab", "bad.yaml", cwd=tmp_path).stdout)
    assert moved[0]["location"]["lines"]["begin"] == 10
    assert moved[0]["fingerprint"] == first[0]["fingerprint"]


def test_gitlab_paths_are_relative_to_the_project(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    write(tmp_path / "deploy" / "my sekha.yaml", DUPLICATE)
    absolute = str(tmp_path / "deploy" / "my sekha.yaml")
    issues = json.loads(sekha_inprocess("validate", "-f", "gitlab", absolute, cwd=tmp_path).stdout)
    assert issues[0]["location"]["path"] == "deploy/my sekha.yaml"


def test_gitlab_fingerprints_are_unique_within_a_report(tmp_path: Path) -> None:
    from sekha_migrate.findings import FileResult, Finding, Severity, ValidationRun
    from sekha_migrate.report.gitlab import gitlab_issues

    twice = Finding(Severity.WARNING, "unknown-key", "unknown key", path="$.x", line=3)
    run = ValidationRun((FileResult("a.yaml", (twice, twice)), FileResult("b.yaml", (twice,))))
    prints = [issue["fingerprint"] for issue in gitlab_issues(run.findings)]
    assert len(set(prints)) == 3


# ---- --output-file --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "gitlab", "github"])
def test_output_file_gets_the_report_and_the_exit_code_is_unchanged(
    sekha_inprocess: Sekha, tmp_path: Path, fmt: str
) -> None:
    write(tmp_path / "bad.yaml", DUPLICATE)
    result = sekha_inprocess("validate", "bad.yaml", "-f", fmt, "--output-file", "out/report",
                             cwd=tmp_path)
    assert result.exit_code == 1 and result.stdout == ""
    assert "duplicate" in (tmp_path / "out" / "report").read_text()


def test_an_unwritable_output_file_is_a_usage_error(sekha_inprocess: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", MINIMAL)
    write(tmp_path / "taken", "a file, not a directory")
    result = sekha_inprocess("validate", "--output-file", "taken/report.json", cwd=tmp_path)
    assert result.exit_code == 2
    assert "sekha validate: cannot write" in result.stderr


# ---- --skip-non-sekha, $schema and modelines ------------------------------------------------

ISSUE_TEMPLATE = "blank_issues_enabled: false\ncontact_links:\n  - name: Help\n    url: x\n"
CIRCLECI = "version: 2.1\njobs:\n  build:\n    docker:\n      - image: cimg/python:3.12\n"


def test_skip_non_sekha_skips_files_without_a_single_sekha_key(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    write(tmp_path / "issue.yml", ISSUE_TEMPLATE)
    write(tmp_path / "circle.yml", CIRCLECI)
    write(tmp_path / "config.yaml", MINIMAL)
    args = ["validate", "--strict", "issue.yml", "circle.yml", "config.yaml"]
    assert sekha_inprocess(*args, cwd=tmp_path).exit_code == 1
    result = sekha_inprocess(*args, "--skip-non-sekha", cwd=tmp_path)
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines() == [
        "issue.yml: skipped (not a Sekha file: no key Sekha reads; blank_issues_enabled, "
        "contact_links are not Sekha's)",
        "circle.yml: skipped (not a Sekha file: no key Sekha reads; jobs is not Sekha's)",
        "config.yaml: valid (docker)",
        "✓ 1 file valid, 2 skipped (0 errors, 0 warnings, 2 notes)"]


def test_skip_non_sekha_still_checks_a_broken_sekha_file(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    write(tmp_path / "config.yaml", "version: '2.0'\nllm_provider: []\n")
    result = sekha_inprocess("validate", "--skip-non-sekha", cwd=tmp_path)
    assert result.exit_code == 1 and "skipped" not in result.stdout


def test_json_schema_key_and_yaml_modeline_are_not_findings_even_under_strict(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    import yaml

    document = {"$schema": "https://example.invalid/sekha.json", **yaml.safe_load(MINIMAL)}
    # In two directories: a config.json beside config.yaml would hide it from the controller.
    write(tmp_path / "json" / "config.json", json.dumps(document))
    modeline = "# yaml-language-server: $schema=https://example.invalid/sekha.json\n"
    write(tmp_path / "config.yaml", modeline + MINIMAL)
    result = sekha_inprocess("validate", "--strict", "json/config.json", "config.yaml",
                             cwd=tmp_path)
    assert result.exit_code == 0
    assert "(0 errors, 0 warnings, 0 notes)" in result.stdout


# ---- --verbose, --quiet, --color ------------------------------------------------------------


def test_verbose_explains_each_findings_rule(sekha_inprocess: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", DUPLICATE)
    result = sekha_inprocess("validate", "--verbose", cwd=tmp_path)
    assert "    rule: A key appears twice in one mapping" in result.stdout


def test_quiet_and_verbose_together_are_a_usage_error(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    result = sekha_inprocess("validate", "-q", "-v", cwd=tmp_path)
    assert result.exit_code == 2 and "contradict" in result.stderr


def test_color_always_colours_a_pipe_and_never_beats_force_color(
    sekha: Sekha, tmp_path: Path
) -> None:
    write(tmp_path / "config.yaml", DUPLICATE)
    no_env = {"NO_COLOR": ""}
    always = sekha("validate", "--color", "always", cwd=tmp_path, env=no_env)
    assert ANSI.search(always.stdout)
    forced = sekha("validate", cwd=tmp_path, env={**no_env, "FORCE_COLOR": "1"})
    assert ANSI.search(forced.stdout)
    never = sekha("validate", "--color", "never", cwd=tmp_path, env={**no_env, "FORCE_COLOR": "1"})
    assert "duplicate-key" in never.stdout and not ANSI.search(never.stdout)
    auto = sekha("validate", cwd=tmp_path, env=no_env)
    assert not ANSI.search(auto.stdout)


@pytest.mark.parametrize(
    ("flags", "env"),
    [(["--color", "always"], {}), ([], {"FORCE_COLOR": "1"})],
    ids=["color-always", "FORCE_COLOR"],
)
def test_colour_asked_for_reaches_a_dumb_terminal(
    sekha: Sekha, tmp_path: Path, flags: list[str], env: dict[str, str]
) -> None:
    # rich's own guess gives no colour at all under TERM=dumb; asked for, colour wins.
    write(tmp_path / "config.yaml", DUPLICATE)
    result = sekha("validate", *flags, cwd=tmp_path, env={"NO_COLOR": "", "TERM": "dumb", **env})
    finding = result.stdout.splitlines()[1]
    assert finding.startswith("  config.yaml:9:5: \x1b[1;31merror\x1b[0m: duplicate key"), finding
