"""sekha-docker's Helm chart (helm/sekha-controller, 623ee60) as a v1 source: its values.yaml
read as the settings its templates render, each at its line; what the ConfigMap template
writes as literals (the pod's listening address) carried too; a template refused by name."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from conftest import FIXTURES, CliResult

from sekha_migrate import plan_migration

Sekha = Callable[..., CliResult]
CHART = FIXTURES / "deployments" / "helm-623ee60" / "sekha-controller"


def chart(tmp_path: Path) -> Path:
    return Path(shutil.copytree(CHART, tmp_path / "sekha-controller"))


def test_the_charts_values_become_the_settings_the_templates_meant(tmp_path: Path) -> None:
    directory = chart(tmp_path)
    plan = plan_migration(sources=[directory / "values.yaml"])
    assert plan.valid
    document = plan.document
    assert document is not None
    assert (document["database_url"], document["chroma_url"], document["log_level"],
            document["llm_providers"][0]["base_url"]) == (
        "sqlite:///data/sekha.db", "http://chroma:8000", "info", "http://ollama:11434")
    # the template's literal [server] host: a pod must listen on all interfaces
    assert (document["server_host"], document["server_port"]) == ("0.0.0.0", 8080)
    reads = {read.origin.key: read for read in plan.reads}
    assert [(reads[k].origin.line, reads[k].origin.column) for k in (
        "controller.config.databaseUrl", "controller.config.chromaUrl",
        "controller.config.ollamaUrl", "controller.config.logLevel")] == [
        (75, 5), (76, 5), (77, 5), (78, 5)]
    host = reads["server.host"].origin
    assert (host.file, host.line) == (str(directory / "templates" / "configmap.yaml"), 11)


def test_what_v1_never_read_and_what_no_template_renders_are_said(tmp_path: Path) -> None:
    directory = chart(tmp_path)
    plan = plan_migration(sources=[directory / "values.yaml"])
    values, template = str(directory / "values.yaml"), str(directory / "templates" /
                                                          "configmap.yaml")
    assert sorted((f.file, f.line) for f in plan.findings if f.code == "v1-never-read") == [
        (template, 10), (template, 11), (values, 75), (values, 76), (values, 77)]
    assert [(f.line, f.message) for f in plan.findings if f.code == "unmappable-key"] == [
        (110, "bridge.config.redisUrl is not carried to v2: no template of the chart renders "
         "it; its value stays in the backup"),
        (111, "bridge.config.ollamaHost is not carried to v2: no template of the chart "
         "renders it; its value stays in the backup"),
        (112, "bridge.config.workers is not carried to v2: no template of the chart renders "
         "it; its value stays in the backup")]
    [mount] = [f for f in plan.findings if f.code == "mount-unread"]
    assert (mount.file, mount.line, mount.column) == (
        str(directory / "templates" / "deployment.yaml"), 60, 15)


def test_values_without_their_chart_are_still_read(tmp_path: Path) -> None:
    path = tmp_path / "values.yaml"
    path.write_text("controller:\n  config:\n    chromaUrl: http://vectors:8000\n")
    plan = plan_migration(sources=[path])
    assert plan.document is not None
    assert plan.document["chroma_url"] == "http://vectors:8000"
    assert [f.code for f in plan.findings if f.code == "mount-unread"] == []


def test_a_helm_template_is_refused_by_name_and_nothing_is_written(tmp_path: Path,
                                                                   sekha: Sekha) -> None:
    directory = chart(tmp_path)
    result = sekha("migrate", "templates/configmap.yaml", cwd=directory)
    assert result.exit_code == 2
    assert result.stderr == (
        "sekha migrate: templates/configmap.yaml is a Helm template: helm fills its {{ }} "
        "from the chart's values at install time, so it is no configuration as it stands; "
        "give the chart's values instead (values.yaml), or render the chart first (helm "
        "template RELEASE . > rendered.yaml)\n")
    assert not (directory / "config.yaml").exists()
    assert not (directory / ".sekha-backups").exists()
