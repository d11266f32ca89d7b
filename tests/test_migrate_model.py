"""v1 names, typing rules, and the embedding-dimension table."""

from __future__ import annotations

import pytest

from sekha_migrate.migrate.embedding import lookup_embedding_model
from sekha_migrate.model import v1


@pytest.mark.parametrize(
    ("name", "setting"),
    [
        ("SEKHA_SERVER_PORT", "server_port"),
        ("SEKHA__SERVER_PORT", "server_port"),
        ("SEKHA__SERVER__PORT", "server_port"),
        ("SEKHA__DATABASE__URL", "database_url"),
        ("SEKHA_API_KEY", "mcp_api_key"),
        ("OLLAMA_URL", "ollama_url"),
        ("OLLAMA_BASE_URL", "ollama_url"),
        ("CHAT_MODEL", "chat_model"),
        ("VISION_MODEL", "vision_model"),
        ("CB_FAILURE_THRESHOLD", "cb_failure_threshold"),
        ("CB_RESET_TIMEOUT", "cb_reset_timeout"),
        ("ROUTING_AUTO_FALLBACK", "routing_auto_fallback"),
        ("ROUTING_MAX_COST", "routing_max_cost"),
        ("SEKHA__LLM_PROVIDERS", "llm_providers"),
        ("SEKHA__DEFAULT_MODELS", "default_models"),
        ("OPENAI_API_KEY", "openai_api_key"),
        ("POSTGRES_PASSWORD", None),
        ("SEKHA_UNKNOWN_THING", None),
        ("SEKHA__CHROMA__COLLECTION_NAME", None),
    ],
)
def test_every_env_name_form(name: str, setting: str | None) -> None:
    assert v1.flat_key_for_env(name) == setting


@pytest.mark.parametrize(
    ("key", "raw", "typed"),
    [
        ("server_port", "8081", 8081),
        ("rate_limit_per_minute", "1_000", 1000),
        ("cors_enabled", "No", False),
        ("pruning_enabled", "1", True),
        ("log_level", "WARNING", "warn"),
        ("log_level", "trace", "debug"),
        ("log_level", "Info", "info"),
        ("routing_max_cost", "0.10", 0.1),
        ("routing_max_cost", "", None),
        ("additional_api_keys", "a, b", ["a", "b"]),
        ("additional_api_keys", '["a"]', ["a"]),
        ("default_models", '{"chat_fast": "m"}', {"chat_fast": "m"}),
        ("llm_providers", "[]", []),
    ],
)
def test_values_are_typed(key: str, raw: str, typed: object) -> None:
    assert v1.coerce_value(key, raw) == typed


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("server_port", "eighty"),
        ("server_port", True),
        ("cors_enabled", "maybe"),
        ("log_level", "loud"),
        ("llm_providers", '{"id": 1}'),
        ("default_models", "{broken"),
        ("server_port", "12x"),
        ("routing_max_cost", "nan"),
        ("routing_max_cost", "inf"),
        ("routing_max_cost", float("inf")),
    ],
)
def test_untypeable_values_are_refused(key: str, raw: object) -> None:
    with pytest.raises(v1.V1ValueError):
        v1.coerce_value(key, raw)


@pytest.mark.parametrize(
    ("model", "dimension"),
    [
        ("nomic-embed-text", 768),
        ("nomic-embed-text:latest", 768),
        ("nomic-embed-text:v1.5", 768),
        ("mxbai-embed-large", 1024),
        ("mxbai-embed-large:335m", 1024),
        ("all-minilm", 384),
        ("all-minilm:33m", 384),
        ("snowflake-arctic-embed", 1024),
        ("snowflake-arctic-embed:22m", 384),
        ("snowflake-arctic-embed:110m", 768),
        ("bge-m3", 1024),
        ("BAAI/bge-large-en-v1.5", 1024),
        ("bge-small-en-v1.5", 384),
        ("qwen3-embedding:0.6b", 1024),
        ("qwen3-embedding:4b", 2560),
        ("qwen3-embedding:8b-q4_K_M", 4096),
        ("embeddinggemma", 768),
        ("granite-embedding:30m", 384),
        ("granite-embedding:278m", 768),
        ("openai/text-embedding-3-small", 1536),
        ("text-embedding-3-large", 3072),
        ("text-embedding-ada-002", 1536),
        ("embed-english-v3.0", 1024),
        ("embed-english-light-v3.0", 384),
        ("voyage-3", 1024),
        ("jina-embeddings-v3", 1024),
    ],
)
def test_known_embedding_dimensions(model: str, dimension: int) -> None:
    found = lookup_embedding_model(model)
    assert found is not None
    assert found.dimension == dimension


@pytest.mark.parametrize(
    "model", ["acme-embed", "qwen3-embedding", "qwen3-embedding:2b", "snowflake-arctic-embed:1m"]
)
def test_unknown_or_ambiguous_models_are_not_guessed(model: str) -> None:
    assert lookup_embedding_model(model) is None
