"""`sekha explain CODE`: one registry entry, as text for people or as a JSON object."""

from __future__ import annotations

from sekha_migrate.json_text import dump_json


def explanation_text(entry: dict[str, str]) -> str:
    code = entry["code"]
    lines = [f"{code}: {entry['severity']}, reported by sekha {entry['command']}", "",
             entry["description"], ""]
    if entry["example"]:
        lines += ["Example:", *(f"    {line}" for line in entry["example"].splitlines()), ""]
    lines += [f"Fix: {entry['fix']}", "",
              f"Silence it: --ignore {code}, or # sekha: ignore[{code}] on its line.",
              f"More: {entry['help_uri']}"]
    return "\n".join(lines) + "\n"


def explanation_json(entry: dict[str, str]) -> str:
    return dump_json(entry) + "\n"
