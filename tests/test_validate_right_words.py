"""Files an operator has, met with the right words: a controller TOML points at migrate and
show, and a controller's own .env is checked for its names without demanding a registry."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES, write

from sekha_migrate import validate_file


def test_a_controller_toml_points_at_migrate() -> None:
    result = validate_file(FIXTURES / "v1" / "flat-toml" / "config.toml")
    [finding] = result.findings
    assert (finding.code, finding.line, finding.column) == ("v1-config", 1, 1)
    assert finding.message == ("this is a controller TOML configuration (config.toml), not a "
                               "v2 file: v2 files are YAML or JSON")
    assert finding.hint == ("convert it with: sekha migrate (and see what the controller runs "
                            "with: sekha show)")


def test_a_broken_toml_says_where(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", "server_port = 9000\nlog_level = \n")
    [finding] = validate_file(path).findings
    assert (finding.code, finding.line) == ("syntax", 2)


def test_a_controllers_env_needs_no_registry(tmp_path: Path) -> None:
    path = write(tmp_path / ".env", f"SEKHA__MCP_API_KEY={'k' * 40}\nSEKHA__SERVER_PORT=9000\n")
    result = validate_file(path)
    assert result.findings == ()
    assert result.valid
    short = write(tmp_path / "short.env", "SEKHA__MCP_API_KEY=short\n")
    assert [f.code for f in validate_file(short).findings] == ["schema-min-length"]


def test_an_env_with_a_registry_still_needs_all_of_it(tmp_path: Path) -> None:
    path = write(tmp_path / ".env", "SEKHA__DEFAULT_MODELS='{\"embedding\": \"e\"}'\n")
    codes = {(f.code, f.path) for f in validate_file(path).findings}
    assert ("schema-required", "$.llm_providers") in codes


def test_libyamls_wording_comes_with_plain_words_and_a_hint(tmp_path: Path) -> None:
    cases = {
        "a:\n  - b\n c: d\n": ("a line is indented differently from the keys around it",
                              "line each key up with the keys beside it, using spaces"),
        "url: http://x: y\n": ("a ': ' where no key can start: a value that holds ': ' needs "
                               "quotes, or the line is indented too far",
                               'quote the value, e.g. "a: b"'),
        "b: [1, 2\n": ("a [list] written on one line is not closed",
                       "close it with ], or write the items as an indented '- ' list"),
    }
    for text, (plain, hint) in cases.items():
        [finding] = validate_file(write(tmp_path / "c.yaml", text)).findings
        assert finding.code == "syntax"
        assert finding.message.endswith(f" ({plain})"), finding.message
        assert finding.hint == hint


def test_a_json_file_gets_a_json_syntax_error(tmp_path: Path) -> None:
    [finding] = validate_file(write(tmp_path / "c.json", '{"version": "2.0" "x": 1}')).findings
    assert (finding.code, finding.line, finding.column) == ("syntax", 1, 19)
    assert finding.message == "JSON syntax error: did not find expected ',' or '}'"
    assert finding.hint == ("check for a missing comma or quote just before this point, a "
                            "comma after the last item, or a comment (JSON has none)")
    [yaml_finding] = validate_file(write(tmp_path / "c.yaml", "b: [1, 2\n")).findings
    assert yaml_finding.message.startswith("YAML syntax error: ")
