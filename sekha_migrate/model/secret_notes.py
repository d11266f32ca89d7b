"""The comment a written file carries in place of a key that a variable sets instead.

migrate writes it (`# mcp_api_key: set by SEKHA__MCP_API_KEY in sekha-secrets.env (...)`);
validate reads it back (the key is not missing: the file says where it is set), and so does
migrate's overwrite check (a rerun must not silently drop the variable).
"""

from __future__ import annotations

import re

CONTROLLER_READS = "the controller reads it from its environment"
_PATTERN = re.compile(r"^#\s*([\w.\[\]]+): set by ([A-Z_][A-Z0-9_]*) in ", re.MULTILINE)


def set_by_comment(key: str, name: str, where: str, reader: str = CONTROLLER_READS) -> str:
    """The comment's text, without the leading `# `."""
    return f"{key}: set by {name} in {where} ({reader})"


def keys_set_elsewhere(text: str) -> dict[str, str]:
    """key -> the variable the file's comments say set it."""
    return {key: name for key, name in _PATTERN.findall(text)}
