"""The v2 JSON schema shipped with the package, and the one compiled validator built from it."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_FILE = "sekha-config-v2.schema.json"

# A `${VAR}` reference (group 1), or `$$`, an escaped `$` (group 1 is None): matching `$$`
# first is what keeps `$${VAR}` a literal, as compose writes it. The schema's own pattern
# is simpler and also accepts `$${VAR}`.
PLACEHOLDER = re.compile(r"\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)\})")


def schema_text() -> str:
    """The schema as shipped: inside the wheel, or at the top of a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "data" / SCHEMA_FILE, here.parent / "schema" / SCHEMA_FILE):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise FileNotFoundError(f"{SCHEMA_FILE} is missing from the installation")


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


FORMATS = {"uri": is_uri}


@cache
def compiled_validator() -> Any:
    """Built once per process and reused for every file (see validate/compiled.py)."""
    return validator_for(load_schema())


def validator_for(schema: dict[str, Any]) -> Any:
    """Our compiled validator when it knows every keyword of `schema`, else jsonschema's."""
    from sekha_migrate.validate.compiled import CompiledValidator, UnsupportedSchema

    try:
        return CompiledValidator(schema, FORMATS)
    except UnsupportedSchema:
        from jsonschema import Draft7Validator

        return Draft7Validator(schema, format_checker=format_checker())
