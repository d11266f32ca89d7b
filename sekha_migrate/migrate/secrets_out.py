"""--externalize-secrets: literal keys in the v2 document replaced by ${VAR} references."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from sekha_migrate.model.placeholders import placeholder_names

# Where secrets sit in a v2 document, and the variable each one moves to.
_ROOT_SECRETS = (("mcp_api_key", "SEKHA_API_KEY"), ("rest_api_key", "SEKHA_REST_API_KEY"))


def _is_literal(value: Any) -> bool:
    return isinstance(value, str) and value != "" and not placeholder_names(value)


def holds_literal_secrets(document: Mapping[str, Any]) -> bool:
    if any(_is_literal(document.get(key)) for key, _ in _ROOT_SECRETS):
        return True
    extra = document.get("additional_api_keys")
    if isinstance(extra, list) and any(_is_literal(item) for item in extra):
        return True
    providers = document.get("llm_providers")
    return isinstance(providers, list) and any(
        isinstance(p, dict) and _is_literal(p.get("api_key")) for p in providers
    )


def externalize_secrets(
    document: Mapping[str, Any],
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A copy with every literal secret replaced by `${VAR}`, and the (VAR, value) pairs.

    The same value is given one variable (rest_api_key often repeats mcp_api_key)."""
    result = copy.deepcopy(dict(document))
    moved: dict[str, str] = {}  # value -> variable

    def move(value: str, variable: str) -> str:
        if value not in moved:
            taken = set(moved.values())
            name, suffix = variable, 2
            while name in taken:
                name, suffix = f"{variable}_{suffix}", suffix + 1
            moved[value] = name
        return f"${{{moved[value]}}}"

    for key, variable in _ROOT_SECRETS:
        if _is_literal(result.get(key)):
            result[key] = move(result[key], variable)
    extra = result.get("additional_api_keys")
    if isinstance(extra, list):
        result["additional_api_keys"] = [
            move(item, f"SEKHA_ADDITIONAL_API_KEY_{index + 1}") if _is_literal(item) else item
            for index, item in enumerate(extra)
        ]
    for provider in result.get("llm_providers") or []:
        if isinstance(provider, dict) and _is_literal(provider.get("api_key")):
            label = re.sub(r"[^A-Z0-9]+", "_", str(provider.get("id", "provider")).upper())
            provider["api_key"] = move(provider["api_key"], f"{label}_API_KEY")
    return result, [(variable, value) for value, variable in moved.items()]


def secrets_file_text(pairs: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> str:
    """The env file holding `pairs`, one `VAR='value'` a line, for the shell, python-dotenv
    and docker compose alike; "" when there is nothing to hold."""
    if not pairs:
        return ""
    lines = ["# API keys sekha migrate moved out of the configuration; keep this file private."]
    lines += [f"{name}={_env_quote(value)}" for name, value in pairs]
    return "\n".join(lines) + "\n"


def _env_quote(value: str) -> str:
    # Single quotes keep a value literal; a value holding one needs double quotes and escapes.
    if "'" not in value and "\n" not in value:
        return f"'{value}'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
