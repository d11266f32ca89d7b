"""The bridge's loader (sekha_migrate/effective/bridge.py) against sekha-llm-bridge
`config.py` (HEAD bd54220): what stops pydantic's `Settings(**yaml)` (a model that is not a
mapping, lacks model_id or task, has a task outside ModelTask, an embedding model with
`dimension: null`), said at the line that causes it; pinned where a mutation run found no
test holding it."""

from __future__ import annotations

from pathlib import Path

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
