"""How the existing output was written, so that a re-run writes it the same way.

`migrate --externalize-secrets` once, then `migrate --check` in CI: without this the check
planned literal keys, called the file out of date and said to run a migrate that the
overwrite guard then refused. The evidence is in the files themselves, in those sekha
migrate wrote (their header says so): a config in the bridge's dialect was written with
--target bridge, a sekha.env (and no config.yaml) with --target env, and an output with
sekha's secrets file beside it (or where its notes say) with --externalize-secrets.
A flag given on the command line always wins.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sekha_migrate.migrate.plan import MigrationRequest

WRITTEN_MARK = re.compile(r"^# Written by sekha migrate from ", re.MULTILINE)
SECRETS_MARK = "# Secrets sekha migrate placed here"
# `# mcp_api_key: set by SEKHA__MCP_API_KEY in deploy.env (...)`: the secrets file it names.
_NAMED_FILE = re.compile(r"^#\s*[\w.\[\]]+: set by [A-Z_][A-Z0-9_]* in (\S+\.env)\b",
                         re.MULTILINE)


def as_written(request: MigrationRequest) -> MigrationRequest:
    """`request` with the target and --externalize-secrets the existing output was written
    with, where the request leaves them open."""
    from sekha_migrate.migrate.plan import SECRETS_FILE_NAME, default_output

    output = request.output or default_output(request.directory, request.target)
    old = _ours(output)
    if old is None and request.target is None and request.output is None:
        # written with --target env: sekha.env, not config.yaml
        output = default_output(request.directory, "env")
        old = _ours(output)
    if old is None:
        return request
    if request.target is None:
        dialect = _dialect(old, output)
        if dialect in ("bridge", "env"):
            request = replace(request, target=dialect)
    if not request.externalize_secrets:
        named = _NAMED_FILE.search(old)
        candidates = [request.secrets_file] if request.secrets_file else [
            *([output.parent / named[1]] if named else []), output.parent / SECRETS_FILE_NAME]
        for secrets in candidates:
            if secrets is not None and _is_our_secrets_file(secrets):
                return replace(request, externalize_secrets=True,
                               secrets_file=request.secrets_file or secrets)
    return request


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        return None


def _ours(path: Path) -> str | None:
    """The text of `path` when sekha migrate wrote it (its header says so)."""
    text = _text(path)
    return text if text is not None and WRITTEN_MARK.search(text) else None


def _dialect(text: str, path: Path) -> str | None:
    from sekha_migrate.dialects import detect_dialect
    from sekha_migrate.validate.engine import is_env_file

    if is_env_file(str(path)):
        return "env"
    from sekha_migrate.sources.text import SourceError
    from sekha_migrate.sources.yaml_doc import load_yaml

    try:
        return detect_dialect(load_yaml(text).data)
    except SourceError:
        return None


def _is_our_secrets_file(path: Path) -> bool:
    text = _text(path)
    return text is not None and text.startswith(SECRETS_MARK)
