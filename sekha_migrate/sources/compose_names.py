"""The file names docker compose looks for: a compose file is known by its name before it is
read (validate and show decide from it what to do with the file)."""

from __future__ import annotations

from pathlib import PurePath

COMPOSE_PATTERNS = ("docker-compose*.yml", "docker-compose*.yaml", "compose*.yml",
                    "compose*.yaml")


def is_compose_name(path: PurePath) -> bool:
    if "compose" not in path.name:  # every pattern holds it: most names end here, unmatched
        return False
    return any(path.match(pattern) for pattern in COMPOSE_PATTERNS)
