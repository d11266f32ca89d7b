"""The one way every command writes a JSON document (reports, --format json, SARIF, GitLab)."""

from __future__ import annotations

import json
import math
from typing import Any

# Beyond this an int cannot be written in decimal (Python's int-to-text limit is 4300 digits).
_MAX_INT_BITS = 14_000


def dump_json(document: Any) -> str:
    """Indented JSON, ASCII only (non-ASCII as \\u escapes), without a trailing newline.

    ASCII because the document then reads the same whatever encoding the pipe, the log or
    the Windows console it goes to has: no command can fail to print its report (or print
    mojibake) for a provider named in Greek. Every JSON parser reads the escapes back.
    """
    return json.dumps(json_safe(document), indent=2, ensure_ascii=True, allow_nan=False)


def json_safe(value: Any) -> Any:
    """`value` with what JSON cannot hold spelt as text: NaN and infinities (a YAML `.nan`,
    `.inf`) as YAML writes them, an int too long for decimal in hexadecimal, bytes as text.
    `NaN` is not JSON, and a report no JSON parser reads is no report."""
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, int) and not isinstance(value, bool):
        return hex(value) if value.bit_length() > _MAX_INT_BITS else value
    if isinstance(value, dict):
        return {str(json_safe(key)) if not isinstance(key, str) else key: json_safe(item)
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return value
