"""The one way every command writes a JSON document (reports, --format json, SARIF, GitLab)."""

from __future__ import annotations

import json
from typing import Any


def dump_json(document: Any) -> str:
    """Indented JSON, ASCII only (non-ASCII as \\u escapes), without a trailing newline.

    ASCII because the document then reads the same whatever encoding the pipe, the log or
    the Windows console it goes to has: no command can fail to print its report (or print
    mojibake) for a provider named in Greek. Every JSON parser reads the escapes back.
    """
    return json.dumps(document, indent=2, ensure_ascii=True)
