"""Bad input through the real CLI: a clear finding, the right exit code, never a traceback,
and nothing written next to the file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from conftest import CliResult, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from validate_support import document_paths

from sekha_migrate.validate.engine import validate_bytes, validate_file, validate_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "v2"
MINIMAL = (FIXTURES / "valid" / "minimal-ollama-only.yaml").read_text()

Sekha = Callable[..., CliResult]


def _listing(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and directory under `root` with its size and modification time."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            stat = path.lstat()
            found[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return found


def _json_run(sekha: Sekha, target: str, cwd: Path) -> tuple[CliResult, dict[str, Any]]:
    """Run validate in JSON form; check the universal promises; return the result and doc."""
    before = _listing(cwd)
    result = sekha("validate", "--format", "json", target, cwd=cwd)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert _listing(cwd) == before, "validate must never write anything"
    return result, json.loads(result.stdout)


def _single_finding(document: dict[str, Any]) -> dict[str, Any]:
    (file_entry,) = document["files"]
    assert file_entry["valid"] is False
    (finding,) = file_entry["findings"]
    assert finding["severity"] == "error"
    return cast("dict[str, Any]", finding)


BAD_DOCUMENTS: list[tuple[str, bytes, str, tuple[int, int] | None]] = [
    ("empty", b"", "empty-document", (1, 1)),
    ("only-comments", b"# nothing here\n", "empty-document", (1, 1)),
    ("null-document", b"~\n", "empty-document", (1, 1)),
    ("top-level-list", b"- id: ollama\n- id: openai\n", "not-a-mapping", (1, 1)),
    ("top-level-scalar", b"# note\nhello\n", "not-a-mapping", (2, 1)),
    ("several-documents", b"version: '2.0'\n---\nversion: '2.0'\n", "multiple-documents", (2, 1)),
    ("invalid-utf8", b"version: '2.0'\nname: caf\xe9\n", "encoding", (2, 10)),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary", (3, 1)),
    ("tab-indent", b"routing:\n\tauto_fallback: true\n", "syntax", (2, 1)),
    ("syntax-error", b"version: '2.0'\nrouting: {auto_fallback: true\n", "syntax", (3, 1)),
    ("unclosed-quote", b'version: "2.0\n', "syntax", (2, 1)),
    ("undefined-alias", b"a: *nowhere\n", "syntax", (1, 4)),
    ("unknown-tag", b"a: !!python/object:os.system ls\n", "syntax", (1, 4)),
]


@pytest.mark.parametrize(
    ("name", "content", "code", "position"), BAD_DOCUMENTS, ids=[c[0] for c in BAD_DOCUMENTS]
)
def test_bad_document_is_one_located_error_exit_1(
    sekha: Sekha,
    tmp_path: Path,
    name: str,
    content: bytes,
    code: str,
    position: tuple[int, int] | None,
) -> None:
    write(tmp_path / f"{name}.yaml", content)
    result, document = _json_run(sekha, f"{name}.yaml", tmp_path)
    assert result.exit_code == 1
    finding = _single_finding(document)
    assert finding["code"] == code
    assert (finding["line"], finding["column"]) == position
    assert finding["message"]


def test_syntax_error_reports_the_parsers_words(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", "version: '2.0'\nllm_providers: [a, b\nrouting: x\n")
    result = sekha("validate", "config.yaml", cwd=tmp_path)
    assert result.exit_code == 1
    assert "config.yaml:3:8: error: YAML syntax error: did not find expected ',' or ']'" in (
        result.stdout
    )


def test_tab_indentation_is_named_with_a_hint(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", "routing:\n\tauto_fallback: true\n")
    result = sekha("validate", "config.yaml", cwd=tmp_path)
    assert "a tab character cannot be used for indentation" in result.stdout
    assert "hint: indent with spaces" in result.stdout


def test_tabs_inside_values_are_just_text() -> None:
    text = MINIMAL.replace("llama3.1:8b\n", '"llama3.1:8b"\t# tab before a comment\n', 1)
    assert validate_text(text).valid


@pytest.mark.parametrize(
    ("label", "transform"),
    [
        ("bom", lambda text: b"\xef\xbb\xbf" + text.encode()),
        ("crlf", lambda text: text.replace("\n", "\r\n").encode()),
        ("bom+crlf", lambda text: b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()),
        ("cr-only", lambda text: text.replace("\n", "\r").encode()),
    ],
)
def test_bom_and_crlf_simply_work_with_the_same_positions(
    sekha: Sekha, tmp_path: Path, label: str, transform: Callable[[str], bytes]
) -> None:
    broken = MINIMAL.replace("priority: 1", "priority: 0")
    write(tmp_path / "plain.yaml", broken)
    write(tmp_path / "windows.yaml", transform(broken))
    write(tmp_path / "valid.yaml", transform(MINIMAL))
    _, plain = _json_run(sekha, "plain.yaml", tmp_path)
    _, windows = _json_run(sekha, "windows.yaml", tmp_path)
    result, valid = _json_run(sekha, "valid.yaml", tmp_path)
    assert result.exit_code == 0 and valid["files"][0]["findings"] == []
    def placed(document: dict[str, Any]) -> list[dict[str, Any]]:
        """Every finding, all but its file name."""
        return [{**f, "file": None} for f in document["files"][0]["findings"]]

    assert placed(windows) == placed(plain)
    (finding,) = plain["files"][0]["findings"]
    assert (finding["code"], finding["line"], finding["column"]) == ("schema-minimum", 9, 15)


def test_alias_bomb_is_refused_quickly_without_exhausting_memory(
    sekha: Sekha, tmp_path: Path
) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        prev = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([prev] * 9)}]")
    bomb = "\n".join(lines) + "\n"  # 9**10 strings if it were expanded

    tracemalloc.start()
    try:
        result = validate_text(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [f.code for f in result.findings] == ["alias-bomb"]
    assert peak < 20 * 1024 * 1024

    write(tmp_path / "bomb.yaml", bomb)
    cli, document = _json_run(sekha, "bomb.yaml", tmp_path)
    assert cli.exit_code == 1
    assert _single_finding(document)["code"] == "alias-bomb"


def test_a_few_reused_anchors_are_not_a_bomb() -> None:
    text = (FIXTURES / "valid" / "anchors-aliases-merge-keys.yaml").read_text()
    assert "alias-bomb" not in {f.code for f in validate_text(text).findings}


@pytest.mark.parametrize("depth", [5000, 100_000])
@pytest.mark.parametrize("opener", ["[", "{a: "])
def test_absurd_nesting_is_a_clear_finding_not_a_crash(
    sekha: Sekha, tmp_path: Path, depth: int, opener: str
) -> None:
    write(tmp_path / "deep.yaml", "a: " + opener * depth + "\n")
    result, document = _json_run(sekha, "deep.yaml", tmp_path)
    assert result.exit_code == 1, result.stderr  # a segfault would be -11
    finding = _single_finding(document)
    assert finding["code"] == "too-deep"
    assert finding["line"] == 1


def test_block_nesting_thousands_deep_is_refused(sekha: Sekha, tmp_path: Path) -> None:
    text = "\n".join(" " * level + f"k{level}:" for level in range(5000)) + " 1\n"
    write(tmp_path / "deep.yaml", text)
    result, document = _json_run(sekha, "deep.yaml", tmp_path)
    assert result.exit_code == 1
    assert _single_finding(document)["code"] == "too-deep"


def test_nesting_within_the_limit_is_parsed() -> None:
    result = validate_text("a: " + "[" * 150 + "]" * 150 + "\n")
    assert "too-deep" not in {f.code for f in result.findings}


def _five_megabyte_config() -> str:
    head, _, tail = MINIMAL.partition("default_models:")
    block = (
        "  - id: ollama_{i}\n"
        "    type: ollama\n"
        "    base_url: http://10.0.{a}.{b}:11434\n"
        "    priority: {p}\n"
        "    models:\n"
        "      - {{model_id: nomic-embed-text, task: embedding, context_window: 8192,"
        " dimension: 768}}\n"
        "      - {{model_id: llama3.1:8b, task: chat_small, context_window: 8192}}\n"
    )
    parts = [head]
    size, index = len(head), 0
    while size < 5 * 1024 * 1024:
        part = block.format(i=index, a=index // 250 % 250, b=index % 250, p=index % 100 + 1)
        parts.append(part)
        size += len(part)
        index += 1
    parts.append("default_models:" + tail)
    return "".join(parts)


@pytest.mark.slow
def test_five_megabyte_valid_file_works(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", _five_megabyte_config())
    assert (tmp_path / "config.yaml").stat().st_size >= 5 * 1024 * 1024
    result, document = _json_run(sekha, "config.yaml", tmp_path)
    assert result.exit_code == 0, result.stdout[:2000]
    assert document["files"][0]["valid"] is True


# ---- paths that cannot be read: exit 2 -----------------------------------------------------


def test_nonexistent_path_is_a_usage_error(sekha: Sekha, tmp_path: Path) -> None:
    result, document = _json_run(sekha, "missing.yaml", tmp_path)
    assert result.exit_code == 2
    finding = _single_finding(document)
    assert finding["code"] == "unreadable"
    assert "missing.yaml does not exist" in finding["message"]


def test_nonexistent_path_next_to_a_valid_file_still_exits_2(
    sekha: Sekha, tmp_path: Path
) -> None:
    write(tmp_path / "config.yaml", MINIMAL)
    result = sekha("validate", "config.yaml", "missing.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    assert "config.yaml: valid" in result.stdout
    assert "missing.yaml: unreadable" in result.stdout


def test_directory_is_expanded_to_its_config_files(sekha: Sekha, tmp_path: Path) -> None:
    write(tmp_path / "conf" / "config.yaml", MINIMAL)
    write(tmp_path / "conf" / "nested" / "sekha.yml", MINIMAL)
    write(tmp_path / "conf" / "notes.txt", "not a config")
    write(tmp_path / "conf" / ".git" / "config.yaml", "- ignored\n")
    result, document = _json_run(sekha, "conf", tmp_path)
    assert result.exit_code == 0
    paths = [entry["path"] for entry in document["files"]]
    assert paths == [
        os.path.join("conf", "config.yaml"),
        os.path.join("conf", "nested", "sekha.yml"),
    ]


def test_empty_directory_is_a_usage_error(sekha: Sekha, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    before = _listing(tmp_path)
    result = sekha("validate", "empty", cwd=tmp_path)
    assert result.exit_code == 2
    assert "no .yaml, .yml or .json files in directory empty" in result.stderr
    assert "Traceback" not in result.stderr
    assert _listing(tmp_path) == before


def test_directory_read_as_a_file_is_unreadable(tmp_path: Path) -> None:
    result = validate_file(tmp_path)
    assert not result.readable
    assert "is a directory" in result.findings[0].message


def test_unreadable_file_in_process_is_exit_2(
    sekha_inprocess: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = write(tmp_path / "secret.yaml", MINIMAL)
    real_open = Path.open

    def refusing_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self.name == "secret.yaml":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", refusing_open)
    result = sekha_inprocess("validate", str(secret))
    assert result.exit_code == 2
    assert "cannot be read: permission denied" in result.stdout


@pytest.fixture
def world_readable_dir() -> Iterator[Path]:
    """pytest's tmp_path is private to root; another user needs a directory it can enter."""
    directory = Path(tempfile.mkdtemp(prefix="sekha-perm-"))
    directory.chmod(0o755)
    try:
        yield directory
    finally:
        shutil.rmtree(directory)


def test_unreadable_file_as_another_user_is_exit_2(world_readable_dir: Path) -> None:
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to run the CLI as an unprivileged user")
    as_nobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    sekha_exe = Path(sys.executable).parent / "sekha"
    # Coverage cannot write its data as another user: that process is not measured.
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE")}
    # Probe with what the test really runs: the entry point importing the package from this
    # checkout, run from the same directory (a checkout under /root fails here, not below).
    probe = subprocess.run(
        [*as_nobody, str(sekha_exe), "--version"], cwd=world_readable_dir, capture_output=True,
        env=environ,
    )
    if probe.returncode != 0:
        pytest.skip("`sekha` cannot run as an unprivileged user here (its checkout or interpreter "
                    "is not readable by others); the in-process test covers it")
    write(world_readable_dir / "config.yaml", MINIMAL).chmod(0o644)
    write(world_readable_dir / "secret.yaml", MINIMAL).chmod(0o000)
    before = _listing(world_readable_dir)
    proc = subprocess.run(
        [*as_nobody, str(sekha_exe), "validate", "config.yaml", "secret.yaml"],
        cwd=world_readable_dir,
        capture_output=True,
        text=True,
        env={**environ, "NO_COLOR": "1", "HOME": str(world_readable_dir)},
        timeout=60,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "secret.yaml cannot be read: permission denied" in proc.stdout
    assert "config.yaml: valid" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert _listing(world_readable_dir) == before


@pytest.mark.parametrize(
    ("value", "kind"),
    [('!!int ""', "int"), ("!!bool maybe", "bool"), ("!!timestamp x", "timestamp"),
     ("!!int 0x", "int"), ("!!float abc", "float")],
)
def test_explicit_tag_that_does_not_fit_its_value_is_a_syntax_finding(
    value: str, kind: str
) -> None:
    result = validate_text(f"version: '2.0'\nkey: {value}\n")
    (finding,) = result.findings
    assert (finding.code, finding.line, finding.column) == ("syntax", 2, 6)
    assert finding.message.startswith("cannot read ") and finding.message.endswith(f"as {kind}")
    assert finding.hint == f"fix the value, or remove the !!{kind} tag"


# ---- nothing a user can type makes the validator raise --------------------------------------

_VALID_TEXTS = [
    p.read_bytes().decode("utf-8-sig") for p in sorted((FIXTURES / "valid").glob("*.yaml"))
]
_SNIPPETS = [
    "<<: *a", "&a ", "*a", "${X}", "- ", ": ", "{", "}", "[", "]", "\t", "---\n", "? ",
    "!!str ", "!!int ", "!!bool ", "<<: ", "\n  ", "\n", "'", '"', "~", "null", "1e9", "-1",
    "&b [*a, *a]", "<<: [*a, *a]", "x: &a {y: 1}\n", ",", "#", "|\n  ", ">-\n  ", "\ufeff",
    "\r\n", "é", "%YAML 1.1\n", "!custom ",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_configs_never_make_the_validator_raise(data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(_VALID_TEXTS))
    for _ in range(data.draw(st.integers(min_value=1, max_value=6))):
        at = data.draw(st.integers(min_value=0, max_value=len(text)))
        if data.draw(st.booleans()):
            text = text[:at] + data.draw(st.sampled_from(_SNIPPETS)) + text[at:]
        else:
            text = text[:at] + text[at + data.draw(st.integers(min_value=1, max_value=20)) :]
    env = data.draw(st.sampled_from([{}, {"X": "abc", "OPENAI_API_KEY": "sk-short"}]))
    for strict in (False, True):
        result = validate_text(text, env=env, strict=strict)
        assert all(f.line is None or f.line >= 1 for f in result.findings)
        assert all(f.column is None or f.column >= 1 for f in result.findings)


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=400))
def test_arbitrary_bytes_never_make_the_validator_raise(raw: bytes) -> None:
    validate_bytes(raw, path="fuzz.yaml", env={})




_LEAVES = st.one_of(
    st.integers(min_value=-3, max_value=10**7),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.sampled_from(
        ["${X}", "http://${X}", "http://[::1", "ollama", "embedding", "vision", "gpt-4o",
         "llama3.1:8b", "nomic-embed-text", "", "k" * 40, "http://", "ftp://x"]
    ),
    st.text(max_size=10),
)
_KEYS = st.sampled_from(
    ["id", "type", "base_url", "api_key", "models", "task", "model_id", "supports_vision",
     "dimension", "embedding", "chat_fast", "chat_vision", "circuit_breaker",
     "vision_capabilities", "priority", "providers", "llm_providers", "x"]
)
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=4)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_shape_in_any_place_never_makes_the_checks_raise(data: st.DataObject) -> None:
    """Sekha's own rules must cope with whatever the schema also rejects (`task: []`)."""
    import yaml

    document = yaml.safe_load(data.draw(st.sampled_from(_VALID_TEXTS)))
    for _ in range(data.draw(st.integers(min_value=1, max_value=5))):
        paths = document_paths(document)
        if not paths:  # every key was already deleted
            break
        path = data.draw(st.sampled_from(paths))
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        if isinstance(parent, dict) and data.draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(_VALUES)
    env = data.draw(st.sampled_from([{}, {"X": "abc"}]))
    validate_text(yaml.safe_dump(document), env=env, strict=True)


def test_a_list_where_a_task_goes_is_a_schema_error_only() -> None:
    text = MINIMAL.replace("task: chat_small", "task: []")
    result = validate_text(text)
    assert "schema-type" in {f.code for f in result.findings}
    assert all(f.code.startswith("schema-") for f in result.findings)


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_input_beyond_the_size_limit_is_refused_whole(
    sekha_inprocess: Callable[..., CliResult],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    source: str,
) -> None:
    from sekha_migrate.sources import text

    monkeypatch.setattr(text, "MAX_CONFIG_BYTES", len(MINIMAL) - 1)
    write(tmp_path / "config.yaml", MINIMAL)
    if source == "file":
        result = sekha_inprocess("validate", "-f", "json", str(tmp_path / "config.yaml"))
    else:
        result = sekha_inprocess("validate", "-f", "json", "-", input=MINIMAL)
    assert result.exit_code == 1
    assert _single_finding(json.loads(result.stdout))["code"] == "too-large"


def test_reading_stops_one_byte_past_the_limit_on_files_and_pipes(tmp_path: Path) -> None:
    from sekha_migrate.sources.text import read_at_most

    (tmp_path / "big").write_bytes(b"x" * 100)
    with open(tmp_path / "big", "rb") as stream:
        assert read_at_most(stream, 10) == b"x" * 11
    with open(tmp_path / "big", "rb") as stream:
        assert read_at_most(stream, 100) == b"x" * 100
    reader, writer = os.pipe()  # no size to go by: read until the limit or the end
    os.write(writer, b"y" * 50)
    os.close(writer)
    with os.fdopen(reader, "rb") as stream:
        assert read_at_most(stream, 20) == b"y" * 21
    reader, writer = os.pipe()
    os.write(writer, b"y" * 50)
    os.close(writer)
    with os.fdopen(reader, "rb") as stream:
        assert read_at_most(stream, 64) == b"y" * 50
