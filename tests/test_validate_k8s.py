"""`sekha validate` of Kubernetes and Helm files: a ConfigMap's config files validated as the
files they hold, at the manifest's own lines; the Deployment that mounts them where the
controller never looks; the Helm chart's values.yaml against what its templates render; a
Helm template named as one (exit 2), never parsed as a configuration."""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

from conftest import ROOT, CliResult

from sekha_migrate.findings import FileResult
from sekha_migrate.sources.helm_chart import (
    CHART_MOUNT_PATH,
    CONTROLLER_VALUES,
    is_helm_template,
    template_references,
)
from sekha_migrate.validate.engine import validate_file, validate_paths, validate_text

Sekha = Callable[..., CliResult]
DEPLOYMENTS = ROOT / "fixtures" / "deployments"
K8S = DEPLOYMENTS / "k8s-b7dc0d3"
CHART = DEPLOYMENTS / "helm-623ee60" / "sekha-controller"
V2 = (ROOT / "fixtures" / "v2" / "valid" / "minimal-ollama-only.yaml").read_text()

Found = list[tuple[str, str, int | None, int | None]]


def found(result: FileResult) -> Found:
    return [(f.severity.value, f.code, f.line, f.column) for f in result.findings]


def configmap(entry: str, text: str, name: str = "sekha") -> str:
    body = textwrap.indent(text, "    ")
    return (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n"
            f"  {entry}: |\n{body}")


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: sekha
spec:
  template:
    spec:
      containers:
        - name: controller
          image: ghcr.io/sekha-ai/sekha-controller:latest
          volumeMounts:
            - name: config
              mountPath: {mount}
              subPath: config.yaml
      volumes:
        - name: config
          configMap:
            name: sekha
"""


# ---- ConfigMap --------------------------------------------------------------------------


def test_sekha_dockers_configmap_is_the_controllers_toml_mounted_where_it_is_never_read(
        ) -> None:
    result = validate_file(K8S / "configmap.yaml")
    assert result.target == "k8s"
    assert found(result) == [("warning", "mount-unread", 7, 3), ("error", "v1-config", 8, 5)]
    assert result.findings[0].message == (
        f"data.config.toml: {K8S / 'deployment.yaml'} mounts it at /config.toml, which the "
        "controller never reads: it reads only /app/config.* (its working directory), so a "
        "controller deployed by it runs on its defaults")


def test_a_configmaps_config_yaml_is_validated_with_findings_at_the_manifests_lines(
        tmp_path: Path) -> None:
    inner = V2.replace("base_url: http://localhost:11434", "base_url: localhost:11434")
    alone = validate_text(inner, path="config.yaml")
    path = tmp_path / "configmap.yaml"
    path.write_text(configmap("config.yaml", inner))
    result = validate_file(path)
    # the file's lines start at manifest line 7, indented by 4
    assert [(c, line, column) for _, c, line, column in found(result)] == [
        (f.code, (f.line or 0) + 6, (f.column or 0) + 4) for f in alone.findings]
    assert [(f.code, f.line, f.column) for f in result.findings] == [("url-scheme", 14, 19)]
    assert result.findings[0].message.startswith("data.config.yaml: ")


def test_a_configmap_built_to_be_right_has_no_finding(tmp_path: Path) -> None:
    (tmp_path / "configmap.yaml").write_text(configmap("config.yaml", V2))
    (tmp_path / "deployment.yaml").write_text(DEPLOYMENT.format(mount="/app/config.yaml"))
    result = validate_file(tmp_path / "configmap.yaml")
    assert found(result) == []
    assert result.valid


def test_a_deployment_mounting_the_entry_outside_app_is_found(tmp_path: Path) -> None:
    (tmp_path / "configmap.yaml").write_text(configmap("config.yaml", V2))
    (tmp_path / "deployment.yaml").write_text(DEPLOYMENT.format(mount="/etc/sekha/config.yaml"))
    result = validate_file(tmp_path / "configmap.yaml")
    assert found(result) == [("warning", "mount-unread", 6, 3)]


def test_a_configmap_without_a_config_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "configmap.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\ndata:\n"
                    "  LOG_LEVEL: debug\n")
    result = validate_file(path)
    assert found(result) == [("error", "configmap-no-config", 1, 1)]


def test_an_inline_suppression_inside_the_entry_works_as_in_the_file(tmp_path: Path) -> None:
    inner = V2.replace('version: "2.0"', 'version: "2.0"\ntelemetry: on  # sekha: ignore'
                       '[unknown-key]')
    path = tmp_path / "configmap.yaml"
    path.write_text(configmap("config.yaml", inner))
    assert found(validate_file(path)) == []


def test_other_kubernetes_manifests_are_said_to_hold_no_configuration() -> None:
    run = validate_paths([str(K8S)])
    assert [(Path(r.path).name, [f.code for f in r.findings]) for r in run.files] == [
        ("configmap.yaml", ["mount-unread", "v1-config"]),
        ("deployment.yaml", ["k8s-manifest"]), ("namespace.yaml", ["k8s-manifest"]),
        ("pvc.yaml", ["k8s-manifest"]), ("service.yaml", ["k8s-manifest"])]
    assert run.files[1].findings[0].message == (
        "Kubernetes manifests (Deployment): they hold no Sekha configuration, so there is "
        "nothing here to validate")


# ---- Helm --------------------------------------------------------------------------------


def test_the_charts_values_reach_the_controller_nowhere_and_leave_it_the_public_key() -> None:
    result = validate_file(CHART / "values.yaml")
    assert result.target == "helm-values"
    assert [(f.severity.value, f.code, f.file, f.line) for f in result.findings] == [
        ("error", "public-default-key", str(CHART / "values.yaml"), 10),
        ("warning", "mount-unread", str(CHART / "templates" / "deployment.yaml"), 60),
        ("warning", "helm-value-unread", str(CHART / "values.yaml"), 75),
        ("warning", "helm-value-unread", str(CHART / "values.yaml"), 76),
        ("warning", "helm-value-unread", str(CHART / "values.yaml"), 77),
        # bridge.config: no template renders it
        ("warning", "helm-value-unread", str(CHART / "values.yaml"), 110),
        ("warning", "helm-value-unread", str(CHART / "values.yaml"), 111),
        ("warning", "helm-value-unread", str(CHART / "values.yaml"), 112)]
    assert result.findings[2].message == (
        "controller.config.databaseUrl reaches the controller nowhere: the chart renders it "
        "into [database] url of the config.toml it mounts at /config.toml (a table the flat "
        "controller never reads, in a file outside /app) and SEKHA_DATABASE_URL (one "
        "underscore: never read); the controller runs with its default database_url "
        "sqlite://sekha.db")


def test_the_table_of_chart_values_is_what_the_templates_render() -> None:
    configmap_text = (CHART / "templates" / "configmap.yaml").read_text()
    deployment_text = (CHART / "templates" / "deployment.yaml").read_text()
    for path, rendered in CONTROLLER_VALUES.items():
        reference = re.escape("{{ .Values." + ".".join(path))
        if rendered.toml is not None:
            table, key = rendered.toml
            assert re.search(rf"\[{table}\]\n\s*{key} = \"{reference} }}}}\"", configmap_text)
        if rendered.env is not None:
            assert re.search(rf"- name: {rendered.env}\n\s*value: {reference} \| quote }}}}",
                             deployment_text)
    every = set().union(*(template_references(p.read_text())
                          for p in (CHART / "templates").iterdir()))
    config_refs = {p for p in every if p[:2] == ("controller", "config")}
    assert config_refs == set(CONTROLLER_VALUES)
    assert [p for p in every if p[0] == "bridge"] == []
    assert f"mountPath: {CHART_MOUNT_PATH}\n" in deployment_text


def test_a_helm_template_is_named_as_one_and_is_a_usage_error(sekha: Sekha) -> None:
    template = CHART / "templates" / "configmap.yaml"
    result = sekha("validate", str(template))
    assert result.exit_code == 2
    assert result.stdout.splitlines()[1] == (
        f"  {template}:1:1: error: {template} is a Helm template: helm fills its {{{{ }}}} "
        f"from the chart's values at install time, so it is no configuration as it stands; "
        f"give the chart's values instead ({CHART / 'values.yaml'}), or render the chart "
        f"first (helm template RELEASE {CHART} > rendered.yaml) [helm-template]")


def test_a_helm_template_met_in_a_directory_is_skipped(tmp_path: Path, sekha: Sekha) -> None:
    shutil.copytree(CHART, tmp_path / "chart")
    run = validate_paths([str(tmp_path / "chart" / "templates")])
    assert {tuple(f.code for f in r.findings) for r in run.files} == {
        ("helm-template-skipped",)}
    assert run.valid
    assert not run.any_unreadable


def test_helm_templates_are_told_from_configurations() -> None:
    assert is_helm_template("name: {{ .Values.name }}\n")
    assert is_helm_template("labels:\n  {{- include \"x.labels\" . | nindent 4 }}\n")
    assert not is_helm_template(V2)
    assert not is_helm_template('command: "echo {{ not helm }}"\n')
