"""The proxy's loader (sekha_migrate/effective/proxy.py) against sekha-proxy
`src/sekha_proxy/config.py` (HEAD 747975c): `Config.from_env` reads each name with its default,
and `Config.validate()`, called in the app's lifespan (`proxy.py`), refuses an empty
CONTROLLER_API_KEY or LLM_BRIDGE_URL, a context_token_budget under 100 and a context_limit
under 1, so the proxy does not start."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write

from sekha_migrate import effective_configuration
from sekha_migrate.effective.values import EffectiveConfig
from sekha_migrate.findings import Finding, Severity
from sekha_migrate.origin import ENVIRONMENT, Origin

KEY = "k" * 40
STOPS = "the proxy would stop at start: "


def proxy(path: Path, environ: dict[str, str]) -> EffectiveConfig:
    [config] = effective_configuration([path], components=["proxy"], environ=environ).configs
    return config


def messages(config: EffectiveConfig) -> list[str]:
    return [f.message for f in config.findings]


def test_the_defaults_of_config_from_env(tmp_path: Path) -> None:
    config = proxy(tmp_path, {"CONTROLLER_API_KEY": KEY})
    assert {key: setting.value for key, setting in config.settings.items()} == {
        "proxy.host": "0.0.0.0", "proxy.port": 8081,
        "llm.bridge_url": "http://localhost:5001", "llm.timeout": 120,
        "llm.preferred_chat_model": None, "llm.preferred_embedding_model": None,
        "llm.preferred_vision_model": None,
        "controller.url": "http://localhost:8080", "controller.api_key": KEY,
        "controller.timeout": 30,
        "memory.auto_inject_context": True, "memory.context_token_budget": 2000,
        "memory.context_limit": 5, "memory.default_folder": "/auto-captured",
        "memory.preferred_labels": [], "memory.excluded_folders": [],
        "privacy.exclude_from_ai_context": False,
    }
    assert config.findings == ()
    assert config.mode == "environment (and .env)"


def test_names_are_typed_as_from_env_types_them(tmp_path: Path) -> None:
    config = proxy(tmp_path, {
        "CONTROLLER_API_KEY": KEY, "PROXY_PORT": "9001", "AUTO_INJECT_CONTEXT": "TRUE",
        "EXCLUDE_FROM_AI_CONTEXT": "yes", "PREFERRED_LABELS": "a,b", "EXCLUDED_FOLDERS": "",
        "PREFERRED_CHAT_MODEL": "phi3:mini"})
    assert config.value("proxy.port") == 9001
    assert config.value("memory.auto_inject_context") is True
    assert config.value("privacy.exclude_from_ai_context") is False  # only "true" is true
    assert config.value("memory.preferred_labels") == ["a", "b"]
    assert config.value("memory.excluded_folders") == []
    assert config.value("llm.preferred_chat_model") == "phi3:mini"


def test_the_controller_key_is_secret(tmp_path: Path) -> None:
    config = proxy(tmp_path, {"CONTROLLER_API_KEY": KEY})
    assert config.settings["controller.api_key"].secret is True
    assert config.settings["controller.url"].secret is False


def test_a_port_that_is_no_number_stops_the_proxy_where_it_was_set(tmp_path: Path) -> None:
    config = proxy(tmp_path, {"CONTROLLER_API_KEY": KEY, "PROXY_PORT": "eighty"})
    assert config.findings == (Finding(
        Severity.ERROR, "would-not-start", STOPS + "PROXY_PORT='eighty' is not a whole number",
        file=ENVIRONMENT),)
    assert config.value("proxy.port") == "eighty"


def test_a_missing_controller_key_is_reported_at_its_default(tmp_path: Path) -> None:
    config = proxy(tmp_path, {})
    assert messages(config) == [
        STOPS + "CONTROLLER_API_KEY is empty or unset (config.py validate: it is required)"]
    assert config.settings["controller.api_key"].origin == Origin(
        None, key="the proxy's default (config.py)")


def test_an_empty_bridge_url_stops_the_proxy(tmp_path: Path) -> None:
    write(tmp_path / ".env", f"CONTROLLER_API_KEY={KEY}\nLLM_BRIDGE_URL=\n")
    config = proxy(tmp_path, {})
    assert config.findings == (Finding(
        Severity.ERROR, "would-not-start",
        STOPS + "LLM_BRIDGE_URL is empty (config.py validate: it is required)",
        file=str(tmp_path / ".env"), line=2, column=1),)


@pytest.mark.parametrize(("name", "text", "message"), [
    ("CONTEXT_TOKEN_BUDGET", "99",
     "CONTEXT_TOKEN_BUDGET is 99 (config.py validate: context_token_budget must be at least "
     "100)"),
    ("CONTEXT_LIMIT", "0",
     "CONTEXT_LIMIT is 0 (config.py validate: context_limit must be at least 1)"),
])
def test_a_memory_limit_under_its_minimum_stops_the_proxy(
    name: str, text: str, message: str, tmp_path: Path
) -> None:
    config = proxy(tmp_path, {"CONTROLLER_API_KEY": KEY, name: text})
    assert messages(config) == [STOPS + message]


@pytest.mark.parametrize(("name", "text"), [("CONTEXT_TOKEN_BUDGET", "100"),
                                            ("CONTEXT_LIMIT", "1")])
def test_a_memory_limit_at_its_minimum_is_accepted(name: str, text: str,
                                                   tmp_path: Path) -> None:
    assert proxy(tmp_path, {"CONTROLLER_API_KEY": KEY, name: text}).findings == ()


def test_validate_stops_at_its_first_refusal(tmp_path: Path) -> None:
    # validate() raises at the first check that fails: the key comes first
    config = proxy(tmp_path, {"LLM_BRIDGE_URL": "", "CONTEXT_LIMIT": "0"})
    assert messages(config) == [
        STOPS + "CONTROLLER_API_KEY is empty or unset (config.py validate: it is required)"]


def test_the_dotenv_the_proxy_loads_is_named_as_read(tmp_path: Path) -> None:
    env = write(tmp_path / ".env", f"CONTROLLER_API_KEY={KEY}\n")
    assert proxy(tmp_path, {}).files_read == (str(env),)
