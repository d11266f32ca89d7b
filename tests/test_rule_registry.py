"""The registry of finding codes documents every code the package can emit, and the docs' table
of codes (docs/codes/index.md, generated: tools/docs_gen.py) lists every one of them."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import sekha_migrate
from sekha_migrate.findings import Severity
from sekha_migrate.validate.rules import RULES, is_registered, markdown_table, rule_for

PACKAGE = Path(sekha_migrate.__file__).parent
CODES_PAGE = Path(__file__).parent.parent / "docs" / "codes" / "index.md"
CODE_SHAPE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9<>]+)*$")


def _strings(node: ast.AST | None) -> set[str]:
    """The string constants a code expression can evaluate to (`"a" if x else "b"` gives both)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    return set()


def _code_parameters(tree: ast.Module) -> dict[str, int]:
    """Functions taking a `code` parameter, and its position: helpers that build findings."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
            if "code" in names:
                found[node.name] = names.index("code") - (1 if names[:1] == ["self"] else 0)
    return found


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _codes_in(tree: ast.Module, helpers: dict[str, int]) -> set[str]:
    codes: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            position = 1 if _call_name(node) == "Finding" else helpers.get(_call_name(node))
            if position is not None and len(node.args) > position:
                codes |= _strings(node.args[position])
            codes |= {s for k in node.keywords if k.arg == "code" for s in _strings(k.value)}
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == "code":
                    codes |= _strings(node.value)
                if (isinstance(target, ast.Name) and target.id.endswith("_CODES")
                        and isinstance(node.value, ast.Dict)):  # e.g. probe's status -> code
                    codes |= {s for v in node.value.values for s in _strings(v)}
    return codes


def emitted_codes() -> dict[str, set[str]]:
    """Every finding code written in the package's source, with the files that emit it."""
    trees = {path: ast.parse(path.read_text()) for path in PACKAGE.rglob("*.py")}
    helpers: dict[str, int] = {}
    for tree in trees.values():
        helpers.update(_code_parameters(tree))
    found: dict[str, set[str]] = {}
    for path, tree in trees.items():
        for code in _codes_in(tree, helpers):
            found.setdefault(code, set()).add(str(path.relative_to(PACKAGE)))
    return found


def test_the_scan_finds_codes_of_every_command() -> None:
    codes = emitted_codes()
    # one code each from validate, migrate and probe, each built a different way
    for code in ("duplicate-key", "v1-never-read", "provider-unreachable", "unread-name",
                 "too-deep", "not-carried"):
        assert code in codes, code
    assert len(codes) > 60


def test_every_emitted_code_has_a_registry_entry() -> None:
    missing = {code: sorted(files) for code, files in emitted_codes().items()
               if not is_registered(code)}
    assert missing == {}, "add these codes to sekha_migrate/validate/rules.py"


def test_every_registry_entry_is_emitted_somewhere() -> None:
    emitted = emitted_codes()
    assert sorted(set(RULES) - set(emitted)) == []


def test_every_entry_is_documented() -> None:
    for rule in RULES.values():
        assert CODE_SHAPE.match(rule.code), rule.code
        assert isinstance(rule.severity, Severity)
        assert rule.description.endswith(".") and rule.help, rule.code


def test_schema_codes_are_one_documented_family() -> None:
    rule = rule_for("schema-minimum")
    assert rule.severity is Severity.ERROR and "'minimum'" in rule.description


def test_the_docs_table_lists_every_code_with_a_link_to_its_page() -> None:
    table = CODES_PAGE.read_text(encoding="utf-8")
    for code in RULES:
        assert f"| [`{code}`]({code}.md) |" in table


def test_the_plain_table_lists_every_code() -> None:
    block = markdown_table()
    for code in RULES:
        assert f"| `{code}` |" in block


def test_markdown_command_prints_the_table() -> None:
    # once as a real module run
    done = subprocess.run(
        [sys.executable, "-m", "sekha_migrate.validate.rules", "--markdown"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0 and done.stdout == markdown_table()
