"""Dialects: each Sekha component's spelling of the configuration, read into and written
from the one typed model (`sekha_migrate.model.config`).

- `docker`: sekha-docker's v2 schema (`llm_providers`, `type`, `timeout`).
- `bridge`: sekha-llm-bridge's config.yaml (`providers`, `provider_type`, `timeout_secs`).
- `env`: the docker compose environment (`SEKHA__LLM_PROVIDERS` as JSON, ...), as a .env file.
"""

from __future__ import annotations

from typing import Final

TARGETS: Final = ("docker", "bridge", "env")
FILE_TARGETS: Final = ("docker", "bridge")


def detect_dialect(data: object) -> str | None:
    """The file dialect a document is written in, by its registry key: `providers` is the
    bridge's, `llm_providers` the docker schema's. None when it has neither, or both (which
    no consumer reads as intended; validate reports it)."""
    if not isinstance(data, dict):
        return None
    bridge, docker = "providers" in data, "llm_providers" in data
    if bridge == docker:
        return None
    return "bridge" if bridge else "docker"
