"""`sekha validate` of a Helm chart's files: a values.yaml of sekha-docker's chart checked for
what its values become in the controller (sources/helm_chart.py holds where the templates put
each), and a template told apart from a configuration."""

from __future__ import annotations

import re
from pathlib import Path

from sekha_migrate.findings import FileResult, Finding, Mark, Severity, sort_findings
from sekha_migrate.model import loaders
from sekha_migrate.sources.helm_chart import (
    CHART_MOUNT_PATH,
    ChartValue,
    chart_values,
    template_message,
)
from sekha_migrate.sources.yaml_doc import LoadedYaml

HELM_VALUES = "helm-values"  # a FileResult's target when read as the chart's values.yaml


def template_result(path: str) -> FileResult:
    """A Helm template named to validate: no configuration to check (exit 2, as for a path
    that is not a configuration at all)."""
    return FileResult(path, (Finding(
        Severity.ERROR, "helm-template", template_message(Path(path)), line=1, column=1,
        hint="sekha validate and sekha migrate read the chart's values.yaml"),),
        readable=False)


def validate_chart_values(loaded: LoadedYaml, path: str) -> FileResult:
    def mark(at: tuple[str, ...]) -> Mark | None:
        return loaded.mark_for(at, prefer_key=True)

    findings: list[Finding] = [*loaded.findings]
    values = chart_values(loaded.data)
    findings += [f for value in values if (f := _unread(value, mark(value.path))) is not None]
    findings += chart_mount_findings(Path(path))
    controller = mark(("controller",)) or Mark(1, 1)
    findings.append(Finding(
        Severity.ERROR, "public-default-key",
        "no template of the chart gives the controller an MCP key (no mcp_api_key in its "
        "config.toml, no SEKHA__MCP_API_KEY in its environment): it runs with the public "
        "default key, and anyone can authenticate with it",
        line=controller.line, column=controller.column,
        hint="give the controller SEKHA__MCP_API_KEY from a Secret (env: valueFrom: "
        "secretKeyRef:), e.g. the Secret sekha migrate --emit k8s writes"))
    return FileResult(path, sort_findings(findings), data=loaded.data, target=HELM_VALUES)


def _unread(value: ChartValue, mark: Mark | None) -> Finding | None:
    """A value the chart renders where the controller never reads it (or renders nowhere)."""
    name = ".".join(value.path)
    rendered = value.rendered
    if rendered is not None and rendered.env_read:
        return None  # RUST_LOG: the controller's log filter reads it
    if rendered is None:
        deploys = " (the chart deploys the controller only)" if value.path[0] != "controller" \
            else ""
        return Finding(
            Severity.WARNING, "helm-value-unread",
            f"{name} configures nothing: no template of the chart reads it{deploys}",
            line=mark.line if mark else None, column=mark.column if mark else None,
            hint="remove it, or configure that component where it runs")
    places = []
    if rendered.toml is not None:
        places.append(f"[{rendered.toml[0]}] {rendered.toml[1]} of the config.toml it mounts "
                      f"at {CHART_MOUNT_PATH} (a table the flat controller never reads, in a "
                      f"file outside {loaders.CONTROLLER_WORKDIR})")
    if rendered.env is not None:
        places.append(f"{rendered.env} (one underscore: never read)")
    why = "the chart renders it into " + " and ".join(places)
    default = loaders.CONTROLLER_DEFAULTS.get(rendered.setting or "")
    outcome = (f"the controller runs with its default {rendered.setting} {default}"
               if default is not None else "the controller has no such setting")
    return Finding(
        Severity.WARNING, "helm-value-unread",
        f"{name} reaches the controller nowhere: {why}; {outcome}",
        line=mark.line if mark else None, column=mark.column if mark else None,
        hint="migrate the values (sekha migrate values.yaml --emit k8s) and mount the "
        f"ConfigMap it writes at {loaders.CONTROLLER_WORKDIR}/config.yaml")


def chart_mount_findings(values: Path) -> list[Finding]:
    """The chart's Deployment template mounting config.toml outside /app, at its line."""
    template = values.parent / "templates" / "deployment.yaml"
    try:
        lines = template.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    wanted = re.compile(rf"^\s*mountPath:\s*['\"]?{re.escape(CHART_MOUNT_PATH)}['\"]?\s*$")
    for number, line in enumerate(lines, 1):
        if wanted.match(line):
            return [Finding(
                Severity.WARNING, "mount-unread",
                f"the chart mounts its config.toml at {CHART_MOUNT_PATH}, which the controller "
                f"never reads (it reads only {loaders.CONTROLLER_WORKDIR}/config.*): it runs "
                f"on its defaults, listening on {loaders.CONTROLLER_DEFAULTS['server_host']} "
                "inside its pod (the chart's host = \"0.0.0.0\" is never read), where neither "
                "the Service nor the kubelet's probes reach it",
                file=str(template), line=number, column=len(line) - len(line.lstrip()) + 1,
                hint=f"mount it at {loaders.CONTROLLER_WORKDIR}/config.toml (subPath: "
                "config.toml), with flat keys (server_host = \"0.0.0.0\", not [server] host)")]
    return []
