"""Which host file a component sees at a name, how it is named in messages, and reading one
(sekha_migrate/effective/files.py), pinned where a mutation run found no test holding it: a
file given as text (a migration's output) read by its name's format, an absolute name, the
name shown for a file that is not there, the key's mark rather than the value's, and the
problem of a file that cannot be read."""

from __future__ import annotations

from pathlib import Path

from conftest import write

from sekha_migrate import effective_configuration
from sekha_migrate.effective.files import FileView, read_config_file, read_config_text
from sekha_migrate.findings import Finding, Mark, Severity


def test_a_file_given_as_text_is_read_by_the_format_of_its_name(tmp_path: Path) -> None:
    view = FileView(mounts={"/app/config.toml": write(tmp_path / "on-disk.toml", "a = 1\n")},
                    texts={"/app/config.toml": ("written.toml", "server_port = 9000\n"),
                           "/app/config.yaml": ("written.yaml", "server_port: 7000\n")})
    toml = view.read("config.toml")
    yaml = view.read("config.yaml")
    assert toml is not None
    assert yaml is not None
    assert (toml.path, toml.data, toml.problem) == ("written.toml", {"server_port": 9000}, None)
    assert toml.mark_for(("server_port",)) == Mark(1, 1)
    assert (yaml.path, yaml.data, yaml.problem) == ("written.yaml", {"server_port": 7000}, None)


def test_a_text_named_toml_is_not_read_as_yaml(tmp_path: Path) -> None:
    # `a: 1` is YAML, and no TOML: read as YAML it would load.
    view = FileView(mounts={}, texts={"/app/config.toml": ("written.toml", "a: 1\n")})
    read = view.read("config.toml")
    assert read is not None
    assert read.data is None
    assert read.problem is not None
    assert (read.problem.file, read.problem.line) == ("written.toml", 1)


def test_a_text_is_named_in_messages_by_the_name_given_for_it(tmp_path: Path) -> None:
    view = FileView(tmp_path, texts={"/app/config.toml": ("config.toml (after)", "")})
    assert view.shown("config.toml") == "config.toml (after)"
    assert view.exists("config.toml") is True


def test_the_name_shown_for_a_host_file_is_its_path(tmp_path: Path) -> None:
    host = write(tmp_path / "mounted.toml", "a = 1\n")
    assert FileView(mounts={"/app/config.toml": host}).shown("config.toml") == str(host)
    assert FileView(tmp_path).shown("mounted.toml") == str(tmp_path / "mounted.toml")


def test_a_missing_file_is_named_where_it_would_be(tmp_path: Path) -> None:
    assert FileView(tmp_path).shown("config.toml") == str(tmp_path / "config.toml")
    assert FileView(mounts={}).shown("config.toml") == "/app/config.toml"
    assert FileView(mounts={}, workdir="/srv").shown("config.yaml") == "/srv/config.yaml"
    assert FileView(mounts={}).shown("/etc/sekha.toml") == "/etc/sekha.toml"


def test_an_absolute_name_is_that_file_not_one_in_the_working_directory(tmp_path: Path) -> None:
    elsewhere = write(tmp_path / "elsewhere" / "bridge.yaml", "providers: []\n")
    workdir = tmp_path / "work"
    write(workdir / str(elsewhere).lstrip("/"), "not: this\n")
    assert FileView(workdir).find(str(elsewhere)) == elsewhere
    assert FileView(workdir).find(str(tmp_path / "none.yaml")) is None


def test_a_missing_file_reads_as_none(tmp_path: Path) -> None:
    assert FileView(tmp_path).read("config.toml") is None
    assert FileView(mounts={}).read("config.toml") is None


def test_a_yaml_key_is_marked_where_the_key_is_written(tmp_path: Path) -> None:
    read = read_config_text("server:\n  port:   9000\n", "s.yaml", ".yaml")
    assert read.mark_for(("server", "port")) == Mark(2, 3)
    assert read.mark_for(("server",)) == Mark(1, 1)


def test_the_toml_suffix_is_recognised_in_any_case() -> None:
    read = read_config_text("port = 9000\n", "s.TOML", ".TOML")
    assert (read.data, read.problem) == ({"port": 9000}, None)


def test_a_file_that_is_not_utf8_is_a_problem_at_its_byte(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", b'log_level = "\xff"\n')
    read = read_config_file(path)
    assert read.path == str(path)
    assert read.data is None
    assert read.problem == Finding(Severity.ERROR, "encoding",
                                   "invalid UTF-8: byte 0xff cannot be decoded", file=str(path),
                                   line=1, column=14, hint="save the file as UTF-8")


def test_a_controller_file_that_is_not_utf8_stops_it_at_that_byte(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", b'log_level = "\xff"\n')
    [config] = effective_configuration([tmp_path], components=["controller"],
                                       environ={}).configs
    assert config.findings == (Finding(
        Severity.ERROR, "would-not-start",
        "the controller would stop at start: invalid UTF-8: byte 0xff cannot be decoded",
        file=str(path), line=1, column=14),)


def test_a_syntax_error_names_the_file_as_shown() -> None:
    read = read_config_text("a = \n", "written.toml", ".toml")
    assert read.problem is not None
    assert read.problem.file == "written.toml"
    assert read.path == "written.toml"


def test_a_dotted_key_thousands_deep_is_a_problem_not_a_crash() -> None:
    # tomllib reads it; building the marks of its 3000 levels is what recurses too deep.
    read = read_config_text(".".join(["x"] * 3000) + " = 1\n", "deep.toml", ".toml")
    assert read.path == "deep.toml"
    assert read.data is None
    assert read.problem == Finding(Severity.ERROR, "syntax", "nesting too deep to read",
                                   file="deep.toml")
