"""sekha-docker's Helm chart `helm/sekha-controller`: which of its values reach which
controller setting, and how a Helm template is told from a configuration.

Read from the chart's templates at sekha-docker 623ee60 (values.yaml 81d0257, templates
05f654e; fixtures/deployments/helm-623ee60): `templates/configmap.yaml` renders a sectioned
config.toml from `.Values.controller.config.*`, `templates/deployment.yaml` mounts it at
`/config.toml` (outside the controller's /app) and passes the same values as one-underscore
`SEKHA_*` variables. The flat v1 controller reads none of these (consumers.md sections 1 and
8): a controller deployed by the chart ran on its defaults. No template renders `bridge.*`.
tests/test_helm.py checks this table against the templates themselves.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

from sekha_migrate.sources.k8s_doc import value_at

CHART_NAME = "sekha-controller"
CHART_MOUNT_PATH = "/config.toml"  # templates/deployment.yaml's mountPath of config.toml
CHART_COMMIT = "sekha-docker 623ee60"


class Rendered(NamedTuple):
    """Where the chart's templates put one value: the config.toml table and key
    (templates/configmap.yaml) and the container variable (templates/deployment.yaml)."""

    setting: str | None  # the v1 controller setting the value means
    toml: tuple[str, str] | None
    env: str | None
    # RUST_LOG is read, by the controller's tracing filter (main.rs, 9e9dca0), not config-rs.
    env_read: bool = False


CONTROLLER_VALUES: dict[tuple[str, ...], Rendered] = {
    ("controller", "config", "databaseUrl"): Rendered("database_url", ("database", "url"),
                                                      "SEKHA_DATABASE_URL"),
    ("controller", "config", "chromaUrl"): Rendered("chroma_url", ("chroma", "url"),
                                                    "SEKHA_CHROMA_URL"),
    ("controller", "config", "ollamaUrl"): Rendered("ollama_url", ("ollama", "url"),
                                                    "SEKHA_OLLAMA_URL"),
    ("controller", "config", "logLevel"): Rendered("log_level", ("logging", "level"),
                                                   "RUST_LOG", env_read=True),
    ("controller", "config", "redisUrl"): Rendered(None, None, "SEKHA_REDIS_URL"),
}
# Written into the rendered config.toml as literals, whatever the values say.
FIXED_TOML = {("server", "port"): 8080, ("server", "host"): "0.0.0.0"}
UNRENDERED = (("bridge",),)  # value trees no template of the chart reads

_HELM_WORDS = re.compile(r"\{\{-?\s*(?:\.Values|\.Release|\.Chart|\.Capabilities|include\b"
                         r"|define\b|toYaml\b|if\b|with\b|range\b|end\b|template\b|/\*)")


def is_helm_template(text: str) -> bool:
    """Text with Go template actions Helm fills at install time ({{ .Values.x }},
    {{- include ... }}): not a configuration as it stands."""
    return "{{" in text and _HELM_WORDS.search(text) is not None


def template_message(path: Path) -> str:
    chart = _chart_dir(path)
    values = chart / "values.yaml" if chart is not None else Path("values.yaml")
    shown = str(chart) if chart is not None else "CHART"
    return (f"{path} is a Helm template: helm fills its {{{{ }}}} from the chart's values at "
            f"install time, so it is no configuration as it stands; give the chart's values "
            f"instead ({values}), or render the chart first (helm template RELEASE {shown} > "
            "rendered.yaml)")


def _chart_dir(path: Path) -> Path | None:
    for parent in path.parents:
        if (parent / "Chart.yaml").is_file():
            return parent
    return None


def is_chart_values(path: Path, data: Any) -> bool:
    """The values.yaml of the upstream chart: named values.y(a)ml beside a Chart.yaml of
    that name, or holding the chart's controller.config mapping."""
    if path.name.lower() not in ("values.yaml", "values.yml") or not isinstance(data, dict):
        return False
    chart = path.parent / "Chart.yaml"
    if chart.is_file():
        try:
            text = chart.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
        if re.search(rf"(?m)^name:\s*['\"]?{CHART_NAME}['\"]?\s*$", text):
            return True
    controller = data.get("controller")
    return isinstance(controller, dict) and isinstance(controller.get("config"), dict)


class ChartValue(NamedTuple):
    path: tuple[str, ...]
    value: Any
    rendered: Rendered | None  # None: no template renders it


def chart_values(data: dict[str, Any]) -> list[ChartValue]:
    """The values of a values.yaml that configure Sekha: the chart's controller.config
    entries (each with where the templates put it), and the bridge.config entries no
    template reads."""
    found = []
    config = value_at(data, ("controller", "config"))
    for key, value in (config.items() if isinstance(config, dict) else ()):
        path = ("controller", "config", str(key))
        found.append(ChartValue(path, value, CONTROLLER_VALUES.get(path)))
    for tree in UNRENDERED:
        config = value_at(data, (*tree, "config"))
        for key, value in (config.items() if isinstance(config, dict) else ()):
            found.append(ChartValue((*tree, "config", str(key)), value, None))
    return found


def template_references(text: str) -> set[tuple[str, ...]]:
    """Every `.Values.a.b.c` a template text refers to, as a path."""
    return {tuple(m.group(1).split(".")) for m in
            re.finditer(r"\.Values\.([A-Za-z0-9_.]+[A-Za-z0-9_])", text)}


class Literal(NamedTuple):
    """A key the ConfigMap template writes as a literal (`[server] host = "0.0.0.0"`)."""

    table: str
    key: str
    value: Any
    line: int
    column: int


def template_literals(text: str) -> list[Literal]:
    """The literal keys of the config.toml a ConfigMap template renders: what the chart
    meant the controller to run with whatever the values say."""
    import tomllib

    found, table, inside = [], "", False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if re.match(r"^\s*config\.toml:\s*\|", line):
            inside = True
            continue
        if not inside or not stripped or "{{" in stripped:
            continue
        if stripped.startswith("["):
            table = stripped.strip("[]").strip()
            continue
        try:
            parsed = tomllib.loads(stripped)
        except tomllib.TOMLDecodeError:
            continue
        for key, value in parsed.items():
            found.append(Literal(table, key, value, number, len(line) - len(line.lstrip()) + 1))
    return found
