"""No secret leaves whole: every exit of every command shows keys by their ends and URL
credentials as `***@` (sekha_migrate.model.masking), and keys read from an environment
are written as references to it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import yaml
from conftest import CliResult, write

from sekha_migrate.model.masking import hide_url_credentials, mask_secret, mask_text, mask_value

Run = Callable[..., CliResult]

OLD_KEY = "sk-live-OLDoldOLDold0123456789abcdefXYZ"
NEW_KEY = "sekha-new-key-0123456789abcdef0123456789"
DB_PASSWORD = "Hunter2Sup3rSecret"
JSON_KEY = "sk-inside-json-0123456789abcdef0123"


def _outputs(result: object, *files: Path) -> str:
    texts = [getattr(result, "stdout", ""), getattr(result, "stderr", "")]
    texts += [f.read_text(encoding="utf-8") for f in files if f.exists()]
    return "\n".join(texts)


# ---- the masking functions ----------------------------------------------------------------


def test_a_key_shows_only_its_ends_and_a_short_one_nothing() -> None:
    assert mask_secret("sk-proj-abcdef123456") == "sk-p…3456"
    assert mask_secret("12345678901") == "********"
    assert mask_secret("") == ""


def test_url_credentials_are_hidden_even_with_a_space_in_the_password() -> None:
    assert hide_url_credentials("postgres://u:pa ss@db/x") == "postgres://***@db/x"
    assert hide_url_credentials("see 'http://u:p@h:1/a' now") == "see 'http://***@h:1/a' now"
    assert hide_url_credentials("http://host/path?q=a@b") == "http://host/path?q=a@b"


def test_mask_value_masks_secret_names_inside_mappings_and_keeps_references() -> None:
    value = [{"id": "o", "api_key": JSON_KEY, "base_url": "http://u:p@h"},
             {"id": "p", "api_key": "${OPENAI_API_KEY}"}]
    shown = json.dumps(mask_value(value))
    assert JSON_KEY not in shown
    assert "***@h" in shown
    assert "${OPENAI_API_KEY}" in shown


def test_mask_text_masks_known_secrets_and_json_keys_in_free_text() -> None:
    text = f'error {{"api_key": "{JSON_KEY}"}} with {NEW_KEY}'
    shown = mask_text(text, {NEW_KEY})
    assert JSON_KEY not in shown
    assert NEW_KEY not in shown
    assert mask_secret(NEW_KEY) in shown


def test_double_dollar_is_not_a_reference_so_it_is_masked() -> None:
    assert mask_value("$${NOT_A_VAR}0123456789", secret=True) == "$${N…6789"


# ---- migrate ------------------------------------------------------------------------------


def test_migrate_diff_says_secret_changed_instead_of_either_key(
    sekha_inprocess: Run, tmp_path: Path
) -> None:
    write(tmp_path / "config.toml", f'mcp_api_key = "{NEW_KEY}"\n')
    write(tmp_path / "out.yaml", f"version: '2.0'\nmcp_api_key: {OLD_KEY}\n"
          f"additional_api_keys:\n- {OLD_KEY}2\n")
    result = sekha_inprocess("migrate", "--dry-run", "--diff", "--no-env",
                             "-o", str(tmp_path / "out.yaml"), cwd=tmp_path)
    assert result.exit_code == 1, result.stderr  # --diff found a difference
    assert "-mcp_api_key: (secret changed)" in result.stdout
    assert "+mcp_api_key: (secret changed)" in result.stdout
    assert "- (secret changed)" in result.stdout
    assert OLD_KEY not in result.stdout + result.stderr
    assert NEW_KEY not in result.stdout + result.stderr


def test_migrate_hides_url_passwords_in_the_table_and_the_report(
    sekha_inprocess: Run, tmp_path: Path
) -> None:
    write(tmp_path / "config.toml",
          f'database_url = "postgres://sekha:{DB_PASSWORD}@db:5432/sekha"\n'
          f'ollama_url = "http://admin:{DB_PASSWORD}@ollama:11434"\n')
    report = tmp_path / "report.json"
    result = sekha_inprocess("migrate", "--no-env", "--yes", "--report", str(report),
                             cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "postgres://***@db:5432/sekha" in result.stdout + result.stderr
    assert DB_PASSWORD not in _outputs(result, report)


def test_migrate_report_masks_keys_inside_json_values(sekha_inprocess: Run, tmp_path: Path) -> None:
    providers = [{"id": "openai", "type": "openai", "base_url": "https://api.openai.com/v1",
                  "api_key": JSON_KEY, "priority": 1, "timeout": 60, "models": []}]
    write(tmp_path / ".env", f"SEKHA__LLM_PROVIDERS='{json.dumps(providers)}'\n")
    report = tmp_path / "report.json"
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", "--report", str(report),
                             cwd=tmp_path)
    assert result.exit_code in (0, 1), result.stderr
    document = json.loads(report.read_text())
    assert JSON_KEY not in json.dumps(document["keys"]) + json.dumps(document["values"])
    assert JSON_KEY not in result.stderr


def test_env_syntax_warning_names_the_line_but_never_echoes_its_value(
    sekha_inprocess: Run, tmp_path: Path
) -> None:
    write(tmp_path / ".env", f"SEKHA_SERVER_PORT=8080\nOPENAI_API_KEY {OLD_KEY}\n")
    report = tmp_path / "report.json"
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", "--report", str(report),
                             cwd=tmp_path)
    assert "env-syntax" in result.stderr
    assert "OPENAI_API_KEY …" in result.stderr
    assert OLD_KEY[:20] not in _outputs(result, report)


def test_a_key_read_from_an_env_file_goes_to_the_controllers_variable(
    sekha_inprocess: Run, tmp_path: Path
) -> None:
    write(tmp_path / ".env", f"SEKHA_API_KEY={NEW_KEY}\n")
    result = sekha_inprocess("migrate", "--no-env", "--yes", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    written = (tmp_path / "config.yaml").read_text()
    assert "mcp_api_key" not in yaml.safe_load(written)
    assert NEW_KEY not in written
    assert "${" not in written
    secrets = (tmp_path / "sekha-secrets.env").read_text().splitlines()
    assert f"SEKHA__MCP_API_KEY='{NEW_KEY}'" in secrets
    assert NEW_KEY not in result.stdout + result.stderr


def test_a_database_url_with_a_password_from_an_env_file_moves_whole(
    sekha_inprocess: Run, tmp_path: Path
) -> None:
    write(tmp_path / ".env", f"SEKHA_DATABASE_URL=postgres://sekha:{DB_PASSWORD}@db/sekha\n"
          f"SEKHA_CHROMA_URL=http://chroma:8000\n")
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    document = yaml.safe_load(result.stdout)
    assert "database_url" not in document  # SEKHA__DATABASE_URL in the secrets file sets it
    assert ("# database_url: set by SEKHA__DATABASE_URL in sekha-secrets.env (the controller "
            "reads it from its environment)") in result.stdout.splitlines()
    assert document["chroma_url"] == "http://chroma:8000"  # nothing secret: carried as is
    assert DB_PASSWORD not in result.stdout + result.stderr


def test_a_key_pasted_alone_on_an_env_line_is_not_shown_as_a_name(
    sekha_inprocess: Run, tmp_path: Path
) -> None:
    write(tmp_path / ".env", f"SEKHA_SERVER_PORT=8080\n{NEW_KEY}\n")
    report = tmp_path / "report.json"
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", "--report", str(report),
                             cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert NEW_KEY not in _outputs(result, report)
    assert mask_secret(NEW_KEY) in result.stderr


def test_numbers_are_masked_under_secret_keys_only() -> None:
    shown = mask_value({"api_key": 12345678901234567890, "max_tokens": 4096})
    assert shown == {"api_key": "1234…7890", "max_tokens": 4096}


def test_a_secret_in_a_flow_mapping_of_the_current_output_is_not_diffed(
    sekha_inprocess: Run, tmp_path: Path
) -> None:
    write(tmp_path / "config.toml", 'server_port = 8081\n')
    write(tmp_path / "out.yaml", f"version: '2.0'\nllm_providers:\n"
          f"- {{id: o, type: openai, api_key: {OLD_KEY}, priority: 1}}\n")
    result = sekha_inprocess("migrate", "--dry-run", "--diff", "--no-env",
                             "-o", str(tmp_path / "out.yaml"), cwd=tmp_path)
    assert result.exit_code == 1, result.stderr  # --diff found a difference
    assert "api_key: (secret changed), priority: 1}" in result.stdout
    assert OLD_KEY not in result.stdout + result.stderr
