"""How each provider type spells "which models do you have" and "embed this".

Pure functions: they build requests and read answers; sending is http.py's job.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any
from urllib.parse import quote

from sekha_migrate.probe.http import CheckFailure, Request, unsendable_key
from sekha_migrate.probe.results import ProbeStatus

OPENAI_COMPATIBLE = frozenset({"openai", "openrouter", "litellm"})
PROVIDER_TYPES = OPENAI_COMPATIBLE | {"ollama", "anthropic"}
EMBEDDING_TYPES = OPENAI_COMPATIBLE | {"ollama"}
ANTHROPIC_VERSION = "2023-06-01"
ANTHROPIC_PAGE_LIMIT = 1000
EMBED_INPUT = "sekha probe"


def _join(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def _anthropic_root(base_url: str) -> str:
    # Both https://api.anthropic.com and https://api.anthropic.com/v1 are found in
    # Sekha configs; the API lives under /v1 either way.
    root = base_url.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


def _headers(provider_type: str, api_key: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """(plain headers, credential headers) for a provider."""
    if api_key and not (api_key.isascii() and api_key.isprintable() and " " not in api_key):
        raise unsendable_key()
    plain = {"accept": "application/json"}
    if provider_type == "anthropic":
        plain["anthropic-version"] = ANTHROPIC_VERSION
        return plain, ({"x-api-key": api_key} if api_key else {})
    return plain, ({"authorization": f"Bearer {api_key}"} if api_key else {})


def listing_request(
    provider_type: str, base_url: str, api_key: str | None, after_id: str | None = None
) -> Request:
    """The request that lists a provider's models (one page of them, for Anthropic)."""
    plain, secret = _headers(provider_type, api_key)
    if provider_type == "ollama":
        url = _join(base_url, "/api/tags")
    elif provider_type == "anthropic":
        url = f"{_anthropic_root(base_url)}/v1/models?limit={ANTHROPIC_PAGE_LIMIT}"
        if after_id:
            url += f"&after_id={quote(after_id, safe='')}"
    else:
        url = _join(base_url, "/models")
    return Request("GET", url, plain, secret)


def model_request(base_url: str, model_id: str, api_key: str | None) -> Request:
    """Anthropic's lookup of one model id, which also accepts aliases the listing leaves out."""
    plain, secret = _headers("anthropic", api_key)
    url = f"{_anthropic_root(base_url)}/v1/models/{quote(model_id, safe='')}"
    return Request("GET", url, plain, secret)


def version_request(base_url: str, api_key: str | None) -> Request:
    plain, secret = _headers("ollama", api_key)
    return Request("GET", _join(base_url, "/api/version"), plain, secret)


def embed_request(provider_type: str, base_url: str, model_id: str, api_key: str | None) -> Request:
    if provider_type not in EMBEDDING_TYPES:
        raise ValueError(f"{provider_type} has no embeddings API")
    plain, secret = _headers(provider_type, api_key)
    path = "/api/embed" if provider_type == "ollama" else "/embeddings"
    body = {"model": model_id, "input": EMBED_INPUT}
    return Request("POST", _join(base_url, path), plain, secret, json_body=body)


def _malformed(what: str) -> CheckFailure:
    return CheckFailure(ProbeStatus.ERROR, f"unexpected answer: {what}")


def _entries(payload: Any, key: str) -> list[Any]:
    entries = payload.get(key) if isinstance(payload, dict) else None
    if not isinstance(entries, list):
        raise _malformed(f"expected a JSON object with a {key!r} list")
    return entries


def parse_listing(provider_type: str, payload: Any) -> list[str]:
    """The model names in one listing answer."""
    if provider_type == "ollama":
        key, field = "models", "name"
    else:
        key, field = "data", "id"
    names = []
    for entry in _entries(payload, key):
        name = entry.get(field) if isinstance(entry, dict) else None
        if not isinstance(name, str):
            raise _malformed(f"a {key!r} entry has no {field!r} string")
        names.append(name)
    return names


def next_page(provider_type: str, payload: Any) -> str | None:
    """The cursor for the next listing page (Anthropic pages its model list)."""
    if provider_type != "anthropic" or not isinstance(payload, dict):
        return None
    last_id = payload.get("last_id")
    return last_id if payload.get("has_more") is True and isinstance(last_id, str) else None


def parse_embedding_length(provider_type: str, payload: Any) -> int:
    """The length of the (first) vector in an embedding answer."""
    if provider_type == "ollama":
        vectors = _entries(payload, "embeddings")
        vector = vectors[0] if vectors else None
    else:
        entries = _entries(payload, "data")
        vector = entries[0].get("embedding") if entries and isinstance(entries[0], dict) else None
    if not isinstance(vector, list) or not vector:
        raise _malformed("the embedding answer holds no vector")
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in vector):
        raise _malformed("the embedding vector is not a list of numbers")
    return len(vector)


def _ollama_name(name: str) -> str:
    # `nomic-embed-text` and `nomic-embed-text:latest` are the same Ollama model.
    last_segment = name.rsplit("/", 1)[-1]
    return name if ":" in last_segment else f"{name}:latest"


def is_listed(provider_type: str, model_id: str, listed: AbstractSet[str]) -> bool:
    if provider_type == "ollama":
        return _ollama_name(model_id) in {_ollama_name(name) for name in listed}
    return model_id in listed
