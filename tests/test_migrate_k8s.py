"""A Kubernetes ConfigMap as a v1 source (sekha-docker's k8s/ manifests, b7dc0d3): its config
file is read with its values placed at their lines in the manifest, and a Deployment that
mounts it where the controller never looks is reported."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import FIXTURES, write

from sekha_migrate import plan_migration

K8S = FIXTURES / "deployments" / "k8s-b7dc0d3"


def project(tmp_path: Path, with_deployment: bool = True) -> Path:
    directory = tmp_path / "k8s"
    directory.mkdir()
    shutil.copy(K8S / "configmap.yaml", directory)
    if with_deployment:
        shutil.copy(K8S / "deployment.yaml", directory)
    return directory


def test_the_configmaps_config_file_is_read_at_its_manifest_lines(tmp_path: Path) -> None:
    directory = project(tmp_path, with_deployment=False)
    plan = plan_migration(sources=[directory / "configmap.yaml"])
    reads = {read.origin.key: read for read in plan.reads}
    port = reads["server.port"]
    assert (port.origin.file, port.origin.line, port.origin.column, port.value) == (
        str(directory / "configmap.yaml"), 9, 5, 8080)
    assert reads["database.url"].origin.line == 13
    # A sectioned TOML: the flat v1 controller never read these keys.
    never = {f.line for f in plan.findings if f.code == "v1-never-read"}
    assert never == {9, 10, 13, 16, 22, 25}
    assert "apiVersion" not in reads and "kind" not in reads
    assert plan.valid


def test_a_deployment_mounting_it_outside_app_is_reported(tmp_path: Path) -> None:
    directory = project(tmp_path)
    plan = plan_migration(sources=[directory / "configmap.yaml"])
    [finding] = [f for f in plan.findings if f.code == "mount-unread"]
    assert (finding.severity.value, finding.line) == ("warning", 7)
    assert finding.message == (
        f"{directory / 'deployment.yaml'} mounts config.toml of this ConfigMap at /config.toml; "
        "the controller reads /app/config.* only, so a controller deployed by it never read "
        "this file and ran on its defaults")


def test_a_deployment_mounting_it_where_the_controller_reads_is_not(tmp_path: Path) -> None:
    directory = project(tmp_path)
    deployment = directory / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("mountPath: /config.toml",
                                                         "mountPath: /app/config.toml"))
    plan = plan_migration(sources=[directory / "configmap.yaml"])
    assert not [f for f in plan.findings if f.code == "mount-unread"]


def test_a_configmap_without_a_config_file_names_what_is_missing(tmp_path: Path) -> None:
    path = write(tmp_path / "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                       "  name: other\ndata:\n  app.properties: x=1\n")
    plan = plan_migration(sources=[path])
    assert [(f.code, f.line) for f in plan.findings if f.severity.value == "error"][:1] == [
        ("no-sekha-settings", 1)]
    assert not plan.valid
