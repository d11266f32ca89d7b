"""Reading any dialect into the typed model, and writing the model in any dialect.

`load_config` and `dump_config` are the public entry points (see `sekha_migrate`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sekha_migrate.dialects import TARGETS, bridge, docker, env
from sekha_migrate.dialects.base import Spelling, Written
from sekha_migrate.dialects.yaml_text import BRIDGE_LAYOUT, DOCKER_LAYOUT, CommentLookup, Layout
from sekha_migrate.errors import UsageError
from sekha_migrate.model.config import SekhaConfig

_SPELLINGS: dict[str, Spelling] = {"docker": docker.SPELLING, "bridge": bridge.SPELLING}
_LAYOUTS: dict[str, Layout] = {"docker": DOCKER_LAYOUT, "bridge": BRIDGE_LAYOUT}


class ConversionError(UsageError, ValueError):
    """A target no dialect answers to."""


def read_config(data: Mapping[str, Any], dialect: str) -> SekhaConfig:
    """The model of an already parsed document in `dialect` (docker or bridge)."""
    reader = {"docker": docker.read, "bridge": bridge.read}.get(dialect)
    if reader is None:
        raise ConversionError(f"unknown dialect {dialect!r}; choose docker or bridge")
    return reader(data)


def write_config(config: SekhaConfig, target: str) -> Written:
    """The target dialect's document, with what it could not carry and what it filled in."""
    source = _SPELLINGS.get(config.dialect or "")
    writers = {"docker": docker.write, "bridge": bridge.write, "env": env.write}
    writer = writers.get(target)
    if writer is None:
        raise ConversionError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    return writer(config, source)


def render_written(
    written: Written,
    *,
    header: list[str] | None = None,
    comments: CommentLookup | None = None,
    absent: Mapping[str, str] | None = None,
) -> str:
    """The text of a written document: YAML for docker and bridge, .env text for env.
    `absent`: top-level keys left out on purpose, with the comment to write instead."""
    from sekha_migrate.dialects.yaml_text import render_document

    if written.target == "env":
        return env.render(written.document, header or [], absent)
    lookup = None
    if comments is not None:
        links = written.links
        source_comments = comments

        def lookup(path: Any) -> Any:
            source = links.get(path)
            return source_comments(source) if source is not None else None

    return render_document(
        written.document, header=header or [], layout=_LAYOUTS[written.target], comments=lookup,
        absent=absent,
    )


def dump_config(config: SekhaConfig, target: str = "docker") -> str:
    """`config` as the text of the target dialect: docker or bridge YAML, or a compose
    .env file. What the target has no place for is left out; `write_config(...).dropped`
    names it."""
    written = write_config(config, target)
    return render_written(written, header=[f"Sekha configuration, {target} dialect."])


def load_config(
    path: str | os.PathLike[str],
    *,
    target: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> SekhaConfig:
    """Read a v2 file in any dialect (detected, or `target`) into the model, with the
    findings of validating it under that dialect's rules. Never raises for bad content:
    an unreadable or malformed file gives a config with no providers and its findings."""
    from sekha_migrate.validate.engine import validate_file

    result = validate_file(path, env=environ, target=target)
    dialect = result.target
    data = result.data
    config = SekhaConfig()
    if isinstance(data, dict) and dialect in ("docker", "bridge"):
        config = read_config(data, dialect)
    elif isinstance(data, dict) and dialect == "env":
        config = env.read(data)
    return replace(config, findings=result.findings, path=str(path), dialect=dialect)
