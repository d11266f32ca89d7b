"""Reading the `# expect:` and `# env:` headers of the fixtures under fixtures/v2/.

A fixture states what `validate` must find in it, one finding a line, in its leading comments:

    # expect: error duplicate-key 8:5 $.llm_providers[0].priority
    # env: SEKHA_API_KEY=abc

`# expect: nothing` states that there are no findings at all. Adding a fixture adds a test.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sekha_migrate.findings import FileResult

ROOT = Path(__file__).resolve().parent.parent
V2_FIXTURES = ROOT / "fixtures" / "v2"

Expected = tuple[str, str, str, str]  # severity, code, "line:column", JSON path


@dataclass(frozen=True)
class FixtureHeader:
    expected: tuple[Expected, ...]
    env: dict[str, str]
    declared: bool  # the fixture has at least one `# expect:` line


def read_header(path: Path) -> FixtureHeader:
    expected: list[Expected] = []
    env: dict[str, str] = {}
    declared = False
    text = path.read_bytes().decode("utf-8-sig")
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line.lstrip("#").strip()
        if body.startswith("expect:"):
            declared = True
            rest = body[len("expect:") :].strip()
            if rest != "nothing":
                severity, code, position, json_path = rest.split(maxsplit=3)
                expected.append((severity, code, position, json_path))
        elif body.startswith("env:"):
            name, _, value = body[len("env:") :].strip().partition("=")
            env[name] = value
    return FixtureHeader(tuple(expected), env, declared)


def observed(result: FileResult) -> list[Expected]:
    return [
        (f.severity.value, f.code, f"{f.line}:{f.column}", f.path) for f in result.findings
    ]


def fixture_files(kind: str) -> list[Path]:
    return sorted(p for p in (V2_FIXTURES / kind).iterdir() if p.is_file())


def document_paths(value: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every path below the root of a parsed document (for mutation tests)."""
    found: list[tuple[object, ...]] = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += document_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += document_paths(item, (*prefix, index))
    return found
