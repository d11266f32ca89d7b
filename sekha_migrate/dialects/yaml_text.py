"""Serialising a dialect's document to YAML text a person can read: stable key order, short
section comments, the user's own comments where they are kept, quotes only where YAML needs
them. (It writes text; `io` writes files.)"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from sekha_migrate.dialects.base import MODEL_FIELDS
from sekha_migrate.findings import DataPath
from sekha_migrate.model.facts import CONTROLLER_SETTINGS

if TYPE_CHECKING:  # the comment reader is needed only by conversions
    from sekha_migrate.sources.yaml_comments import KeyComments

# Top-level keys in the order they are written, and the comment opening each group.
# The registry first, then the carried settings in the order the build writes them.
ROOT_ORDER = ("version", "llm_providers", "default_models", "routing", *CONTROLLER_SETTINGS)
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
MODEL_ORDER = MODEL_FIELDS  # a model's keys, in the order they are written
# What PyYAML's reader refuses raw (reader.py NON_PRINTABLE, whose complement this lists), and
# its line breaks past ASCII (\x85, \u2028, \u2029). Spelled as the short list, not as the
# negated class with wide ranges: that costs ~10 ms of start-up to compile (a 64K-entry map).
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]"
)
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./:@+-]*")
_STR_TAG = "tag:yaml.org,2002:str"
_resolver = Resolver()


@dataclass(frozen=True)
class Layout:
    """How one dialect's file is laid out: key order and the comment opening each group."""

    providers_key: str
    root_order: tuple[str, ...]
    group_comments: Mapping[str, str]
    provider_order: tuple[str, ...]


DOCKER_LAYOUT = Layout("llm_providers", ROOT_ORDER, GROUP_COMMENTS, PROVIDER_ORDER)
BRIDGE_LAYOUT = Layout(
    "providers",
    ("version", "providers", "default_models", "routing", "server_host", "server_port",
     "max_connections", "log_level", "celery_broker_url", "celery_result_backend"),
    {
        "providers": "LLM providers, tried in order of priority (1 first).",
        "default_models": "The model each kind of work uses (a model_id offered above).",
        "routing": "Fallback between providers; the circuit breaker skips one that keeps failing.",
        "server_host": "The bridge's own server (the controller reaches it on this port).",
        "celery_broker_url": "Background tasks.",
    },
    ("id", "provider_type", "base_url", "api_key", "priority", "timeout_secs", "models"),
)


# A key's comments in the file it came from, by its path in the document written.
CommentLookup = Callable[[DataPath], "KeyComments | None"]


def render_document(
    document: Mapping[str, Any],
    *,
    header: Sequence[str] = (),
    layout: Layout = DOCKER_LAYOUT,
    comments: CommentLookup | None = None,
    absent: Mapping[str, str] | None = None,
) -> str:
    """YAML text of `document`. With `comments`, each key keeps the comments it had in the
    file it came from (in place of the group comment we would write). `absent`: top-level
    keys left out on purpose, each with the comment written where it would stand."""
    writer = _Writer(comments or (lambda path: None))
    lines = [f"# {line}" if line else "#" for line in header]
    notes = absent or {}
    ordered = [key for key in layout.root_order if key in document or key in notes]
    others = [key for key in document if key not in layout.root_order]
    for key in ordered:
        kept = writer.comments((key,))
        comment = layout.group_comments.get(key)
        if kept is None or not kept.above:
            lines += ["", f"# {comment}"] if comment else []
        elif lines:
            lines.append("")
        if key not in document:
            lines.append(f"# {notes[key]}")
            continue
        value = document[key]
        if key == layout.providers_key and isinstance(value, list):
            value = [_ordered(item, layout.provider_order) for item in value]
        lines += writer.entry(key, value, 0, (key,))
    if others:
        lines += ["", f"# {OTHER_COMMENT}"]
        for key in others:
            lines += writer.entry(key, document[key], 0, (key,))
    return "\n".join(lines).lstrip("\n") + "\n"


def _ordered(item: Any, order: Sequence[str]) -> Any:
    if not isinstance(item, dict):
        return item
    result = {key: item[key] for key in order if key in item}
    result.update((key, value) for key, value in item.items() if key not in result)
    if isinstance(result.get("models"), list):
        result["models"] = [_ordered(model, MODEL_ORDER) for model in result["models"]]
    return result


class _Writer:
    def __init__(self, comments: CommentLookup) -> None:
        self.comments = comments

    def entry(self, key: Any, value: Any, indent: int, path: DataPath) -> list[str]:
        pad = " " * indent
        name = _key(key)
        kept = self.comments(path)
        above = [f"{pad}{line}" for line in kept.above] if kept else []
        end = f"  {kept.end}" if kept and kept.end else ""
        if isinstance(value, dict) and value:
            return [*above, f"{pad}{name}:{end}", *self.mapping(value, indent + 2, path)]
        if isinstance(value, list) and value:
            return [*above, f"{pad}{name}:{end}", *self.sequence(value, indent + 2, path)]
        return [*above, f"{pad}{name}: {_scalar(value)}{end}"]

    def mapping(self, mapping: Mapping[Any, Any], indent: int, path: DataPath) -> list[str]:
        lines: list[str] = []
        for key, value in mapping.items():
            lines += self.entry(key, value, indent, (*path, key))
        return lines

    def sequence(self, items: Sequence[Any], indent: int, path: DataPath) -> list[str]:
        pad = " " * indent
        lines: list[str] = []
        for index, item in enumerate(items):
            if isinstance(item, dict) and item:
                body = self.mapping(item, indent + 2, (*path, index))
                lines += _dashed(body, pad, indent)
            elif isinstance(item, list) and item:
                body = self.sequence(item, indent + 2, (*path, index))
                lines += _dashed(body, pad, indent)
            else:
                lines.append(f"{pad}- {_scalar(item)}")
        return lines


def _dashed(body: list[str], pad: str, indent: int) -> list[str]:
    """Put the item's dash on its first line that is not a comment; the comments above it
    stand at the dash's indent."""
    for position, line in enumerate(body):
        if not line.lstrip().startswith("#"):
            body[position] = f"{pad}- {line[indent + 2 :]}"
            break
        body[position] = f"{pad}{line.lstrip()}"
    return body


def _key(key: Any) -> str:
    """A key as YAML reads it back: `null:`, `true:` and `1:` stay a null, a bool and an int."""
    return key if isinstance(key, str) and _is_plain(key) else _scalar(key)


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
    if isinstance(value, datetime.date):  # a datetime too: YAML's timestamp is ISO 8601
        return value.isoformat()
    text = str(value)
    return text if _is_plain(text) else _double_quoted(text)


def _double_quoted(text: str) -> str:
    """JSON's quoting (a YAML double-quoted scalar), with every character YAML may not hold
    raw escaped: U+007F, C1 controls, lone surrogates, U+FFFE/U+FFFF (the reader refuses
    them), and NEL, U+2028 and U+2029 (YAML 1.1 line breaks, folded to a space)."""
    return _UNPRINTABLE.sub(_escape, json.dumps(text, ensure_ascii=False))


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


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
    if not _PLAIN.fullmatch(text) or text.endswith(":"):
        return False
    tag = _resolver.resolve(ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return bool(tag == _STR_TAG)
