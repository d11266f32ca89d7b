"""A Kubernetes ConfigMap given to `validate`: each config file in its `data` validated as
the file it holds, its findings placed at the manifest's own lines; and a Deployment beside
it that mounts the file where its component never looks (sekha-docker's k8s/deployment.yaml
mounts config.toml at /config.toml, outside the controller's /app)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path

from sekha_migrate.findings import FileResult, Finding, Severity, escalate_warnings, sort_findings
from sekha_migrate.model import loaders
from sekha_migrate.sources.k8s_doc import (
    CONFIG_NAMES,
    ConfigMapEntry,
    configmap_entries,
    configmap_name,
    deployment_mounts,
    is_configmap,
)
from sekha_migrate.sources.yaml_doc import LoadedYaml

CONFIGMAP = "k8s"  # a FileResult's target when the file was read as a Kubernetes manifest


def validate_configmap(loaded: LoadedYaml, text: str, path: str, *,
                       env: Mapping[str, str], strict: bool) -> FileResult:
    from sekha_migrate.validate.engine import validate_text

    data = loaded.data
    entries = configmap_entries(data, text, partial(loaded.mark_for, prefer_key=True))
    if not entries:
        return FileResult(path, (Finding(
            Severity.ERROR, "configmap-no-config",
            f"this Kubernetes ConfigMap ({configmap_name(data) or 'unnamed'}) holds no Sekha "
            "config file under data:", line=1, column=1,
            hint=f"a Sekha ConfigMap holds one of {', '.join(CONFIG_NAMES)} under data:"),),
            data=data, target=CONFIGMAP)
    findings: list[Finding] = [*loaded.findings]
    for entry in entries:
        inner = validate_text(entry.text, path=entry.name, env=env, strict=strict,
                              target="docker" if entry.name.endswith(".json") else None)
        findings += [_in_manifest(f, entry) for f in inner.findings]
        findings += _mounted_unread(Path(path), configmap_name(data), entry)
    return FileResult(path, sort_findings(findings), data=data, target=CONFIGMAP)


def _in_manifest(finding: Finding, entry: ConfigMapEntry) -> Finding:
    """A finding of the embedded file, at the manifest's line and column, naming its key."""
    line = entry.first_line + (finding.line or 1) - 1
    column = (finding.column or 1) + entry.indent
    return replace(finding, file=None, line=line, column=column,
                   message=f"data.{entry.name}: {finding.message}")


def _mounted_unread(path: Path, configmap: str, entry: ConfigMapEntry) -> list[Finding]:
    """The Deployments in the manifest's directory that mount `entry` at a path the
    controller never reads (only the first config.* of its working directory, /app)."""
    if not path.is_file():
        return []  # stdin: no directory to look in
    found = []
    for mounted in deployment_mounts(path.parent, configmap, entry.name):
        inside = mounted.path
        if inside.rsplit("/", 1)[0] == loaders.CONTROLLER_WORKDIR \
                and inside.rsplit("/", 1)[-1] in loaders.CONTROLLER_FILE_ORDER:
            continue
        found.append(Finding(
            Severity.WARNING, "mount-unread",
            f"data.{entry.name}: {mounted.file} mounts it at {inside}, which the controller "
            f"never reads: it reads only {loaders.CONTROLLER_WORKDIR}/config.* (its working "
            "directory), so a controller deployed by it runs on its defaults",
            line=entry.key_line, column=3,
            hint=f"mount it at {loaders.CONTROLLER_WORKDIR}/{entry.name} (mountPath: "
            f"{loaders.CONTROLLER_WORKDIR}/{entry.name}, subPath: {entry.name})"))
    return found


def manifest_result(loaded: LoadedYaml, text: str, path: str, *, env: Mapping[str, str],
                    strict: bool) -> FileResult | None:
    """A Kubernetes manifest or the Helm chart's values.yaml, checked as what it is; None
    for any other document (validated as a v2 file)."""
    from sekha_migrate.sources.helm_chart import is_chart_values

    data = loaded.data
    if is_configmap(data):
        return validate_configmap(loaded, text, path, env=env, strict=strict)
    if is_chart_values(Path(path), data):
        from sekha_migrate.validate.helm import validate_chart_values

        result = validate_chart_values(loaded, path)
        return replace(result, findings=escalate_warnings(result.findings)) if strict \
            else result
    chart = Path(path).name == "Chart.yaml" and isinstance(data, dict) and "name" in data
    if isinstance(data, dict) and "apiVersion" in data and (
            isinstance(data.get("kind"), str) or chart):
        what = "Helm Chart.yaml" if chart else f"Kubernetes {data['kind']} manifest"
        return FileResult(path, (Finding(
            Severity.INFO, "k8s-manifest",
            f"a {what}: it holds no Sekha configuration, so there "
            "is nothing here to validate", line=1, column=1,
            hint="validate the ConfigMap that holds config.toml or config.yaml, or the Helm "
            "chart's values.yaml"),), data=data, target=CONFIGMAP)
    return None


_KIND = re.compile(r"(?m)^kind:[ \t]*['\"]?([A-Za-z]+)")
_API_VERSION = re.compile(r"(?m)^apiVersion:[ \t]*\S")


def manifest_documents(text: str, path: str) -> FileResult | None:
    """A file of several Kubernetes documents (sekha-docker's deployment.yaml, service.yaml):
    not a configuration, where a Sekha file of several documents would be an error."""
    kinds = list(dict.fromkeys(_KIND.findall(text)))
    if not kinds or not _API_VERSION.search(text) or "ConfigMap" in kinds:
        return None
    return FileResult(path, (Finding(
        Severity.INFO, "k8s-manifest",
        f"Kubernetes manifests ({', '.join(kinds)}): they hold no Sekha configuration, so "
        "there is nothing here to validate", line=1, column=1,
        hint="validate the ConfigMap that holds config.toml or config.yaml, or the Helm "
        "chart's values.yaml"),), target=CONFIGMAP)
