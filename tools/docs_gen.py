"""Generate the parts of docs/ that the code already knows, so that docs and `--help` cannot drift.

    python tools/docs_gen.py          # rewrite the generated parts
    python tools/docs_gen.py --check  # exit 1, naming the stale files (tests/test_docs.py)

- docs/commands/NAME.md: between the `generated` markers, the command's summary, usage, flag
  table and exit codes, read from the CLI itself (click introspection of the Typer app) and
  from the exit-code table its --help prints (sekha_migrate/commands/help_text.py). The prose
  around the markers is written by hand.
- docs/codes/CODE.md (one page per finding code) and docs/codes/index.md: from the registry
  (sekha_migrate/validate/rules.py), with the example `sekha explain` prints.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
BEGIN = "<!-- generated:begin (python tools/docs_gen.py) -->"
END = "<!-- generated:end -->"
SCHEMA_PAGE = "schema-keyword"  # the page of the schema-<keyword> family


def cli_commands() -> dict[str, Any]:
    """Every command as click sees it, in the order `sekha --help` lists them: the one place
    that knows how the CLI is built (if registration becomes lazy, only this changes)."""
    import typer.main

    from sekha_migrate.cli import app

    group: Any = typer.main.get_command(app)
    ctx = group.make_context("sekha", [], resilient_parsing=True)
    return {name: group.get_command(ctx, name) for name in group.list_commands(ctx)}


def root_flags() -> list[str]:
    """The flags of `sekha` itself (--version, completion, --help)."""
    import typer.main

    from sekha_migrate.cli import app

    group = typer.main.get_command(app)
    return [opt for p in group.params for opt in (*p.opts, *p.secondary_opts)
            if opt.startswith("--")] + ["--help"]


def command_flags(command: Any) -> list[str]:
    """Every long flag a command takes, --help included."""
    return [opt for p in command.params for opt in (*p.opts, *p.secondary_opts)
            if opt.startswith("--")] + ["--help"]


def _value(param: Any) -> str:
    # duck-typed: typer may carry its own copy of click, whose classes are not `click`'s
    kind = param.type
    if hasattr(kind, "choices"):
        return "|".join(str(c) for c in kind.choices)
    if hasattr(kind, "min") and hasattr(kind, "max"):
        return f"N ({kind.min}-{kind.max})"
    name = getattr(kind, "name", "")
    return {"float": "SECONDS", "integer": "N", "path": "PATH"}.get(name, "TEXT")


def _default(param: Any) -> str:
    default = param.default
    if default is None or default is False or default == () or param.required:
        return ""
    if isinstance(default, Enum):
        default = default.value
    return f"`{default}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def flag_rows(command: Any) -> Iterator[str]:
    yield "| flag | value | default | meaning |"
    yield "|---|---|---|---|"
    for param in command.params:
        if param.param_type_name == "argument":
            name = param.human_readable_name
            repeat = " (one or more)" if param.nargs == -1 else ""
            need = "required" if param.required else "optional"
            yield (f"| `{name}` | {need}{repeat} | | "
                   f"{_cell(getattr(param, 'help', '') or '')} |")
            continue
        names = ", ".join(f"`{o}`" for o in (*param.opts, *param.secondary_opts))
        value = "" if param.is_flag else f"`{_cell(_value(param))}`"
        if param.multiple:
            value += " (repeatable)"
        yield f"| {names} | {value} | {_default(param)} | {_cell(param.help or '')} |"


def command_block(name: str, command: Any) -> str:
    from sekha_migrate.commands.help_text import EXIT_CODES

    usage = " ".join(["sekha", name, "[OPTIONS]",
                      *(p.make_metavar(command.make_context(name, [], resilient_parsing=True))
                        for p in command.params if p.param_type_name == "argument")])
    summary = (command.help or "").strip().split("\n\n")[0]
    lines = [BEGIN, "", " ".join(summary.split()), "", "```text", usage, "```", "",
             *flag_rows(command), "",
             "Every command also takes `--help`. Exit codes:", "",
             "| exit | when |", "|---|---|"]
    lines += [f"| {code} | {_cell(meaning)} |" for code, meaning in enumerate(EXIT_CODES[name])]
    return "\n".join([*lines, "", END])


def _code_page_name(code: str) -> str:
    from sekha_migrate.validate.rules import RULES, SCHEMA_PREFIX

    return SCHEMA_PAGE if code.startswith(SCHEMA_PREFIX) and code not in RULES else code


def code_pages() -> dict[Path, str]:
    from sekha_migrate.validate.rules import RULES, SCHEMA_PREFIX, explanation, markdown_table

    pages: dict[Path, str] = {}
    for code in [*RULES, f"{SCHEMA_PREFIX}<keyword>"]:
        entry = explanation(code)
        lines = [f"# `{code}`", "",
                 f"**{entry['severity']}**, reported by "
                 f"[`sekha {entry['command']}`](../commands/{entry['command']}.md)", "",
                 "## What it means", "", entry["description"], ""]
        if entry["example"]:
            lines += ["## Example", "", "A file that draws it:", "", "```text",
                      entry["example"].rstrip("\n"), "```", ""]
        lines += ["## How to fix it", "", entry["fix"], "",
                  "## Silence it", "",
                  f"`--ignore {code}` on the command line or in the project file, or "
                  f"`# sekha: ignore[{code}]` on its line "
                  "(see [Choosing and silencing findings](../suppression.md)). "
                  f"`sekha explain {code}` prints this page.", ""]
        if code.startswith(SCHEMA_PREFIX) and code not in RULES:
            lines[0] = "# `schema-<keyword>`"
            lines[-2] = ("`--ignore schema-` (every schema code) or `--ignore schema-KEYWORD`; "
                         "`# sekha: ignore[schema-KEYWORD]` on its line (see "
                         "[Choosing and silencing findings](../suppression.md)).")
        pages[DOCS / "codes" / f"{_code_page_name(code)}.md"] = "\n".join(lines)
    index = [
        "# Finding codes", "",
        "Every finding has a stable code. This list is generated from the registry "
        "(`sekha_migrate/validate/rules.py`); each code has a page with an example. "
        "`sekha explain CODE` prints the same in a terminal. `--strict` turns warnings into "
        "errors. validate's codes also come out of `migrate` and `probe`, which validate "
        "what they read and write.", "",
        markdown_table(link=lambda code: f"{_code_page_name(code)}.md"),
    ]
    pages[DOCS / "codes" / "index.md"] = "\n".join(index)
    return pages


def expected() -> dict[Path, str]:
    """Every generated file's text as it should be now."""
    files = {path: text + "\n" for path, text in code_pages().items()}
    for name, command in cli_commands().items():
        path = DOCS / "commands" / f"{name}.md"
        current = path.read_text(encoding="utf-8") if path.exists() else (
            f"# sekha {name}\n\n{BEGIN}\n{END}\n")
        head, rest = current.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        files[path] = head + command_block(name, command) + tail
    return files


def stale() -> list[Path]:
    """Generated files that differ from what the code says now, or that should not exist."""
    want = expected()
    wrong = [p for p, text in want.items()
             if not p.exists() or p.read_text(encoding="utf-8") != text]
    extra = [p for p in (DOCS / "codes").glob("*.md") if p not in want]
    return sorted(wrong + extra)


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        old = stale()
        for path in old:
            print(f"stale: {path.relative_to(ROOT)}", file=sys.stderr)
        if old:
            print("regenerate with: python tools/docs_gen.py", file=sys.stderr)
        return 1 if old else 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    want = expected()
    for path in (DOCS / "codes").glob("*.md"):
        if path not in want:
            path.unlink()
    for path, text in want.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
