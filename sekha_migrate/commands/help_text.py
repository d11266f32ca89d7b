"""The end of every command's --help: examples, the command's exit codes, where its docs are.

One table for both: `--help` reads it here, and the docs' command pages are generated from
it (tools/docs_gen.py), so the two cannot disagree.
"""

from __future__ import annotations

# The project's home (pyproject.toml's [project.urls]); kept here rather than imported from
# validate.rules, which `sekha --help` does not load. tests/test_help_text.py checks both agree.
DOCS_URL = "https://github.com/sekha-ai/sekha-migrate/blob/main/docs"

# What 0, 1 and 2 mean for each command (the codes are the same everywhere: exit_codes.py).
EXIT_CODES: dict[str, tuple[str, str, str]] = {
    "init": (
        "the configuration was written (or printed)",
        "never: init has no configuration to judge",
        "usage: an existing output without --force, no --template off a terminal, a bad answer",
    ),
    "migrate": (
        "written, up to date, already v2, or a dry run",
        "an invalid result, unreadable content, an assumed dimension under --strict, a failed "
        "probe or write, a difference under --check (or --diff --dry-run), or 'no' at the "
        "question",
        "usage: nothing to migrate, an unreadable path, an output that would replace a file "
        "sekha did not write",
    ),
    "validate": (
        "every file is valid",
        "a file has errors (warnings too under --strict)",
        "usage: a bad flag value or glob, an unreadable path or --env-file",
    ),
    "probe": (
        "every provider answered and offers every configured model",
        "the configuration has errors, or a provider or model is missing, failing or "
        "mismatched",
        "usage: a bad flag value, an unreadable CONFIG",
    ),
    "show": (
        "every component starts",
        "a component would not start, or a file has problems",
        "usage: a path that does not exist",
    ),
    "rollback": (
        "restored (or listed)",
        "a damaged or tampered set, a failed restore, another run holding the lock, or 'no' "
        "at the question",
        "usage: no backups (none left to roll back), an unknown ID, an unreadable --dir",
    ),
    "explain": (
        "the code was explained",
        "never",
        "usage: no such code (the nearest one is suggested)",
    ),
    "schema": (
        "the schema was printed",
        "never",
        "usage: a bad --target",
    ),
}


def command_docs_url(command: str) -> str:
    return f"{DOCS_URL}/commands/{command}.md"


def epilog(command: str, *examples: str) -> str:
    """Examples, exit codes and the docs link; `\\b` keeps click from rewrapping each block."""
    import textwrap

    codes = []
    for code, meaning in enumerate(EXIT_CODES[command]):
        codes += textwrap.wrap(meaning, 76, initial_indent=f"  {code}  ",
                               subsequent_indent="     ")
    lines = ["\b", "Examples:", *(f"  {line}" for line in examples), "",
             "\b", "Exit codes:", *codes, "",
             "\b", f"Docs: {command_docs_url(command)}",
             "  (finding codes: sekha-migrate explain CODE)"]
    return "\n".join(lines)
