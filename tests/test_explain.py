"""`sekha explain CODE`, the registry's examples, and the links SARIF carries."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, CliResult, write

from sekha_migrate.validate.engine import validate_text
from sekha_migrate.validate.rules import CODES_URL, EXAMPLES, PROJECT_URL, RULES, help_uri

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

Sekha = Callable[..., CliResult]
ENV_EXAMPLES = {"env-json", "env-syntax", "unknown-name", "mcp-key-rejected"}


def test_explain_prints_severity_meaning_example_and_fix(sekha: Sekha) -> None:
    result = sekha("explain", "unknown-key")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "unknown-key: warning, reported by sekha validate\n"
        "\n"
        "A key Sekha does not read.\n"
        "\n"
        "Example:\n"
        '    version: "2.0"\n'
        "    telemetry_backend: honeycomb\n"
        "\n"
        "Fix: Fix the spelling or remove the key; prefix your own keys with x-.\n"
        "\n"
        "Silence it: --ignore unknown-key, or # sekha: ignore[unknown-key] on its line.\n"
        f"More: {PROJECT_URL}/blob/main/docs/codes/unknown-key.md\n"
    )


def test_explain_without_an_example_leaves_that_part_out(sekha: Sekha) -> None:
    result = sekha("explain", "provider-timeout")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:5] == [
        "provider-timeout: error, reported by sekha probe", "",
        "The provider did not answer within --timeout.", "",
        "Fix: Check the provider's load and network, or raise --timeout."]


def test_explain_json_is_the_registry_entry(sekha: Sekha) -> None:
    result = sekha("explain", "schema-minimum", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "code": "schema-minimum",
        "severity": "error",
        "command": "validate",
        "description": "The value breaks the v2 schema's 'minimum' rule.",
        "example": "",
        "fix": "Change the value as the message says; `sekha schema` prints the schema.",
        "help_uri": f"{PROJECT_URL}/blob/main/docs/codes/schema-keyword.md",
    }


@pytest.mark.parametrize(("code", "suggestion"), [
    ("unknwn-key", " (did you mean 'unknown-key'?)"), ("nonsense", "")])
def test_explain_of_an_unknown_code_is_a_usage_error(
    sekha: Sekha, code: str, suggestion: str
) -> None:
    result = sekha("explain", code)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"sekha explain: {code!r} is no finding code{suggestion}; every "
                             f"code is listed at {CODES_URL}\n")


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_each_registry_example_draws_its_code(code: str) -> None:
    assert code in RULES
    target = "env" if code in ENV_EXAMPLES else None
    result = validate_text(EXAMPLES[code], path="example", strict=True, target=target)
    assert code in [f.code for f in result.findings]


def test_every_validate_code_a_file_alone_can_draw_has_an_example() -> None:
    from sekha_migrate.validate.rules import SECTIONS

    # drawn by the path, the bytes, the directory or a flag, not by a short text
    not_from_text = {"encoding", "binary", "too-large", "unreadable", "alias-bomb", "too-deep",
                     "shadowed-config", "not-sekha", "unread-name",
                     # drawn by a compose deployment as a whole (tests/test_validate_compose.py)
                     "compose-skipped", "compose-service", "deployment-key-mismatch",
                     "deployment-url", "published-key", "mount-unread", "chroma-healthcheck-v1",
                     "chroma-api-mismatch",
                     # drawn by a values.yaml beside its chart, or a directory walked
                     # (tests/test_validate_k8s.py)
                     "helm-value-unread", "helm-template-skipped"}
    missing = [r.code for r in SECTIONS["validate"]
               if r.code not in EXAMPLES and r.code not in not_from_text]
    assert missing == []


def test_sarif_rules_link_to_their_code_pages_and_the_driver_to_this_project(
    sekha: Sekha, tmp_path: Path
) -> None:
    write(tmp_path / "c.yaml", EXAMPLES["unknown-key"])
    result = sekha("validate", "--format", "sarif", "c.yaml", cwd=tmp_path)
    driver = json.loads(result.stdout)["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://github.com/sekha-ai/sekha-migrate"
    assert [(r["id"], r["helpUri"]) for r in driver["rules"]] == [
        ("schema-required", f"{PROJECT_URL}/blob/main/docs/codes/schema-keyword.md"),
        ("unknown-key", f"{PROJECT_URL}/blob/main/docs/codes/unknown-key.md")]


def test_the_links_name_this_project_and_pages_the_docs_have() -> None:
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert urls["Homepage"] == PROJECT_URL
    assert f"{PROJECT_URL}/blob/main/docs/codes/index.md" == CODES_URL
    for url in [CODES_URL, *(help_uri(code) for code in [*RULES, "schema-type"])]:
        assert (ROOT / url.removeprefix(f"{PROJECT_URL}/blob/main/")).is_file(), url
