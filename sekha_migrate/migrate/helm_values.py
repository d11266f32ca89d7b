"""sekha-docker's Helm chart values.yaml as a v1 source: each value the chart renders into
the controller's config.toml or environment read as the setting it means, at its line of
values.yaml; where the chart put it (a sectioned table at /config.toml, a one-underscore
variable) is why a v1 controller never read it (sources/helm_chart.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sekha_migrate.findings import DataPath, Finding, Mark
from sekha_migrate.migrate.discover import SourceFile
from sekha_migrate.migrate.readings import RawRead
from sekha_migrate.migrate.results import Origin
from sekha_migrate.model import loaders
from sekha_migrate.sources.helm_chart import chart_values, template_literals


def read_chart_values(source: SourceFile, data: dict[str, Any],
                      key_mark: Callable[[DataPath], Mark | None] | None,
                      issues: list[Finding]) -> tuple[list[RawRead], list[Finding]]:
    from sekha_migrate.validate.helm import chart_mount_findings

    reads = []
    for value in chart_values(data):
        mark = key_mark(value.path) if key_mark is not None else None
        origin = Origin(source.name, mark.line if mark else None, mark.column if mark else None,
                        ".".join(value.path))
        rendered = value.rendered
        if rendered is None:
            component = loaders.CONTROLLER if value.path[0] == "controller" else loaders.BRIDGE
            reads.append(RawRead(origin, value.value, None, "no template of the chart renders "
                                 "it", component))
        elif rendered.setting is None:
            reads.append(RawRead(origin, value.value, None, f"rendered as {rendered.env}, "
                                 "which no Sekha program reads"))
        else:
            reads.append(RawRead(origin, value.value, rendered.setting,
                                 never_read=not rendered.env_read))
    reads += _literals(source)
    return reads, [*issues, *chart_mount_findings(source.path)]


def _literals(source: SourceFile) -> list[RawRead]:
    """What the chart's ConfigMap template writes whatever the values say (the listening
    address, 0.0.0.0, that a pod needs): meant, but never read by the flat controller."""
    from sekha_migrate.model import v1

    template = source.path.parent / "templates" / "configmap.yaml"
    try:
        text = template.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    reads = []
    for literal in template_literals(text):
        setting = v1.SECTION_KEYS.get(literal.table, {}).get(literal.key)
        if setting is None:
            continue
        origin = Origin(str(template), literal.line, literal.column,
                        f"{literal.table}.{literal.key}")
        reads.append(RawRead(origin, literal.value, setting, never_read=True))
    return reads
