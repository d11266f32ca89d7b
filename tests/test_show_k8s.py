"""`sekha show` of a Kubernetes ConfigMap: the controller's effective configuration with its
config file where the Deployment beside it mounts it, each value at its manifest line."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import FIXTURES

from sekha_migrate.effective.deployment import Scope, resolve_paths

K8S = FIXTURES / "deployments" / "k8s-b7dc0d3"
CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: sekha
data:
  config.yaml: |
    server_host: 0.0.0.0
    chroma_url: http://chroma:8000
"""


def test_a_configmap_mounted_at_config_toml_leaves_the_controller_on_its_defaults(
        tmp_path: Path) -> None:
    for name in ("configmap.yaml", "deployment.yaml"):
        shutil.copy(K8S / name, tmp_path)
    [config] = resolve_paths([tmp_path / "configmap.yaml"], Scope()).configs
    assert config.files_read == ()
    assert config.settings["chroma_url"].value == "http://localhost:8000"
    assert config.mode.endswith(f"ConfigMap data.config.toml mounted at /config.toml by "
                                f"{tmp_path / 'deployment.yaml'}")


def test_a_configmap_alone_is_shown_where_the_controller_reads_at_its_manifest_lines(
        tmp_path: Path) -> None:
    path = tmp_path / "configmap.yaml"
    path.write_text(CONFIGMAP)
    [config] = resolve_paths([path], Scope()).configs
    assert config.files_read == (str(path),)
    setting = config.settings["chroma_url"]
    assert (setting.value, setting.origin.file, setting.origin.line) == (
        "http://chroma:8000", str(path), 8)
    assert config.settings["server_host"].value == "0.0.0.0"
