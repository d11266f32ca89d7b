"""`sekha probe docker-compose.yml`: probe what a compose project describes.

The bridge service's effective configuration (the engine's, as its container would load it)
gives the providers, the controller service's gives chroma_url. Those URLs name compose
services (http://ollama:11434, http://chroma:8000) that resolve inside the project's network
only; from the host they are probed as configured, unless `host_map` says where a name is
reached from here (`--host-map chroma=localhost:8000`, a published port). Which name was
rewritten, and which could not be, is said in a note.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sekha_migrate.errors import UsageError
from sekha_migrate.findings import Finding, Severity
from sekha_migrate.model import loaders
from sekha_migrate.probe.results import ProbeResult

_INDEXED = re.compile(r"^([^\[\]]+)((?:\[\d+\])*)$")


class HostMapError(UsageError):
    """A --host-map entry that is not NAME=HOST[:PORT]."""


def parse_host_map(entries: list[str]) -> dict[str, str]:
    """`NAME=HOST[:PORT]` entries as {name: host[:port]}."""
    mapped = {}
    for entry in entries:
        name, sep, where = entry.partition("=")
        if not sep or not name.strip() or not where.strip() or "/" in where:
            raise HostMapError(f"--host-map {entry!r}: write NAME=HOST[:PORT], e.g. "
                               "chroma=localhost:8000")
        mapped[name.strip().lower()] = where.strip()
    return mapped


def compose_file_of(path: Path) -> Path | None:
    """The compose file `path` names, or the one a directory holds; None for anything else."""
    from sekha_migrate.sources.compose_names import COMPOSE_PATTERNS, is_compose_name

    if path.is_dir():
        found = sorted({p for pattern in COMPOSE_PATTERNS for p in path.glob(pattern)})
        return found[0] if found else None
    return path if is_compose_name(path) else None


def probe_compose(path: Path, *, environ: Mapping[str, str], host_map: Mapping[str, str],
                  embed: bool = False, timeout: float | None = None,
                  on_progress: Callable[[Any], None] | None = None, chroma: bool | None = None,
                  chroma_url: str | None = None, chroma_token: str | None = None
                  ) -> ProbeResult:
    from sekha_migrate.effective.deployment import Scope, resolve_compose
    from sekha_migrate.probe.file import _with_stored_vectors
    from sekha_migrate.probe.runner import probe_config

    deployment = resolve_compose(path, Scope(environ=environ))
    notes: list[Finding] = []
    bridges = [(n, c) for n, c in deployment.configs.items() if c.component == loaders.BRIDGE]
    controllers = [c for c in deployment.configs.values() if c.component == loaders.CONTROLLER]
    rewritten: dict[str, str] = {}
    data: dict[str, Any] = {}
    env: dict[str, str] = {}
    if bridges:
        name, bridge = bridges[0]
        data = _mapped(_document(bridge.settings), host_map, rewritten)
        env = {k: v.value for k, v in deployment.inputs[name].environment.items()
               if v.value is not None}
        notes.append(_note(f"probing the providers of service {name} (the bridge) as its "
                           f"container would load them: {bridge.mode}"))
    else:
        notes.append(_note("no bridge service in this project: no provider to probe"))
    result = probe_config(data, env=env, embed=embed, timeout=timeout,
                          findings=tuple(notes), source=str(path), on_progress=on_progress)
    url = chroma_url
    if url is None and chroma is not False and controllers:
        url = _url_mapped(str(controllers[0].value("chroma_url")), host_map, rewritten)
    if url is not None and chroma is not False:
        result = _with_stored_vectors(result, data, url, chroma_token, timeout)
    return replace(result, config_findings=(*result.config_findings,
                                            *_reach_notes(rewritten, result, host_map)))


def _document(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The bridge's configuration as a document: `providers[0].models[1].task` keys nested
    back into mappings and lists."""
    document: dict[str, Any] = {}
    for key, setting in settings.items():
        tokens: list[str | int] = []
        for part in key.split("."):
            match = _INDEXED.match(part)
            if match is None:
                break
            tokens += [match.group(1), *(int(i) for i in re.findall(r"\d+", match.group(2)))]
        else:
            _put(document, tokens, setting.value)
    return document


def _put(node: Any, tokens: list[str | int], value: Any) -> None:
    for token, following in pairwise(tokens):
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(token, int):
            node.extend([None] * (token + 1 - len(node)))
            if node[token] is None:
                node[token] = empty
            node = node[token]
        else:
            node = node.setdefault(token, empty)
    last = tokens[-1]
    if isinstance(last, int):
        node.extend([None] * (last + 1 - len(node)))
    node[last] = value


def _mapped(data: dict[str, Any], host_map: Mapping[str, str], rewritten: dict[str, str]
            ) -> dict[str, Any]:
    providers = data.get("providers")
    if isinstance(providers, list):
        for provider in providers:
            if isinstance(provider, dict) and isinstance(provider.get("base_url"), str):
                provider["base_url"] = _url_mapped(provider["base_url"], host_map, rewritten)
    return data


def _url_mapped(url: str, host_map: Mapping[str, str], rewritten: dict[str, str]) -> str:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return url
    where = host_map.get(host)
    if where is None:
        return url
    netloc = where if ":" in where else f"{where}:{parts.port}" if parts.port else where
    new = urlunsplit(parts._replace(netloc=netloc))
    rewritten[url] = new
    return new


def _reach_notes(rewritten: Mapping[str, str], result: ProbeResult,
                 host_map: Mapping[str, str]) -> list[Finding]:
    notes = [_note(f"{old} probed as {new} (--host-map)") for old, new in rewritten.items()]
    unmapped = sorted({host for host in _hosts(result) if host not in host_map
                       and host not in ("localhost", "127.0.0.1", "::1")})
    if unmapped:
        notes.append(Finding(
            Severity.WARNING, "probe-compose-unmapped",
            f"{', '.join(unmapped)}: compose service or container names resolve inside the "
            "project's network only, so from here they were probed as written and may be "
            "unreachable for that reason alone; pass --host-map NAME=HOST[:PORT] for each "
            "(its published port), or run sekha probe inside the network",
            hint="e.g. --host-map " + f"{unmapped[0]}=localhost:PORT"))
    return notes


def _hosts(result: ProbeResult) -> list[str]:
    urls = [p.base_url for p in result.providers]
    if result.stored is not None:
        urls.append(result.stored.url)
    hosts = []
    for url in urls:
        try:
            hosts.append((urlsplit(url).hostname or "").lower())
        except ValueError:
            continue
    return hosts


def _note(message: str) -> Finding:
    return Finding(Severity.INFO, "probe-compose", message)
