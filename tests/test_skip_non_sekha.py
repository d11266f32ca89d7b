"""`--skip-non-sekha` (the pre-commit hook's flag) judges a file by all its top-level keys, and
a skipped file is reported as skipped, with the reason, in every format."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import ROOT, CliResult, write

from sekha_migrate.validate.skip import judge

Sekha = Callable[..., CliResult]

MINIMAL = (ROOT / "fixtures" / "v2" / "valid" / "minimal-ollama-only.yaml").read_text()
# Another application's config.yaml: two names Sekha reads too, two it does not.
SHOP = "app_name: shop\nlog_level: debug\nserver_port: 3000\nfeatures:\n  cart: true\n"
SHOP_REASON = ("not a Sekha file: no key only Sekha uses (log_level, server_port are common "
               "names); app_name, features are not Sekha's")


def test_another_applications_config_sharing_log_level_and_server_port_is_skipped(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    write(tmp_path / "config.yaml", SHOP)
    assert sekha_inprocess("validate", cwd=tmp_path).exit_code == 1  # without the flag: checked
    result = sekha_inprocess("validate", "--skip-non-sekha", "--strict", cwd=tmp_path)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"config.yaml: skipped ({SHOP_REASON})",
        "✓ 1 file skipped (0 errors, 0 warnings, 1 note)",
    ]


def test_a_skipped_file_is_never_called_valid(sekha_inprocess: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", MINIMAL)
    write(tmp_path / "tools" / "config.yaml", "lint:\n  line-length: 100\n")
    result = sekha_inprocess("validate", "--skip-non-sekha", "config.yaml", "tools/config.yaml",
                             cwd=tmp_path)
    assert result.stdout.splitlines() == [
        "config.yaml: valid (docker)",
        "tools/config.yaml: skipped (not a Sekha file: no key Sekha reads; lint is not Sekha's)",
        "✓ 1 file valid, 1 skipped (0 errors, 0 warnings, 1 note)",
    ]


def test_json_names_the_skip_and_keeps_its_fields(sekha_inprocess: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", SHOP)
    write(tmp_path / "sekha.yaml", MINIMAL)
    result = sekha_inprocess("validate", "--skip-non-sekha", "-f", "json", "config.yaml",
                             "sekha.yaml", cwd=tmp_path)
    document = json.loads(result.stdout)
    assert [(f["path"], f["valid"], f["target"], f["skipped"]) for f in document["files"]] == [
        ("config.yaml", True, "docker", SHOP_REASON),
        ("sekha.yaml", True, "docker", None),
    ]
    assert document["files"][0]["findings"][0]["message"] == f"skipped ({SHOP_REASON})"
    assert document["summary"] == {"files": 2, "valid_files": 2, "invalid_files": 0,
                                   "valid": True, "errors": 0, "warnings": 0, "infos": 1,
                                   "skipped_files": 1}


def test_ci_formats_say_skipped(sekha_inprocess: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", SHOP)
    github = sekha_inprocess("validate", "--skip-non-sekha", "-f", "github", cwd=tmp_path)
    assert github.stdout.splitlines()[0] == (
        f"::notice file=config.yaml,line=1,col=1::skipped ({SHOP_REASON}) [not-sekha] (hint: "
        "nothing to do if the file is not a Sekha configuration (the pre-commit hook passes "
        "--skip-non-sekha))")
    junit = ET.fromstring(
        sekha_inprocess("validate", "--skip-non-sekha", "-f", "junit", cwd=tmp_path).stdout)
    suite = junit.find("testsuite")
    assert suite is not None
    assert suite.get("skipped") == "1"
    skipped = suite.find("testcase/skipped")
    assert skipped is not None
    assert skipped.get("message") == SHOP_REASON
    sarif = json.loads(
        sekha_inprocess("validate", "--skip-non-sekha", "-f", "sarif", cwd=tmp_path).stdout)
    assert [(r["level"], r["message"]["text"]) for r in sarif["runs"][0]["results"]] == [
        ("note", f"skipped ({SHOP_REASON}) (hint: nothing to do if the file is not a Sekha "
                 "configuration (the pre-commit hook passes --skip-non-sekha))")]


def test_a_compose_file_found_in_a_walk_is_reported_as_skipped(
    sekha_inprocess: Sekha, tmp_path: Path
) -> None:
    write(tmp_path / "docker-compose.yml", "services:\n  web:\n    image: nginx\n")
    result = sekha_inprocess("validate", ".", cwd=tmp_path)
    assert result.stdout.splitlines() == [
        "./docker-compose.yml: skipped (compose file: name it to check the deployment)",
        "✓ 1 file skipped (0 errors, 0 warnings, 1 note)",
    ]


@pytest.mark.parametrize("text", [
    # A provider registry whose entries look like providers outweighs many keys of one's own.
    "llm_providers:\n  - id: local\n    type: ollama\n    base_url: http://x\n"
    + "".join(f"team_key_{n}: 1\n" for n in range(5)),
    # One name only Sekha reads, even with a shared name and no registry yet.
    "version: '2.0'\nllm_provider: []\n",
    "ollama_url: http://localhost:11434\nlog_level: info\n",
    # A v1 controller YAML: only names other applications use too, but three and nothing else.
    "server_host: 0.0.0.0\nserver_port: 8080\ndatabase_url: sqlite://sekha.db\n",
    # A misspelt registry is the author meaning Sekha.
    "llm_provders:\n  - id: local\n    type: ollama\n    base_url: http://x\n",
])
def test_a_sekha_file_is_still_checked(text: str) -> None:
    assert judge(_load(text)).is_sekha


@pytest.mark.parametrize("text", [
    SHOP,
    "log_level: info\n",
    "blank_issues_enabled: false\ncontact_links: []\n",
    "version: 2.1\njobs:\n  build: {}\n",
    # `providers` is a common name; a mapping of cloud accounts is not Sekha's registry.
    "providers:\n  aws:\n    region: eu-west-1\nregion: eu-west-1\n",
    # A Sekha-only name drowned in another application's keys.
    "ollama_url: http://x\n" + "".join(f"plugin_{n}: 1\n" for n in range(4)),
    "- name: play\n  hosts: all\n",
])
def test_a_file_that_is_not_sekhas_is_skipped(text: str) -> None:
    assert not judge(_load(text)).is_sekha


def test_a_broken_or_empty_file_is_never_skipped(sekha_inprocess: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "a: [1\n")
    write(tmp_path / "b.yaml", "")
    result = sekha_inprocess("validate", "--skip-non-sekha", "-f", "json", "a.yaml", "b.yaml",
                             cwd=tmp_path)
    document = json.loads(result.stdout)
    assert [(f["path"], f["skipped"]) for f in document["files"]] == [
        ("a.yaml", None), ("b.yaml", None)]
    assert result.exit_code == 1


def _load(text: str) -> object:
    import yaml

    return yaml.safe_load(text)
