"""The v2 document as YAML text a person can read: stable key order, short section
comments, quotes only where YAML needs them."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from sekha_migrate.migrate.build import CARRIED_SETTINGS

# Top-level keys in the order they are written, and the comment opening each group.
# The registry first, then the carried settings in the order the build writes them.
ROOT_ORDER = ("version", "llm_providers", "default_models", "routing", *CARRIED_SETTINGS)
GROUP_COMMENTS = {
    "llm_providers": "LLM providers, tried in order of priority (1 first).",
    "default_models": "The model each kind of work uses (a model_id offered above).",
    "routing": "Fallback between providers; the circuit breaker skips one that keeps failing.",
    "server_host": "Controller: where it listens, its logging and database pool.",
    "database_url": "Storage and the services the controller talks to.",
    "mcp_api_key": "API access keys (32 characters or more).",
    "rate_limit_per_minute": "Limits and background features.",
}
OTHER_COMMENT = "Other settings, kept as they were."
PROVIDER_ORDER = ("id", "type", "base_url", "api_key", "priority", "timeout", "models")
MODEL_ORDER = (
    "model_id",
    "task",
    "context_window",
    "dimension",
    "supports_vision",
    "supports_audio",
    "vision_capabilities",
)
_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./:@+-]*$")
_STR_TAG = "tag:yaml.org,2002:str"
_resolver = Resolver()


def render_document(document: Mapping[str, Any], *, header: Sequence[str] = ()) -> str:
    lines = [f"# {line}" if line else "#" for line in header]
    ordered = [key for key in ROOT_ORDER if key in document]
    others = [key for key in document if key not in ROOT_ORDER]
    for key in ordered:
        comment = GROUP_COMMENTS.get(key)
        if comment:
            lines += ["", f"# {comment}"]
        value = document[key]
        if key == "llm_providers" and isinstance(value, list):
            value = [_ordered(item, PROVIDER_ORDER) for item in value]
        lines += _entry(key, value, 0)
    if others:
        lines += ["", f"# {OTHER_COMMENT}"]
        for key in others:
            lines += _entry(key, document[key], 0)
    return "\n".join(lines).lstrip("\n") + "\n"


def _ordered(item: Any, order: Sequence[str]) -> Any:
    if not isinstance(item, dict):
        return item
    result = {key: item[key] for key in order if key in item}
    result.update((key, value) for key, value in item.items() if key not in result)
    if isinstance(result.get("models"), list):
        result["models"] = [_ordered(model, MODEL_ORDER) for model in result["models"]]
    return result


def _entry(key: Any, value: Any, indent: int) -> list[str]:
    pad = " " * indent
    name = _key(key)
    if isinstance(value, dict) and value:
        return [f"{pad}{name}:", *_mapping(value, indent + 2)]
    if isinstance(value, list) and value:
        return [f"{pad}{name}:", *_sequence(value, indent + 2)]
    return [f"{pad}{name}: {_scalar(value)}"]


def _mapping(mapping: Mapping[Any, Any], indent: int) -> list[str]:
    lines: list[str] = []
    for key, value in mapping.items():
        lines += _entry(key, value, indent)
    return lines


def _sequence(items: Sequence[Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for item in items:
        if isinstance(item, dict) and item:
            body = _mapping(item, indent + 2)
            body[0] = f"{pad}- {body[0][indent + 2 :]}"
            lines += body
        elif isinstance(item, list) and item:
            body = _sequence(item, indent + 2)
            body[0] = f"{pad}- {body[0][indent + 2 :]}"
            lines += body
        else:
            lines.append(f"{pad}- {_scalar(item)}")
    return lines


def _key(key: Any) -> str:
    return key if isinstance(key, str) and _is_plain(key) else _scalar(str(key))


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    text = str(value)
    return text if _is_plain(text) else json.dumps(text, ensure_ascii=False)


def _float(value: float) -> str:
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    if "e" in text and "." not in text:  # YAML 1.1 reads 1e-05 as text; 1.0e-05 as a number
        mantissa, _, exponent = text.partition("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def _is_plain(text: str) -> bool:
    """Safe to write unquoted: simple characters, and YAML reads it back as this string."""
    if not _PLAIN.match(text) or text.endswith(":"):
        return False
    return _resolver.resolve(ScalarNode, text, (True, False)) == _STR_TAG
