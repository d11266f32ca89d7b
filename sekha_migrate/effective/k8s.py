"""A Kubernetes ConfigMap as the files a component sees: each config file of its `data`
where the Deployment beside it mounts it (else where the controller reads it, /app), its
lines those of the manifest."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from sekha_migrate.effective.files import FileView
from sekha_migrate.model import loaders
from sekha_migrate.sources.k8s_doc import configmap_entries, configmap_name, deployment_mounts
from sekha_migrate.sources.text import decode_text, read_bytes
from sekha_migrate.sources.yaml_doc import load_yaml


def configmap_view(path: Path, data: Any) -> tuple[FileView, str]:
    """The controller's view of the ConfigMap at `path`, and how it was placed (said in
    `sekha show`'s mode line)."""
    text = decode_text(read_bytes(path))
    loaded = load_yaml(text)
    entries = configmap_entries(data, text, partial(loaded.mark_for, prefer_key=True))
    texts: dict[str, tuple[str, str]] = {}
    said = []
    for entry in entries:
        # Blank lines before the entry's text: a value's line is its line in the manifest.
        padded = "\n" * (entry.first_line - 1) + entry.text
        mounted = deployment_mounts(path.parent, configmap_name(data), entry.name)
        places = [m.path for m in mounted] or [f"{loaders.CONTROLLER_WORKDIR}/{entry.name}"]
        for inside in places:
            texts[inside] = (str(path), padded)
        how = (f"mounted at {', '.join(places)} by {mounted[0].file}" if mounted
               else f"shown at {places[0]} (no Deployment beside it says where it is mounted)")
        said.append(f"ConfigMap data.{entry.name} {how}")
    return FileView(texts=texts, workdir=loaders.CONTROLLER_WORKDIR), "; ".join(said)
