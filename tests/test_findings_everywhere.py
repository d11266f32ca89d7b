"""One finding, one text line and one JSON shape in every command (validate, migrate, probe)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from conftest import CliResult, write
from probe_support import config, model, provider, write_config
from provider_servers import closed_port

from sekha_migrate.findings import Finding, Severity
from sekha_migrate.json_text import dump_json
from sekha_migrate.report.findings import finding_text

Run = Callable[..., CliResult]

ROOT = Path(__file__).parent.parent
V1_BASIC = ROOT / "fixtures" / "examples" / "v1-basic"
DUPLICATE = ROOT / "fixtures" / "v2" / "invalid" / "duplicate-key.yaml"
FINDING_KEYS = ["severity", "code", "message", "file", "line", "column", "path", "hint"]


def _migrate_report(sekha_inprocess: Run, tmp_path: Path) -> tuple[str, dict[str, Any]]:
    directory = tmp_path / "v1"
    shutil.copytree(V1_BASIC, directory)
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", "--report", "report.json",
                             cwd=directory)
    assert result.exit_code == 0, result.stderr
    return result.stderr, json.loads((directory / "report.json").read_text())


def _probe_document(sekha_inprocess: Run, tmp_path: Path, dead: str) -> dict[str, Any]:
    """Probe a config with an error of its own and a provider where nothing listens."""
    document = config(provider("local", "ollama", dead, [model("chatter")]),
                      default_models={"chat_fast": "chatter", "chat_smart": "missing"})
    write_config(tmp_path / "config.yaml", document)
    result = sekha_inprocess("probe", "config.yaml", "--format", "json", cwd=tmp_path)
    assert result.exit_code == 1
    return cast("dict[str, Any]", json.loads(result.stdout))


def test_every_command_writes_findings_in_one_json_shape(
    sekha_inprocess: Run, tmp_path: Path
) -> None:
    _, report = _migrate_report(sekha_inprocess, tmp_path)
    with closed_port() as dead:
        probed = _probe_document(sekha_inprocess, tmp_path, dead)
    write(tmp_path / "bad.yaml", DUPLICATE.read_text())
    checked = json.loads(sekha_inprocess("validate", "-f", "json", "bad.yaml",
                                         cwd=tmp_path).stdout)
    lists = {"migrate": report["issues"], "probe": probed["findings"],
             "validate": checked["files"][0]["findings"]}
    for command, findings in lists.items():
        assert findings, command
        assert all(list(f) == FINDING_KEYS for f in findings), command
    # each names its file: the source a value came from, the probed or validated file
    assert {f["file"] for f in probed["findings"]} == {"config.yaml"}
    assert {f["file"] for f in lists["validate"]} == {"bad.yaml"}
    assert {Path(f["file"]).name for f in report["issues"]} >= {".env", "config.toml"}


def test_migrate_prints_its_findings_as_validate_does(sekha_inprocess: Run, tmp_path: Path) -> None:
    stderr, report = _migrate_report(sekha_inprocess, tmp_path)
    for issue in report["issues"]:
        shown = finding_text(Finding(**{**issue, "severity": Severity(issue["severity"])}))
        assert shown in stderr  # the same line, and its hint under it
    assert (".env:3:1: warning: OPENAI_API_KEY adds the provider 'openai'" in stderr
            and "[cloud-provider-without-models] $.llm_providers[1].models\n" in stderr)


def test_probe_prints_every_finding_as_validate_does(sekha_inprocess: Run, tmp_path: Path) -> None:
    with closed_port() as dead:
        probed = _probe_document(sekha_inprocess, tmp_path, dead)
        result = sekha_inprocess("probe", "config.yaml", cwd=tmp_path)
    lines = result.stdout.splitlines()
    unknown = next(f for f in probed["findings"] if f["code"] == "unknown-default-model")
    line = f"config.yaml:{unknown['line']}:{unknown['column']}: error: {unknown['message']}"
    assert f"{line} [unknown-default-model] $.default_models.chat_smart" in lines
    # the probe's own problem, at its provider's line, unwrapped however long, in the same shape
    refused = next(f for f in probed["findings"] if f["code"] == "provider-unreachable")
    assert (refused["line"], refused["column"]) != (None, None)
    at = f"config.yaml:{refused['line']}:{refused['column']}: error: local: unreachable"
    (unreachable,) = [x for x in lines if x.startswith(at)]
    assert unreachable.endswith(" [provider-unreachable] $.llm_providers[0]")


def test_a_finding_line_names_file_position_code_and_path() -> None:
    finding = Finding(Severity.WARNING, "dialect-key", "rename it", file="a.yaml", line=3,
                      column=7, path="$.llm_providers[0].type", hint="run sekha migrate")
    assert finding_text(finding) == (
        "a.yaml:3:7: warning: rename it [dialect-key] $.llm_providers[0].type\n"
        "  hint: run sekha migrate"
    )
    # a finding of the whole document, without a file of its own: reported under `file`
    bare = Finding(Severity.ERROR, "syntax", "bad YAML")
    assert finding_text(bare, "b.yaml") == "b.yaml: error: bad YAML [syntax]"


def test_json_documents_are_ascii_and_read_back_whole() -> None:
    document = {"message": "provider 'λάμα' → unreachable"}
    text = dump_json(document)
    assert text.isascii() and "\\u03bb" in text
    assert json.loads(text) == document


def test_validate_json_with_non_ascii_is_ascii(sekha_inprocess: Run, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", DUPLICATE.read_text().replace("ollama_local", "ολλάμα"))
    result = sekha_inprocess("validate", "-f", "json", "config.yaml", cwd=tmp_path)
    assert result.stdout.isascii()
    assert "ολλάμα" in json.dumps(json.loads(result.stdout), ensure_ascii=False)


def test_machine_formats_take_any_commands_findings(sekha_inprocess: Run, tmp_path: Path) -> None:
    from sekha_migrate.report.github import github_annotations
    from sekha_migrate.report.gitlab import gitlab_issues
    from sekha_migrate.report.sarif import sarif_document

    _, report = _migrate_report(sekha_inprocess, tmp_path)
    findings = [Finding(**{**f, "severity": Severity(f["severity"])}) for f in report["issues"]]
    annotations = github_annotations(findings).splitlines()
    assert len(annotations) == len(findings)
    assert any(a.startswith("::warning file=") and ".env,line=3,col=1::" in a
               for a in annotations)
    sarif = sarif_document(findings, version="0")["runs"][0]
    rules = {rule["id"] for rule in sarif["tool"]["driver"]["rules"]}
    assert rules == {f.code for f in findings}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["results"]}
    assert {uri.rsplit("/", 1)[-1] for uri in uris} >= {".env", "config.toml"}
    assert len({issue["fingerprint"] for issue in gitlab_issues(findings)}) == len(findings)
