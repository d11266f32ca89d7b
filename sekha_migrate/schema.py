"""The v2 JSON schema shipped with the package, and the one compiled validator built from it."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_FILE = "sekha-config-v2.schema.json"
# One JSON schema per file dialect (see sekha_migrate.dialects).
SCHEMA_FILES = {"docker": SCHEMA_FILE, "bridge": "sekha-bridge-config.schema.json"}


def schema_file(target: str = "docker") -> Path:
    """A dialect's schema as shipped: inside the wheel, or at the top of a source checkout."""
    name = SCHEMA_FILES[target]
    here = Path(__file__).resolve().parent
    for candidate in (here / "data" / name, here.parent / "schema" / name):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{name} is missing from the installation")


def schema_text(target: str = "docker") -> str:
    return schema_file(target).read_text(encoding="utf-8")


_MODELINE = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)", re.MULTILINE)


def modeline_schema_url(text: str) -> str | None:
    """The schema a YAML file's modeline names, if it has one among its leading comments."""
    head = "\n".join(text.splitlines()[:10])
    found = _MODELINE.search(head)
    return found.group(1) if found else None


@cache
def load_schema(target: str = "docker") -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(schema_text(target))
    return schema


def definition_properties(name: str | None, target: str = "docker") -> frozenset[str]:
    """The keys a dialect's schema describes for the root (None) or one of its definitions."""
    schema = load_schema(target)
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
