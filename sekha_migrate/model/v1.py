"""The v1 configuration: the controller's flat keys and the sectioned TOML tables."""

from __future__ import annotations

from typing import Any, Final

# Keys only a v1 file has at its top level; enough to recognise one.
V1_MARKER_KEYS: Final[frozenset[str]] = frozenset(
    {"ollama_url", "embedding_model", "summarization_model", "llm_bridge", "chroma", "database"}
)


def looks_like_v1(data: Any) -> bool:
    """A mapping with v1 keys and no provider registry in any dialect."""
    if not isinstance(data, dict):
        return False
    if "llm_providers" in data or "providers" in data:
        return False
    return any(key in data for key in V1_MARKER_KEYS)
