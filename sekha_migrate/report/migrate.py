"""The migration as a terminal summary and as a JSON report. Secrets are masked."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

from sekha_migrate.migrate.report_doc import known_secrets, shown_finding, value_rows
from sekha_migrate.migrate.results import KeyRead, KeyStatus, MigrationPlan
from sekha_migrate.model.masking import is_reference, is_secret_name, mask_text, mask_value
from sekha_migrate.report.console import emit, emit_table, is_verbose
from sekha_migrate.report.findings import finding_lines

_STATUS_STYLE = {
    KeyStatus.MAPPED: "green",
    KeyStatus.OVERRIDDEN: "yellow",
    KeyStatus.UNMAPPABLE: "magenta",
    KeyStatus.INVALID: "red",
}


def print_summary(plan: MigrationPlan, out: Any, *, verbose: bool = True) -> None:
    """The table of keys read and where they went, then the issues (see report.console)."""
    if plan.reads and verbose:
        secrets = known_secrets(plan)
        folder = _common_folder(plan)
        title = "v1 keys read" + (f" (in {folder}/)" if folder else "")
        rows = []
        for read in plan.reads:
            origin = read.origin
            file = str(origin.file)
            if folder and file.startswith(folder + "/"):
                file = file[len(folder) + 1 :]
            where = f"{file}:{origin.line}" if origin.line else file
            value = mask_value(read.value, secret=read.secret)
            target = _targets(read) or (read.note or "")
            rows.append([
                (where, ""),
                (mask_text(origin.key, secrets), ""),
                (_short(value), ""),
                (read.status.value, _STATUS_STYLE[read.status]),
                (target, ""),
            ])
        emit_table(out, title, ("source", "key", "value", "status", "v2"), rows)
    if plan.effects:
        _print_effects(plan, out)
    if is_verbose():
        _print_values(plan, out)
    if plan.embedding is not None:
        e = plan.embedding
        label = {"table": "published", "--dimension": "from --dimension",
                 "probe": "measured", "assumed": "ASSUMED"}[e.source]
        emit(out, [(f"embedding: {e.model} -> dimension {e.dimension} ({label})", "")])
    print_issues(plan, out)


def _print_effects(plan: MigrationPlan, out: Any) -> None:
    """What the file's reader will run with differently than v1 did (sekha show tells the
    whole of it)."""
    secrets = known_secrets(plan)
    component = plan.effects[0].component
    rows = [[
        (change.key, ""),
        (f"{_short(change.before)}  ({mask_text(change.before_origin.describe(), secrets)})", ""),
        (f"{_short(change.after)}  ({mask_text(change.after_origin.describe(), secrets)})",
         "bold"),
    ] for change in plan.effects]
    emit_table(out, f"What the {component} will run with differently than v1 did",
               ("setting", "v1 ran with", "v2 will run with"), rows)


def _print_values(plan: MigrationPlan, out: Any) -> None:
    """--verbose: every value written, and where it came from (a file and line, or built in)."""
    rows = []
    for row in value_rows(plan):
        origin = row["from"] or {}
        where = (f"{origin.get('file')}:{origin.get('line')}" if origin.get("line")
                 else origin.get("file") or origin.get("key") or "")
        rows.append([(row["path"], ""), (_short(row["value"]), ""), (str(where), "")])
    emit_table(out, "v2 values written", ("path", "value", "from"), rows)


def print_issues(plan: MigrationPlan, out: Any) -> None:
    secrets = known_secrets(plan)
    for issue in plan.findings:
        emit(out, *finding_lines(shown_finding(issue, secrets)))


_STEP_TITLES = {"file": "file", "variable": "variable", "dead": "dead entry"}


def print_next_steps(plan: MigrationPlan, out: Any) -> None:
    """The operator's next steps, one program at a time: files, variables, dead entries."""
    if not plan.next_steps:
        return
    lines = [[("Next steps:", "bold")]]
    for component in dict.fromkeys(step.component for step in plan.next_steps):
        lines.append([(f"  {component}:", "bold")])
        lines += [
            [(f"    {_STEP_TITLES[step.kind]} {step.subject}: {step.detail}", "")]
            for step in plan.next_steps if step.component == component
        ]
    emit(out, *lines)


def _common_folder(plan: MigrationPlan) -> str | None:
    """The one directory every source file is in, when it is not the current one."""
    folders = {str(source.path.parent) for source in plan.sources}
    if len(folders) != 1:
        return None
    folder = folders.pop()
    return None if folder in ("", ".") else folder


def _targets(read: KeyRead) -> str:
    """The first v2 path a key went to, and how many more (the JSON report lists all)."""
    if not read.targets:
        return ""
    more = len(read.targets) - 1
    return read.targets[0].removeprefix("$.") + (f" (+{more})" if more else "")


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 48 else text[:45] + "..."


def unified_diff(plan: MigrationPlan) -> str:
    """`--diff`: the migrated text against the output file as it is now.

    A line holding a secret shows `(secret changed)` in its place, as a plan tool would:
    the diff says that a key changes, never what it was or becomes."""
    import difflib

    before = (plan.existing_output or b"").decode("utf-8", "replace").splitlines(keepends=True)
    after = plan.text.splitlines(keepends=True)
    name = str(plan.output)
    lines = difflib.unified_diff(
        before, after,
        fromfile=f"{name} (current)" if plan.existing_output is not None else "/dev/null",
        tofile=f"{name} (migrated)",
    )
    whole = (line if line.endswith("\n") else line + "\n" for line in lines)
    return "".join(_masked_diff(whole, known_secrets(plan)))


_YAML_ENTRY = re.compile(r"^(?P<lead>\s*(?:-\s+)?)(?P<key>[\w.-]+)\s*:(?P<rest>.*)$")
_YAML_ITEM = re.compile(r"^(?P<lead>\s*-\s+)(?P<rest>\S.*)$")
# `{id: x, api_key: sk-...}`: a secret inside a flow mapping on one line. A `${VAR}` in the
# value is one piece: its `}` does not end the mapping (the value stays a reference, shown).
_FLOW_ENTRY = re.compile(
    r"(?P<key>[\w-]+)(?P<sep>\s*:\s+)(?P<value>(?:\$\{[^}]*\}|[^,}\s])(?:\$\{[^}]*\}|[^,}])*)")


def _masked_diff(lines: Iterable[str], secrets: frozenset[str]) -> Iterator[str]:
    """Diff lines with secret values replaced: `key: value` under a secret key, items of a
    secret list (additional_api_keys), and any known secret value anywhere else."""
    list_indent: int | None = None  # indentation of the secret list being walked, if any
    for line in lines:
        if line.startswith(("---", "+++", "@@")) or not line.strip():
            yield line
            continue
        mark, body = line[0], line[1:].rstrip("\n")
        label = "(secret changed)" if mark in "+-" else "(secret)"
        shown, list_indent = _masked_yaml_line(body, list_indent, label)
        if shown == body:
            shown = _FLOW_ENTRY.sub(partial(_flow_shown, label=label), mask_text(body, secrets))
        yield f"{mark}{shown}\n"


def _masked_yaml_line(body: str, list_indent: int | None, label: str) -> tuple[str, int | None]:
    """The line with a secret value replaced by `label`, and the secret list still open."""
    indent = len(body) - len(body.lstrip())
    item = _YAML_ITEM.match(body)
    if list_indent is not None and item and indent >= list_indent:
        return _secret_shown(item["lead"], item["rest"], label), list_indent
    entry = _YAML_ENTRY.match(body)
    if entry is None or not is_secret_name(entry["key"]):
        return body, None
    value = entry["rest"].strip()
    if not value:  # `additional_api_keys:`, its items on the lines below
        return body, indent
    return _secret_shown(f"{entry['lead']}{entry['key']}: ", value, label), None


def _flow_shown(match: re.Match[str], label: str) -> str:
    if not is_secret_name(match["key"]):
        return match[0]
    return _secret_shown(match["key"] + match["sep"], match["value"].strip(), label)


def _secret_shown(lead: str, value: str, label: str) -> str:
    if is_reference(value) or value in ("null", "~", "''", '""', "[]"):
        return lead + value
    return lead + label
