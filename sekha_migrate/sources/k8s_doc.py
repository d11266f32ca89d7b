"""Kubernetes manifests that carry Sekha configuration: a ConfigMap whose `data` entries hold
config files (sekha-docker `k8s/configmap.yaml`, key `config.toml`), and the Deployment that
mounts them (`k8s/deployment.yaml` mounts it at `/config.toml`, outside the controller's
`/app`, so a v1 controller deployed by it ran on its defaults; consumers.md section 8)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from sekha_migrate.findings import DataPath, Mark

CONFIG_NAMES = ("config.toml", "config.yaml", "config.yml", "config.json")


class ConfigMapEntry(NamedTuple):
    """One config file inside a ConfigMap: its key, its text, and where its first line sits
    in the manifest (so a finding inside it names the manifest's own line)."""

    name: str
    text: str
    first_line: int  # the manifest line of the text's line 1
    indent: int  # columns the block is indented by in the manifest
    key_line: int = 1  # the manifest line of the entry's key


def is_configmap(data: Any) -> bool:
    return (isinstance(data, dict) and data.get("kind") == "ConfigMap"
            and isinstance(data.get("data"), dict))


def configmap_name(data: Mapping[str, Any]) -> str:
    metadata = data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return str(name) if name else ""


def configmap_entries(data: Mapping[str, Any], text: str,
                      key_mark: Callable[[DataPath], Mark | None]) -> list[ConfigMapEntry]:
    """The config files a ConfigMap holds, each placed in the manifest's text."""
    lines = text.splitlines()
    found = []
    for name, value in data["data"].items():
        if name not in CONFIG_NAMES or not isinstance(value, str):
            continue
        mark = key_mark(("data", name))
        key_line = mark.line if mark else 1
        block = key_line <= len(lines) and lines[key_line - 1].rstrip().endswith(
            ("|", "|-", "|+", ">", ">-", ">+"))
        first = key_line + 1 if block else key_line
        indent = 0
        if block and first <= len(lines):
            body = lines[first - 1]
            indent = len(body) - len(body.lstrip())
        found.append(ConfigMapEntry(str(name), value, first, indent, key_line))
    return found


class MountedAt(NamedTuple):
    path: str  # where the container sees the file
    mark: Mark | None
    file: str  # the manifest that mounts it


def mount_paths(deployment: Any, configmap: str, entry: str,
                mark_for: Callable[[DataPath], Mark | None], file: str) -> list[MountedAt]:
    """Where a Deployment's containers mount `entry` of the ConfigMap `configmap`: volumes
    naming it, and the volumeMounts of those volumes (a subPath of the entry, or the whole
    ConfigMap as a directory)."""
    if not isinstance(deployment, dict) or deployment.get("kind") != "Deployment":
        return []
    spec = value_at(deployment, ("spec", "template", "spec"))
    if not isinstance(spec, dict):
        return []
    volumes = {v.get("name") for v in spec.get("volumes") or [] if isinstance(v, dict)
               and isinstance(v.get("configMap"), dict)
               and v["configMap"].get("name") == configmap}
    found = []
    for c_index, container in enumerate(spec.get("containers") or []):
        if not isinstance(container, dict):
            continue
        for m_index, mount in enumerate(container.get("volumeMounts") or []):
            if not isinstance(mount, dict) or mount.get("name") not in volumes:
                continue
            path = str(mount.get("mountPath", ""))
            sub = mount.get("subPath")
            if sub is not None and sub != entry:
                continue
            where = path if sub is not None else f"{path.rstrip('/')}/{entry}"
            mark = mark_for(("spec", "template", "spec", "containers", c_index,
                             "volumeMounts", m_index, "mountPath"))
            found.append(MountedAt(where, mark, file))
    return found


def value_at(data: Any, path: tuple[str, ...]) -> Any:
    """The value at `path` in nested mappings; None where a step is missing or no mapping."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def deployment_mounts(directory: Path, configmap: str, entry: str) -> list[MountedAt]:
    """Where the Deployments in the manifests of `directory` mount `entry` of `configmap`
    (each manifest may hold several documents)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    found: list[MountedAt] = []
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        # Document by document: one broken document (sekha-docker's deployment.yaml has one)
        # does not hide the Deployment before it.
        for part in re.split(r"(?m)^---[ \t]*$", text):
            try:
                document = yaml.load(part, Loader=loader)
            except yaml.YAMLError:
                continue
            found += mount_paths(document, configmap, entry, lambda _path: None, str(path))
    return found
