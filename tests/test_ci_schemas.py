"""What sekha writes for CI, and the CI snippets the docs give, pass the schemas CI reads them
with: JUnit against junit-10.xsd (what pytest's junitxml targets), the GitHub workflow and the
GitLab CI job against their published JSON schemas (fixtures/ci-schemas/, with provenance)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema
import yaml
from conftest import ROOT, CliResult, write

Sekha = Callable[..., CliResult]
SCHEMAS = ROOT / "fixtures" / "ci-schemas"
V2 = ROOT / "fixtures" / "v2"


@pytest.fixture(scope="module")
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd"))


def test_the_schema_rejects_what_sekha_wrote_before(junit_schema: xmlschema.XMLSchema) -> None:
    # testcase@file: the attribute issue 17 found; the schema check must be able to fail
    before = ('<testsuites><testsuite name="s" tests="1" failures="0" errors="0">'
              '<testcase classname="c" name="a.yaml" file="a.yaml"/></testsuite></testsuites>')
    assert not junit_schema.is_valid(before)


@pytest.mark.parametrize("args", [
    ("good.yaml", "bad.yaml", "warn.yaml"),   # a failure, a pass, a pass with system-out
    ("good.yaml",),
    ("missing.yaml",),                        # an unreadable path
    ("--env-file", "nowhere.env", "good.yaml"),  # a usage error still prints a document
])
def test_junit_output_validates_against_junit_10_xsd(
    sekha_inprocess: Sekha, tmp_path: Path, junit_schema: xmlschema.XMLSchema,
    args: tuple[str, ...],
) -> None:
    write(tmp_path / "good.yaml", (V2 / "valid" / "minimal-ollama-only.yaml").read_text())
    write(tmp_path / "bad.yaml", (V2 / "invalid" / "duplicate-key.yaml").read_text())
    write(tmp_path / "warn.yaml", (V2 / "invalid" / "unknown-key.yaml").read_text())
    result = sekha_inprocess("validate", "--format", "junit", *args, cwd=tmp_path)
    assert result.stdout.startswith("<?xml")
    junit_schema.validate(result.stdout.encode())


# ---- the CI snippets of the README and the docs -----------------------------------------------

SNIPPET = re.compile(r"^<!-- ci: (?P<kind>[\w-]+) -->\n```yaml\n(?P<body>.*?)^```$",
                     re.MULTILINE | re.DOTALL)


def _snippets(kind: str) -> list[tuple[str, str]]:
    found = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for match in SNIPPET.finditer(page.read_text(encoding="utf-8")):
            if match["kind"] == kind:
                found.append((str(page.relative_to(ROOT)), match["body"]))
    return found


def _load(body: str) -> dict[object, object]:
    """The YAML as GitHub and GitLab read it: YAML 1.2, where `on:` is a string key (PyYAML
    reads YAML 1.1's boolean)."""
    document = yaml.safe_load(body)
    assert isinstance(document, dict)
    if True in document:
        document["on"] = document.pop(True)
    return document


def _check(schema_file: str, kind: str) -> list[tuple[str, str]]:
    schema = json.loads((SCHEMAS / schema_file).read_text(encoding="utf-8"))
    snippets = _snippets(kind)
    for page, body in snippets:
        errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(_load(body))]
        assert errors == [], page
    return snippets


def test_the_github_workflows_pass_the_schema_and_may_upload_sarif() -> None:
    snippets = _check("github-workflow.json", "github-workflow")
    assert [page for page, _ in snippets][:1] == ["README.md"]
    for page, body in snippets:
        workflow: dict[str, Any] = _load(body)  # type: ignore[assignment]
        steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
        runs = [s["run"] for s in steps if "run" in s]
        assert any(r.startswith("pip install ") for r in runs), page
        if any("upload-sarif" in s.get("uses", "") for s in steps):
            assert workflow["permissions"]["security-events"] == "write", page


def test_the_gitlab_jobs_pass_the_schema_and_install_first() -> None:
    snippets = _check("gitlab-ci.json", "gitlab-ci")
    assert [page for page, _ in snippets][:1] == ["README.md"]
    for page, body in snippets:
        jobs: dict[str, Any] = _load(body)  # type: ignore[assignment]
        for name, job in jobs.items():
            assert job["script"][0].startswith("pip install "), (page, name)


def test_a_broken_snippet_fails_the_schema() -> None:
    schema = json.loads((SCHEMAS / "github-workflow.json").read_text(encoding="utf-8"))
    broken = {"on": "push", "jobs": {"v": {"runs-on": "ubuntu-latest", "step": []}}}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken)) != []
