"""Inline suppression: `# sekha: ignore[code, ...]` (or bare `# sekha: ignore`) in a file.

A comment at the end of a line covers the findings on that line; a comment alone on its line
covers the line below it too, so that a long line need not grow. It works in YAML and .env
files alike, since both take `#` to the end of a line as a comment (after whitespace). Under
--strict a suppression that suppressed nothing is reported (`unused-suppression`), as ruff's
RUF100 reports an unused `# noqa`, so that stale comments do not hide tomorrow's problems.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sekha_migrate.findings import Finding, Severity

MARKER = "sekha:"  # a text without it has no suppression: the common case costs one search
_COMMENT = re.compile(
    r"(?P<before>^|.*?\s)(?P<comment>#\s*sekha:\s*ignore(?:\[(?P<codes>[^\]]*)\])?)\s*$"
)


@dataclass(frozen=True)
class Suppression:
    line: int
    column: int  # of the `#`
    codes: tuple[str, ...] | None  # None: the bare form, every code
    alone: bool  # the comment is the whole line: it covers the line below too

    def covers(self, finding: Finding) -> bool:
        if finding.line is None:
            return False
        on_line = finding.line == self.line or (self.alone and finding.line == self.line + 1)
        return on_line and (self.codes is None or finding.code in self.codes)


def find_suppressions(text: str) -> tuple[Suppression, ...]:
    found: list[Suppression] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if MARKER not in line:
            continue
        match = _COMMENT.match(line)
        if match is None:
            continue
        raw = match["codes"]
        codes = None if raw is None else tuple(c.strip() for c in raw.split(",") if c.strip())
        found.append(Suppression(number, match.start("comment") + 1, codes,
                                 alone=not match["before"].strip()))
    return tuple(found)


def suppress_inline(findings: Sequence[Finding], text: str, *, strict: bool) -> list[Finding]:
    """`findings` without those the file's comments suppress; under `strict`, with an
    `unused-suppression` error for each comment (or code in one) that suppressed nothing."""
    suppressions = find_suppressions(text)
    if not suppressions:
        return list(findings)
    kept: list[Finding] = []
    used: set[tuple[int, str | None]] = set()  # (suppression index, code or None for bare)
    for finding in findings:
        covering = [i for i, s in enumerate(suppressions) if s.covers(finding)]
        if not covering:
            kept.append(finding)
        for i in covering:
            used.add((i, None if suppressions[i].codes is None else finding.code))
    if strict:
        kept += _unused(suppressions, used)
    return kept


def _unused(
    suppressions: Sequence[Suppression], used: set[tuple[int, str | None]]
) -> Iterable[Finding]:
    for i, suppression in enumerate(suppressions):
        if suppression.codes is None:
            if (i, None) not in used:
                yield _unused_finding(suppression, "# sekha: ignore suppresses nothing: "
                                      "no finding on its line" + _below(suppression))
            continue
        if not suppression.codes:
            yield _unused_finding(suppression, "# sekha: ignore[] names no code")
        for code in suppression.codes:
            if (i, code) not in used:
                yield _unused_finding(suppression, f"# sekha: ignore[{code}] suppresses "
                                      f"nothing: no {code} finding on its line"
                                      f"{_below(suppression)}{_unknown(code)}")


def _below(suppression: Suppression) -> str:
    return " or the line below" if suppression.alone else ""


def _unknown(code: str) -> str:
    from sekha_migrate.validate.selection import did_you_mean, known_codes

    codes = known_codes()
    if code in codes:
        return ""
    return f"; {code!r} is no finding code{did_you_mean(code, codes)}"


def _unused_finding(suppression: Suppression, message: str) -> Finding:
    return Finding(
        Severity.ERROR,  # reported under --strict only, where every warning is an error
        "unused-suppression",
        message,
        line=suppression.line,
        column=suppression.column,
        hint="remove the comment, or the codes in it that no longer apply",
    )
