"""Published output dimensions of well-known embedding models, and how names are matched.

The v1 tools guessed from three name patterns and gave every other model 768; a wrong
dimension breaks the vector store, so here a model is either in the table or reported as
unknown (the caller then warns and marks the value as assumed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class EmbeddingModel:
    dimension: int
    context_window: int


def _m(dimension: int, context_window: int) -> EmbeddingModel:
    return EmbeddingModel(dimension, context_window)


# Keys are normalised names (lower case, no provider prefix, no `:latest`). A size tag is
# part of the key when sizes differ in dimension (`qwen3-embedding:4b`); a bare name whose
# default tag we cannot be sure of is deliberately absent, so it is reported, not guessed.
KNOWN_MODELS: Final[dict[str, EmbeddingModel]] = {
    # Nomic
    "nomic-embed-text": _m(768, 8192),
    "nomic-embed-text-v1": _m(768, 8192),
    "nomic-embed-text-v1.5": _m(768, 8192),
    "nomic-embed-text-v2-moe": _m(768, 512),
    # mixedbread
    "mxbai-embed-large": _m(1024, 512),
    "mxbai-embed-large-v1": _m(1024, 512),
    "mxbai-embed-xsmall-v1": _m(384, 4096),
    # sentence-transformers MiniLM / MPNet (Ollama's all-minilm: 22m and 33m, both 384)
    "all-minilm": _m(384, 512),
    "all-minilm-l6-v2": _m(384, 512),
    "all-minilm-l12-v2": _m(384, 512),
    "all-mpnet-base-v2": _m(768, 512),
    "paraphrase-multilingual": _m(768, 512),
    # Snowflake Arctic Embed (Ollama default tag is 335m)
    "snowflake-arctic-embed": _m(1024, 512),
    "snowflake-arctic-embed:22m": _m(384, 512),
    "snowflake-arctic-embed:33m": _m(384, 512),
    "snowflake-arctic-embed:110m": _m(768, 512),
    "snowflake-arctic-embed:137m": _m(768, 2048),
    "snowflake-arctic-embed:335m": _m(1024, 512),
    "snowflake-arctic-embed-xs": _m(384, 512),
    "snowflake-arctic-embed-s": _m(384, 512),
    "snowflake-arctic-embed-m": _m(768, 512),
    "snowflake-arctic-embed-m-long": _m(768, 2048),
    "snowflake-arctic-embed-m-v1.5": _m(768, 512),
    "snowflake-arctic-embed-l": _m(1024, 512),
    "snowflake-arctic-embed2": _m(1024, 8192),
    "snowflake-arctic-embed-l-v2.0": _m(1024, 8192),
    "snowflake-arctic-embed-m-v2.0": _m(768, 8192),
    # BAAI BGE
    "bge-m3": _m(1024, 8192),
    "bge-large": _m(1024, 512),
    "bge-large-en": _m(1024, 512),
    "bge-large-en-v1.5": _m(1024, 512),
    "bge-base": _m(768, 512),
    "bge-base-en": _m(768, 512),
    "bge-base-en-v1.5": _m(768, 512),
    "bge-small": _m(384, 512),
    "bge-small-en": _m(384, 512),
    "bge-small-en-v1.5": _m(384, 512),
    # E5 (intfloat)
    "e5-small": _m(384, 512),
    "e5-small-v2": _m(384, 512),
    "e5-base": _m(768, 512),
    "e5-base-v2": _m(768, 512),
    "e5-large": _m(1024, 512),
    "e5-large-v2": _m(1024, 512),
    "multilingual-e5-small": _m(384, 512),
    "multilingual-e5-base": _m(768, 512),
    "multilingual-e5-large": _m(1024, 512),
    "multilingual-e5-large-instruct": _m(1024, 512),
    "e5-mistral-7b-instruct": _m(4096, 32768),
    # GTE (Alibaba)
    "gte-small": _m(384, 512),
    "gte-base": _m(768, 512),
    "gte-large": _m(1024, 512),
    "gte-base-en-v1.5": _m(768, 8192),
    "gte-large-en-v1.5": _m(1024, 8192),
    "gte-qwen2-1.5b-instruct": _m(1536, 32768),
    "gte-qwen2-7b-instruct": _m(3584, 32768),
    # Qwen3-Embedding: the size decides the dimension
    "qwen3-embedding:0.6b": _m(1024, 32768),
    "qwen3-embedding:4b": _m(2560, 32768),
    "qwen3-embedding:8b": _m(4096, 32768),
    "qwen3-embedding-0.6b": _m(1024, 32768),
    "qwen3-embedding-4b": _m(2560, 32768),
    "qwen3-embedding-8b": _m(4096, 32768),
    # Google
    "embeddinggemma": _m(768, 2048),
    "embeddinggemma:300m": _m(768, 2048),
    "embeddinggemma-300m": _m(768, 2048),
    "text-embedding-004": _m(768, 2048),
    "text-embedding-005": _m(768, 2048),
    "gemini-embedding-001": _m(3072, 2048),
    # IBM Granite
    "granite-embedding:30m": _m(384, 512),
    "granite-embedding:278m": _m(768, 512),
    "granite-embedding-30m-english": _m(384, 512),
    "granite-embedding-278m-multilingual": _m(768, 512),
    # OpenAI
    "text-embedding-3-small": _m(1536, 8191),
    "text-embedding-3-large": _m(3072, 8191),
    "text-embedding-ada-002": _m(1536, 8191),
    # Cohere
    "embed-english-v3.0": _m(1024, 512),
    "embed-multilingual-v3.0": _m(1024, 512),
    "embed-english-light-v3.0": _m(384, 512),
    "embed-multilingual-light-v3.0": _m(384, 512),
    "embed-v4.0": _m(1536, 128000),
    # Voyage AI
    "voyage-3": _m(1024, 32000),
    "voyage-3-lite": _m(512, 32000),
    "voyage-3-large": _m(1024, 32000),
    "voyage-3.5": _m(1024, 32000),
    "voyage-3.5-lite": _m(1024, 32000),
    "voyage-code-3": _m(1024, 32000),
    "voyage-2": _m(1024, 4000),
    "voyage-large-2": _m(1536, 16000),
    "voyage-code-2": _m(1536, 16000),
    # Jina AI
    "jina-embeddings-v2-small-en": _m(512, 8192),
    "jina-embeddings-v2-base-en": _m(768, 8192),
    "jina-embeddings-v2-base-de": _m(768, 8192),
    "jina-embeddings-v2-base-code": _m(768, 8192),
    "jina-embeddings-v3": _m(1024, 8192),
    "jina-embeddings-v4": _m(2048, 32768),
    # Mistral
    "mistral-embed": _m(1024, 8192),
}

# Families whose sizes have different dimensions: only a known size tag matches.
_SIZED_FAMILIES: Final = frozenset(key.partition(":")[0] for key in KNOWN_MODELS if ":" in key)

# Quantisation and format suffixes in a tag: `137m-v1.5-fp16`, `8b-q4_K_M`.
_SIZE_TAG = re.compile(r"^(\d+(?:\.\d+)?[mb])(?:[-_].*)?$")


def normalise_model_name(name: str) -> list[str]:
    """The keys to try for a model name, most specific first.

    `openai/text-embedding-3-small` -> `text-embedding-3-small`;
    `nomic-embed-text:latest` -> `nomic-embed-text`;
    `qwen3-embedding:8b-q4_K_M` -> `qwen3-embedding:8b`, then `qwen3-embedding`.
    """
    text = name.strip().lower()
    if "/" in text:  # provider prefixes and Hugging Face owners: openai/, BAAI/, hf.co/x/
        text = text.rsplit("/", 1)[1]
    base, _, tag = text.partition(":")
    candidates: list[str] = []
    if tag and tag != "latest":
        candidates.append(f"{base}:{tag}")
        size = _SIZE_TAG.match(tag)
        if size:
            candidates.append(f"{base}:{size.group(1)}")
            if base in _SIZED_FAMILIES:  # sizes differ in dimension: never fall back
                return candidates
        if tag.startswith("v"):  # `nomic-embed-text:v1.5`
            candidates.append(f"{base}-{tag}")
    candidates.append(base)
    return candidates


def lookup_embedding_model(name: str) -> EmbeddingModel | None:
    """The published dimension and context of `name`, or None when it is not a known model."""
    for candidate in normalise_model_name(name):
        if candidate in KNOWN_MODELS:
            return KNOWN_MODELS[candidate]
    return None
