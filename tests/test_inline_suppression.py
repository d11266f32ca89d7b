"""`# sekha: ignore[code]` comments: what they silence, and `unused-suppression` under --strict."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import ROOT, CliResult, write

from sekha_migrate.validate.engine import validate_text

Sekha = Callable[..., CliResult]

MINIMAL = (ROOT / "fixtures" / "v2" / "valid" / "minimal-ollama-only.yaml").read_text()
UNKNOWN = "  c.yaml:{line}:1: warning: unknown key '{key}' at the top level; the docker schema " \
    "ignores it [unknown-key] $.{key}"


def test_a_comment_on_the_line_silences_its_finding(sekha: Sekha, tmp_path: Path) -> None:
    text = MINIMAL + "telemetry: on_call  # sekha: ignore[unknown-key]\n"
    write(tmp_path / "c.yaml", text + "tracing: x\n")
    result = sekha("validate", "c.yaml", "--strict", cwd=tmp_path)
    line = text.count("\n") + 1
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "c.yaml: invalid (docker)",
        UNKNOWN.format(line=line, key="tracing").replace("warning", "error"),
        "✗ 1 of 1 file invalid (1 error, 0 warnings, 0 notes)",
    ]


def test_a_comment_alone_on_the_line_above_silences_the_next_line(
    sekha: Sekha, tmp_path: Path
) -> None:
    write(tmp_path / "c.yaml", MINIMAL + "# sekha: ignore[schema-type, unknown-key]\n"
          "telemetry: 1\n")
    result = sekha("validate", "c.yaml", cwd=tmp_path)
    assert (result.exit_code, result.stdout.splitlines()) == (0, [
        "c.yaml: valid (docker)", "✓ 1 file valid (0 errors, 0 warnings, 0 notes)"])


def test_a_comment_at_the_end_of_a_line_does_not_reach_the_next(
    sekha: Sekha, tmp_path: Path
) -> None:
    text = MINIMAL + "telemetry: 1  # sekha: ignore[unknown-key]\n"
    write(tmp_path / "c.yaml", text + "tracing: x\n")
    result = sekha("validate", "c.yaml", cwd=tmp_path)
    assert result.stdout.splitlines()[1] == UNKNOWN.format(line=text.count("\n") + 1,
                                                           key="tracing")


def test_the_bare_form_silences_every_finding_on_the_line(sekha: Sekha, tmp_path: Path) -> None:
    # priority 0 breaks the schema's minimum (error); the bare comment takes it out of the
    # output and the exit code
    text = MINIMAL.replace("priority: 1", "priority: 0  # sekha: ignore")
    assert text != MINIMAL
    write(tmp_path / "c.yaml", text)
    result = sekha("validate", "c.yaml", cwd=tmp_path)
    assert (result.exit_code, result.stdout.splitlines()) == (0, [
        "c.yaml: valid (docker)", "✓ 1 file valid (0 errors, 0 warnings, 0 notes)"])


def test_a_code_comment_leaves_other_codes_on_the_line(tmp_path: Path) -> None:
    text = MINIMAL.replace("priority: 1", "priority: 0  # sekha: ignore[unknown-key]")
    result = validate_text(text, path="c.yaml")
    assert [(f.code, f.line) for f in result.findings] == [("schema-minimum", 9)]


def test_unused_suppressions_are_reported_under_strict_only(sekha: Sekha, tmp_path: Path) -> None:
    text = MINIMAL + "# sekha: ignore[unknown-key, unknwn-key]\ntelemetry: 1\n" \
        "version_note: x  # sekha: ignore\n" \
        "other: 1  # sekha: ignore[unknown-key]\n"
    text = text.replace("priority: 1", "priority: 1  # sekha: ignore")
    write(tmp_path / "c.yaml", text)
    assert sekha("validate", "c.yaml", cwd=tmp_path).stdout.splitlines() == [
        "c.yaml: valid (docker)", "✓ 1 file valid (0 errors, 0 warnings, 0 notes)"]
    result = sekha("validate", "c.yaml", "--strict", cwd=tmp_path)
    comment_line = MINIMAL.count("\n") + 1
    hint = "    hint: remove the comment, or the codes in it that no longer apply"
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "c.yaml: invalid (docker)",
        "  c.yaml:9:18: error: # sekha: ignore suppresses nothing: no finding on its line "
        "[unused-suppression]",
        hint,
        f"  c.yaml:{comment_line}:1: error: # sekha: ignore[unknwn-key] suppresses nothing: no "
        "unknwn-key finding on its line or the line below; 'unknwn-key' is no finding code "
        "(did you mean 'unknown-key'?) [unused-suppression]",
        hint,
        "✗ 1 of 1 file invalid (2 errors, 0 warnings, 0 notes)",
    ]
    assert MINIMAL.splitlines()[8] == "    priority: 1"


def test_unused_suppression_can_itself_be_ignored(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "c.yaml", MINIMAL.replace("priority: 1", "priority: 1  # sekha: ignore"))
    result = sekha("validate", "c.yaml", "--strict", "--ignore", "unused-suppression",
                   cwd=tmp_path)
    assert result.exit_code == 0


def test_env_files_take_the_same_comments(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / ".env", "SEKHA__FOO=1  # sekha: ignore[unknown-name]\n"
          "# sekha: ignore[unknown-name]\nSEKHA__BAR=2\nSEKHA__BAZ=3\n")
    result = sekha("validate", ".env", "--select", "unknown-name", cwd=tmp_path)
    assert (result.exit_code, result.stdout.splitlines()) == (0, [
        ".env: valid (env)",
        "  .env:4:1: warning: SEKHA__BAZ is not a name any Sekha component reads [unknown-name]",
        "    hint: check the spelling against sekha schema --target docker",
        "✓ 1 file valid (0 errors, 1 warning, 0 notes)",
    ])


def test_the_marker_inside_a_quoted_value_is_no_comment(tmp_path: Path) -> None:
    text = MINIMAL + 'telemetry: "a # sekha: ignore"\n'
    assert [f.code for f in validate_text(text, path="c.yaml").findings] == ["unknown-key"]
