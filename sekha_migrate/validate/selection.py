"""Which finding codes a run reports: `--select` / `--ignore` and the project's config file.

Patterns are codes or prefixes of codes (`schema-`, `literal`), checked against the registry
so that a typo is a usage error, not a rule silently left on. Resolution follows ruff: the
config file's layer applies first, then the command line's; within a layer the longest
matching pattern decides (a tie goes to ignore), and a layer with a `select` starts over
from nothing, one with only `ignore` takes codes away from what the layer before kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import NamedTuple

from sekha_migrate.errors import UsageError
from sekha_migrate.findings import FileResult, ValidationRun

# JSON Schema keywords (those the v2 schemas use and their near kin), each a
# `schema-<keyword>` code a pattern may name.
SCHEMA_KEYWORDS = (
    "additional-properties", "const", "enum", "exclusive-maximum", "exclusive-minimum",
    "format", "max-items", "max-length", "maximum", "min-items", "min-length", "minimum",
    "pattern", "required", "type", "unique-items", "all-of", "any-of", "one-of", "not",
    "property-names", "contains", "dependent-required", "if", "multiple-of",
)


class SelectionError(UsageError):
    """A --select / --ignore pattern (or one in the config file) that names no code."""


def known_codes() -> tuple[str, ...]:
    """Every code a pattern may name: the registry's and the schema family's."""
    # Imported here: a run without patterns (the common one) never needs the registry.
    from sekha_migrate.validate.rules import RULES, SCHEMA_PREFIX

    return (*RULES, *(SCHEMA_PREFIX + keyword for keyword in SCHEMA_KEYWORDS))


def split_patterns(values: Iterable[str]) -> tuple[str, ...]:
    """`--ignore a,b --ignore c` -> ("a", "b", "c"); blanks between commas are dropped."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def check_patterns(patterns: Iterable[str], *, origin: str) -> None:
    """Raise `SelectionError` for a pattern no known code starts with, naming the nearest."""
    patterns = tuple(patterns)
    codes = known_codes() if patterns else ()
    for pattern in patterns:
        if any(code.startswith(pattern) for code in codes):
            continue
        raise SelectionError(f"{origin}: {pattern!r} is no finding code or prefix of one"
                             f"{did_you_mean(pattern, codes)}; `sekha explain CODE` "
                             "describes a code")


def did_you_mean(word: str, candidates: Sequence[str]) -> str:
    """` (did you mean 'x'?)`, or "" when nothing is near."""
    from difflib import get_close_matches

    near = get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f" (did you mean {near[0]!r}?)" if near else ""


# NamedTuples, not frozen dataclasses: creating a dataclass costs about 1 ms of start-up,
# and every validate run imports this module.
class SelectionLayer(NamedTuple):
    """One source of patterns: the config file or the command line."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def decide(self, code: str, before: bool) -> bool:
        best = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        worst = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        if best < 0 and worst < 0:
            return before if not self.select else False
        return best > worst


class RuleSelection(NamedTuple):
    """The layers in the order they apply (config file first, then the command line)."""

    layers: tuple[SelectionLayer, ...] = ()

    def reports(self, code: str) -> bool:
        kept = True
        for layer in self.layers:
            kept = layer.decide(code, kept)
        return kept

    @property
    def selects_everything(self) -> bool:
        return not any(layer.select or layer.ignore for layer in self.layers)


def apply_selection(run: ValidationRun, selection: RuleSelection) -> ValidationRun:
    """The run without the findings whose codes are not selected (so they leave both the
    output and the exit code)."""
    if selection.selects_everything:
        return run
    return ValidationRun(tuple(_selected(result, selection) for result in run.files))


def _selected(result: FileResult, selection: RuleSelection) -> FileResult:
    kept = tuple(f for f in result.findings if selection.reports(f.code))
    return result if len(kept) == len(result.findings) else replace(result, findings=kept)
