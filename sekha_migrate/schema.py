"""The v2 JSON schema shipped with the package, and the one compiled validator built from it."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

SCHEMA_FILE = "sekha-config-v2.schema.json"

# A string that holds an unexpanded ${VAR}. The same pattern the schema uses.
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def schema_text() -> str:
    """The schema as shipped: inside the wheel, or at the top of a source checkout."""
    packaged = resources.files("sekha_migrate").joinpath("data", SCHEMA_FILE)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parent.parent / "schema" / SCHEMA_FILE
    return checkout.read_text(encoding="utf-8")


@cache
def load_schema() -> dict[str, Any]:
    return json.loads(schema_text())


def definition_properties(name: str | None) -> frozenset[str]:
    """The keys the schema describes for the root (None) or one of its definitions."""
    schema = load_schema()
    node = schema if name is None else schema["definitions"][name]
    return frozenset(node.get("properties", {}))


# RFC 3986 absolute URI: a scheme, then only URI characters, well-formed %-escapes.
_URI = re.compile(
    r"^[A-Za-z][A-Za-z0-9+.\-]*:"
    r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$"
)


def is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(_URI.match(value))


def format_checker() -> Any:
    """The format rules we enforce: `uri` as RFC 3986, the same for every schema we run."""
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    checker.checks("uri")(is_uri)
    return checker


@cache
def compiled_validator() -> Any:
    """Built once per process and reused for every file."""
    from jsonschema import Draft7Validator

    return Draft7Validator(load_schema(), format_checker=format_checker())
