"""The bridge's loader (sekha_migrate/effective/bridge.py) against sekha-llm-bridge
`config.py` (HEAD bd54220): what stops pydantic's `Settings(**yaml)` (a model that is not a
mapping, lacks model_id or task, has a task outside ModelTask, an embedding model with
`dimension: null`), said at the line that causes it; pinned where a mutation run found no
test holding it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write

from sekha_migrate import effective_configuration
from sekha_migrate.effective.values import EffectiveConfig
from sekha_migrate.findings import Finding, Severity

STOPS = "the bridge would stop at start: "
PROVIDER = ("providers:\n"
            "  - id: local\n"
            "    provider_type: ollama\n"
            "    base_url: http://ollama:11434\n"
            "    models:\n")


def bridge(path: Path, environ: dict[str, str] | None = None) -> EffectiveConfig:
    [config] = effective_configuration([path], components=["bridge"],
                                       environ=environ or {}).configs
    return config


def stop(message: str, file: Path, line: int, column: int) -> Finding:
    return Finding(Severity.ERROR, "would-not-start", STOPS + message, file=str(file),
                   line=line, column=column)


def test_a_model_that_is_not_a_mapping_stops_the_bridge_at_its_line(tmp_path: Path) -> None:
    yaml = write(tmp_path / "config.yaml", PROVIDER + "      - nomic-embed-text\n")
    assert bridge(tmp_path).findings == (
        stop("providers[0].models[0] is not a mapping", yaml, 6, 9),)


def test_a_model_without_model_id_or_task_stops_the_bridge(tmp_path: Path) -> None:
    yaml = write(tmp_path / "config.yaml", PROVIDER + "      - context_window: 4096\n")
    assert bridge(tmp_path).findings == (
        stop("providers[0].models[0] has no model_id", yaml, 6, 9),
        stop("providers[0].models[0] has no task", yaml, 6, 9),
    )


def test_a_task_outside_modeltask_stops_the_bridge_at_the_task(tmp_path: Path) -> None:
    yaml = write(tmp_path / "config.yaml",
                 PROVIDER + "      - model_id: llama3.1:8b\n        task: chat\n")
    config = bridge(tmp_path)
    assert config.findings == (stop(
        "providers[0].models[0].task 'chat' is not one of embedding, chat_small, chat_large, "
        "chat_smart, vision, audio, image_generation", yaml, 7, 9),)
    assert config.value("providers[0].models[0].task") == "chat"
    assert config.value("providers[0].models[0].model_id") == "llama3.1:8b"


def test_image_generation_is_a_task_the_bridge_accepts(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml",
          PROVIDER + "      - model_id: flux\n        task: image_generation\n")
    assert bridge(tmp_path).findings == ()


def test_an_embedding_model_with_a_null_dimension_stops_the_bridge(tmp_path: Path) -> None:
    # the dimension validator runs on a value given, even null; not on one left out
    yaml = write(tmp_path / "config.yaml", PROVIDER
                 + "      - {model_id: nomic-embed-text, task: embedding, dimension: null}\n"
                 + "      - {model_id: mxbai-embed-large, task: embedding}\n"
                 + "      - {model_id: llama3.1:8b, task: chat_small, dimension: null}\n")
    config = bridge(tmp_path)
    assert config.findings == (stop(
        "providers[0].models[0].dimension is null: pydantic requires a dimension for an "
        "embedding model", yaml, 6, 55),)
    assert config.value("providers[0].models[1].dimension") is None


def test_model_fields_left_out_take_modelconfig_defaults(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml",
          PROVIDER + "      - {model_id: llava, task: vision, supports_vision: true}\n")
    config = bridge(tmp_path)
    at = "providers[0].models[0]"
    assert {key: config.value(f"{at}.{key}") for key in (
        "context_window", "dimension", "supports_vision", "supports_audio",
        "supports_function_calling")} == {
        "context_window": 8192, "dimension": None, "supports_vision": True,
        "supports_audio": False, "supports_function_calling": False}
    assert config.settings[f"{at}.context_window"].origin.key == (
        "the bridge's default (config.py)")
    assert config.settings[f"{at}.supports_vision"].origin.line == 6


IMAGE = ("the published image runs uvicorn --host 0.0.0.0 --port 5001 whatever this says; it "
         "applies to `python main.py` only")
FROM_ENV, DEFAULT = "the bridge's from_env", "the bridge's default (config.py)"
CHAT_ROLES = "CHAT_MODEL serves both chat roles"
BRIDGE_YAML = """\
version: "2.1"
providers:
  - id: cloud
    provider_type: openai
    base_url: https://api.openai.com/v1
    api_key: ${CLOUD_KEY}
    priority: 2
    timeout_secs: 30
    models:
      - {model_id: gpt-4o, task: chat_smart, context_window: 128000}
default_models:
  chat_smart: gpt-4o
routing:
  auto_fallback: false
  circuit_breaker:
    failure_threshold: 5
server_port: 5002
telemetry: on
"""


def table(config: EffectiveConfig) -> dict[str, tuple[object, str, int | None, str | None]]:
    """Each setting: its value, the key of its origin, its line and its note."""
    return {key: (s.value, s.origin.key, s.origin.line, s.note)
            for key, s in config.settings.items()}


def test_from_env_builds_one_ollama_provider_as_settings_from_env_does(tmp_path: Path) -> None:
    # config.py Settings.from_env: an empty OLLAMA_BASE_URL is "", VISION_MODEL adds a vision
    # model, int(PORT) raises on a word
    env = write(tmp_path / "bridge.env", "VISION_MODEL=llava\nPORT=x\nOLLAMA_BASE_URL=\n")
    config = bridge(env)
    assert table(config) == {
        'version': ('2.0', FROM_ENV, None, None),
        'providers[0].id': ('ollama', FROM_ENV, None, None),
        'providers[0].provider_type': ('ollama', FROM_ENV, None, None),
        'providers[0].priority': (1, FROM_ENV, None, None),
        'providers[0].timeout_secs': (120, FROM_ENV, None, None),
        'providers[0].api_key': (None, FROM_ENV, None, None),
        'providers[0].base_url': ('', 'OLLAMA_BASE_URL', 3,
                                  'OLLAMA_BASE_URL is set but empty: the bridge uses "", not '
                                  'its default'),
        'providers[0].models[0].model_id': ('nomic-embed-text', FROM_ENV, None, None),
        'providers[0].models[0].task': ('embedding', FROM_ENV, None, None),
        'providers[0].models[0].context_window': (8192, FROM_ENV, None, None),
        'providers[0].models[0].dimension': (768, FROM_ENV, None,
                                             'from_env writes 768 whatever the model makes'),
        'providers[0].models[0].supports_vision': (False, DEFAULT, None, None),
        'providers[0].models[0].supports_audio': (False, DEFAULT, None, None),
        'providers[0].models[0].supports_function_calling': (False, DEFAULT, None, None),
        'providers[0].models[1].model_id': ('llama3.1:8b', FROM_ENV, None, None),
        'providers[0].models[1].task': ('chat_small', FROM_ENV, None, None),
        'providers[0].models[1].context_window': (8192, FROM_ENV, None, None),
        'providers[0].models[1].dimension': (None, DEFAULT, None, None),
        'providers[0].models[1].supports_vision': (False, DEFAULT, None, None),
        'providers[0].models[1].supports_audio': (False, DEFAULT, None, None),
        'providers[0].models[1].supports_function_calling': (False, DEFAULT, None, None),
        'providers[0].models[2].model_id': ('llama3.1:8b', FROM_ENV, None, None),
        'providers[0].models[2].task': ('chat_smart', FROM_ENV, None, None),
        'providers[0].models[2].context_window': (8192, FROM_ENV, None, None),
        'providers[0].models[2].dimension': (None, DEFAULT, None, None),
        'providers[0].models[2].supports_vision': (False, DEFAULT, None, None),
        'providers[0].models[2].supports_audio': (False, DEFAULT, None, None),
        'providers[0].models[2].supports_function_calling': (False, DEFAULT, None, None),
        'providers[0].models[3].model_id': ('llava', 'VISION_MODEL', 1, None),
        'providers[0].models[3].task': ('vision', FROM_ENV, None, None),
        'providers[0].models[3].context_window': (8192, FROM_ENV, None, None),
        'providers[0].models[3].dimension': (None, DEFAULT, None, None),
        'providers[0].models[3].supports_vision': (True, FROM_ENV, None, None),
        'providers[0].models[3].supports_audio': (False, DEFAULT, None, None),
        'providers[0].models[3].supports_function_calling': (False, DEFAULT, None, None),
        'default_models.embedding': ('nomic-embed-text', FROM_ENV, None, None),
        'default_models.chat_fast': ('llama3.1:8b', FROM_ENV, None, CHAT_ROLES),
        'default_models.chat_smart': ('llama3.1:8b', FROM_ENV, None, CHAT_ROLES),
        'default_models.chat_vision': ('llava', 'VISION_MODEL', 1, None),
        'routing.auto_fallback': (True, DEFAULT, None, None),
        'routing.require_vision_for_images': (True, DEFAULT, None, None),
        'routing.max_cost_per_request': (None, DEFAULT, None, None),
        'routing.circuit_breaker.failure_threshold': (3, DEFAULT, None, None),
        'routing.circuit_breaker.timeout_secs': (60, DEFAULT, None, None),
        'routing.circuit_breaker.success_threshold': (2, DEFAULT, None, None),
        'server_host': ('0.0.0.0', FROM_ENV, None, IMAGE),
        'log_level': ('INFO', FROM_ENV, None, None),
        'celery_broker_url': ('redis://localhost:6379/0', FROM_ENV, None, None),
        'celery_result_backend': ('redis://localhost:6379/0', FROM_ENV, None, None),
        'server_port': ('x', 'PORT', 2, IMAGE),
        'max_connections': (10, FROM_ENV, None, None),
    }
    assert config.findings == (stop("PORT='x' is not a whole number", env, 2, 1),)
    assert config.mode == "from_env (no YAML at CONFIG_PATH)"


def test_the_yaml_read_value_by_value_with_its_lines(tmp_path: Path) -> None:
    yaml = write(tmp_path / "config.yaml", BRIDGE_YAML)
    config = bridge(tmp_path, {"CHAT_MODEL": "phi3:mini", "PORT": "1"})
    assert table(config) == {
        'version': ('2.1', 'version', 1, None),
        'providers[0].id': ('cloud', 'providers[0].id', 3, None),
        'providers[0].provider_type': ('openai', 'providers[0].provider_type', 4, None),
        'providers[0].base_url': ('https://api.openai.com/v1', 'providers[0].base_url', 5, None),
        'providers[0].api_key': (None, 'providers[0].api_key', 6,
                                 'CLOUD_KEY is not set where the bridge runs: the provider gets '
                                 'no key'),
        'providers[0].priority': (2, 'providers[0].priority', 7, None),
        'providers[0].timeout_secs': (30, 'providers[0].timeout_secs', 8, None),
        'providers[0].models[0].model_id': ('gpt-4o', 'providers[0].models[0].model_id', 10, None),
        'providers[0].models[0].task': ('chat_smart', 'providers[0].models[0].task', 10, None),
        'providers[0].models[0].context_window': (
            128000, 'providers[0].models[0].context_window', 10, None),
        'providers[0].models[0].dimension': (None, DEFAULT, None, None),
        'providers[0].models[0].supports_vision': (False, DEFAULT, None, None),
        'providers[0].models[0].supports_audio': (False, DEFAULT, None, None),
        'providers[0].models[0].supports_function_calling': (False, DEFAULT, None, None),
        'default_models.embedding': (None, DEFAULT, None, None),
        'default_models.chat_fast': (None, DEFAULT, None, None),
        'default_models.chat_smart': ('gpt-4o', 'default_models.chat_smart', 12, None),
        'default_models.chat_vision': (None, DEFAULT, None, None),
        'routing.auto_fallback': (False, 'routing.auto_fallback', 14, None),
        'routing.require_vision_for_images': (True, DEFAULT, None, None),
        'routing.max_cost_per_request': (None, DEFAULT, None, None),
        'routing.circuit_breaker.failure_threshold': (
            5, 'routing.circuit_breaker.failure_threshold', 16, None),
        'routing.circuit_breaker.timeout_secs': (60, DEFAULT, None, None),
        'routing.circuit_breaker.success_threshold': (2, DEFAULT, None, None),
        'server_host': ('0.0.0.0', DEFAULT, None, IMAGE),
        'server_port': (5002, 'server_port', 17, IMAGE),
        'max_connections': (10, DEFAULT, None, None),
        'log_level': ('info', DEFAULT, None, None),
        'celery_broker_url': ('redis://localhost:6379/0', DEFAULT, None, None),
        'celery_result_backend': ('redis://localhost:6379/0', DEFAULT, None, None),
    }
    assert config.findings == ()
    assert config.mode == "YAML at CONFIG_PATH (config.yaml)"
    assert config.files_read == (str(yaml),)
    assert [(u.what, u.reason, u.origin and u.origin.line) for u in config.unread] == [
        ("telemetry", "pydantic ignores keys the bridge does not declare", 18),
        ("CHAT_MODEL", "read only by from_env, which does not run while the YAML exists", None),
        ("PORT", "read only by from_env, which does not run while the YAML exists", None),
    ]


def test_an_empty_provider_list_stops_the_bridge_at_the_key(tmp_path: Path) -> None:
    yaml = write(tmp_path / "config.yaml", "version: '2.0'\nproviders: []\n")
    assert bridge(tmp_path).findings == (
        stop("`providers` must be a non-empty list", yaml, 2, 1),)


def test_a_yaml_that_is_a_list_stops_the_bridge_at_its_start(tmp_path: Path) -> None:
    yaml = write(tmp_path / "config.yaml", "- providers\n")
    assert bridge(tmp_path).findings == (
        stop("the YAML is not a mapping", yaml, 1, 1),
        stop("`providers` is missing", yaml, 1, 1),
    )


def test_each_provider_that_pydantic_refuses_is_said_at_its_line(tmp_path: Path) -> None:
    yaml = write(tmp_path / "config.yaml", (
        "providers:\n"
        "  - just-a-name\n"
        "  - {id: a, type: ollama, base_url: 'http://a:11434', models: []}\n"
        "  - {id: b, provider_type: azure, base_url: 'http://b', models: []}\n"
        "  - {id: c, provider_type: ollama}\n"))
    config = bridge(tmp_path)
    assert config.findings == (
        stop("providers[0] is not a mapping", yaml, 2, 5),
        stop("providers[1] has no provider_type (it says `type`: the bridge needs "
             "provider_type)", yaml, 3, 5),
        stop("providers[2].provider_type 'azure' is not one of ollama, litellm, openrouter, "
             "openai, anthropic", yaml, 4, 13),
        stop("providers[3] has no base_url, models", yaml, 5, 5),
    )
    assert config.value("providers[1].id") == "a"
    assert config.value("providers[1].base_url") == "http://a:11434"
    assert config.value("providers[2].provider_type") == "azure"


def test_an_api_key_of_dollar_brace_to_brace_looks_up_the_text_between(tmp_path: Path) -> None:
    # expand_env_vars: v.startswith("${") and v.endswith("}") -> os.getenv(v[2:-1])
    write(tmp_path / "config.yaml", "providers:\n  - {id: a, provider_type: ollama, base_url: "
          "'http://a', api_key: '${A}x}', models: []}\n")
    setting = bridge(tmp_path, {"A": "k" * 40}).settings["providers[0].api_key"]
    assert setting.value is None
    assert setting.note == "A}x is not set where the bridge runs: the provider gets no key"
    assert [o.value for o in setting.overrides] == ["${A}x}"]


def test_an_api_key_of_two_references_looks_up_one_variable_and_gets_no_key(
        tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", "providers:\n  - {id: a, provider_type: ollama, base_url: "
          "'http://a', api_key: '${A}${B}', models: []}\n")
    setting = bridge(tmp_path, {"A": "k" * 40, "B": "l" * 40}).settings["providers[0].api_key"]
    assert setting.value is None
    assert setting.note == ("the bridge looks up one variable named 'A}${B' (it expands only "
                            "a whole-value ${VAR}): the provider gets no key")
    assert [o.value for o in setting.overrides] == ["${A}${B}"]


def test_an_api_key_with_text_around_a_reference_is_taken_literally(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", "providers:\n  - {id: a, provider_type: ollama, base_url: "
          "'http://a', api_key: 'sk-${A}', models: []}\n")
    setting = bridge(tmp_path, {"A": "k" * 40}).settings["providers[0].api_key"]
    assert setting.value == "sk-${A}"
    assert setting.note == "taken literally: the bridge expands only a whole-value ${VAR}"


def test_an_empty_config_yaml_stops_the_bridge_at_its_first_line(tmp_path: Path) -> None:
    # yaml.safe_load gives None and Settings(**None) raises; the error at import is swallowed,
    # but main.py's lifespan calls load_settings(CONFIG_PATH) again and re-raises (bd54220).
    yaml = write(tmp_path / "config.yaml", "")
    config = bridge(tmp_path)
    assert config.mode == "YAML at CONFIG_PATH (config.yaml)"
    assert config.findings == (stop("the YAML is not a mapping", yaml, 1, 1),
                               stop("`providers` is missing", yaml, 1, 1))


def test_config_path_naming_no_file_falls_back_to_from_env(tmp_path: Path) -> None:
    env = write(tmp_path / "bridge.env", "CONFIG_PATH=/etc/sekha/none.yaml\n")
    config = bridge(env)
    assert config.mode == "from_env (no YAML at CONFIG_PATH)"
    [unread] = config.unread
    assert (unread.what, unread.reason, unread.origin and unread.origin.line) == (
        "/etc/sekha/none.yaml",
        "CONFIG_PATH names a file that does not exist: the bridge builds its settings from_env",
        1)


def test_an_empty_config_path_falls_back_to_from_env(tmp_path: Path) -> None:
    # os.path.exists("") is False
    write(tmp_path / "config.yaml", "providers: []\n")
    env = write(tmp_path / "bridge.env", "CONFIG_PATH=\n")
    config = bridge(env)
    assert config.mode == "from_env (no YAML at CONFIG_PATH)"
    assert config.findings == ()


def test_from_env_names_beside_a_yaml_are_named_as_unread_where_set(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", PROVIDER + "      - {model_id: phi3, task: chat_small}\n")
    names = ("OLLAMA_BASE_URL", "EMBEDDING_MODEL", "CHAT_MODEL", "VISION_MODEL", "HOST", "PORT",
             "LOG_LEVEL")
    env = write(tmp_path / "bridge.env", "".join(f"{name}=x\n" for name in names))
    config = bridge(env)
    assert [(u.what, u.origin and u.origin.line) for u in config.unread] == [
        (name, line) for line, name in enumerate(names, start=1)]


@pytest.mark.parametrize("text", ["None", "NONE", "  "])
def test_a_vision_model_of_none_or_blank_adds_no_vision_model(text: str,
                                                               tmp_path: Path) -> None:
    # from_env: `vision_model.strip() and vision_model.lower() != "none"`
    config = bridge(tmp_path, {"VISION_MODEL": text})
    assert config.value("providers[0].models[3].model_id") is None
    assert config.value("default_models.chat_vision") == text


def test_from_env_port_defaults_to_5001(tmp_path: Path) -> None:
    config = bridge(tmp_path)
    assert config.value("server_port") == 5001
    assert config.settings["server_port"].origin.key == "the bridge's from_env"


@pytest.mark.parametrize(("name", "key"), [("CHAT_MODEL", "default_models.chat_fast"),
                                           ("EMBEDDING_MODEL", "default_models.embedding")])
def test_an_empty_model_variable_is_the_empty_model(name: str, key: str, tmp_path: Path) -> None:
    config = bridge(tmp_path, {name: ""})
    assert config.value(key) == ""
    note = config.settings[key].note
    assert note is not None
    assert note.split("; ")[-1] == (
        f'{name} is set but empty: the bridge uses "", not its default')


def test_a_yaml_without_version_is_version_2_0(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", PROVIDER + "      - {model_id: phi3, task: chat_small}\n")
    setting = bridge(tmp_path).settings["version"]
    assert (setting.value, setting.origin.key) == ("2.0", "the bridge's default (config.py)")


def test_a_yaml_syntax_error_stops_the_bridge_at_its_line(tmp_path: Path) -> None:
    yaml = write(tmp_path / "config.yaml", "providers:\n  - id: a\n   bad: [\n")
    [finding] = bridge(tmp_path).findings
    assert finding.message.startswith(STOPS + "YAML syntax error")
    assert (finding.file, finding.line) == (str(yaml), 3)
    assert finding.column is not None


def test_a_plain_api_key_carries_no_note(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", "providers:\n  - {id: a, provider_type: openai, base_url: "
          "'https://a', api_key: sk-plain, models: []}\n")
    setting = bridge(tmp_path).settings["providers[0].api_key"]
    assert (setting.value, setting.note) == ("sk-plain", None)
