"""No module imports from a layer above its own (../shared/STYLE.md: sources -> model ->
decide -> report -> cli), lazy imports inside functions included: a hidden cycle is still
a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "sekha_migrate"

# Lowest first. A module may import from its own layer and the ones below it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("findings", "exit_codes", "errors", "json_text", "origin")),
    ("files", ("sources", "io", "backup")),
    ("model", ("model", "dialects", "schema", "modelines")),
    ("decide", ("validate", "migrate", "probe", "registry", "resilience", "convert", "effective",
                "templates", "undo", "api")),
    ("report", ("report",)),
    ("cli", ("commands", "cli", "entry", "version", "__main__", "__init__")),
]


def _layer_of(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    for index, (_name, members) in enumerate(LAYERS):
        if top in members:
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def _module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1] if len(parts) > 2 else [*parts[:-1], "__init__"]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, name) for line, name in found if name.startswith("sekha_migrate.")]


def test_no_module_imports_from_a_layer_above_it() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        own = _layer_of(module)
        for line, imported in _imports(path):
            if _layer_of(imported) > own:
                wrong.append(f"{path.relative_to(ROOT)}:{line} ({LAYERS[own][0]}) imports "
                             f"{imported} ({LAYERS[_layer_of(imported)][0]})")
    assert wrong == []


def test_every_module_is_in_a_layer() -> None:
    for path in PACKAGE.rglob("*.py"):
        _layer_of(_module_name(path))
