"""The controller's loader (sekha_migrate/effective/controller.py), pinned where a mutation run
found no test holding it: which file of a place is read, what is said of the others, how an
environment string becomes a bool, the key length the MCP auth accepts. Upstream facts:
sekha-controller `src/config.rs` (config-rs 0.15) and `src/auth.rs` (`token.len() >= 32`),
consumers.md section 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write

from sekha_migrate import effective_configuration
from sekha_migrate.effective.values import EffectiveConfig, Unread
from sekha_migrate.findings import Finding, Severity
from sekha_migrate.model import loaders
from sekha_migrate.origin import Origin

WOULD_NOT_START = "the controller would stop at start: "


def controller(path: Path, environ: dict[str, str] | None = None,
               home: Path | None = None) -> EffectiveConfig:
    [config] = effective_configuration([path], components=["controller"],
                                       environ=environ or {}, home=home).configs
    return config


def test_a_later_file_of_the_working_directory_is_named_as_never_read(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", "server_port = 9000\n")
    write(tmp_path / "config.yml", "server_port: 7000\n")
    assert controller(tmp_path).unread == (Unread(
        str(tmp_path / "config.yml"),
        f"{tmp_path / 'config.toml'} is read first; config-rs reads only the first config.* in "
        "the working directory"),)


def test_a_later_file_of_home_is_named_as_never_read_in_home(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    sekha_home = tmp_path / "home" / ".sekha"
    write(sekha_home / "config.json", '{"server_port": 9100}\n')
    write(sekha_home / "config.yaml", "server_port: 9200\n")
    config = controller(tmp_path / "project", home=tmp_path / "home")
    assert config.value("server_port") == 9100
    assert config.unread == (Unread(
        str(sekha_home / "config.yaml"),
        f"{sekha_home / 'config.json'} is read first; config-rs reads only the first config.* "
        "in ~/.sekha"),)


def test_a_first_file_of_a_format_not_parsed_here_is_read_and_named(tmp_path: Path) -> None:
    # `config` without an extension comes first in config-rs's order, before config.toml
    write(tmp_path / "config", "server_port = 9000\n")
    write(tmp_path / "config.toml", "server_port = 9100\n")
    config = controller(tmp_path)
    assert config.files_read == (str(tmp_path / "config"),)
    assert config.unread == (
        Unread(str(tmp_path / "config.toml"),
               f"{tmp_path / 'config'} is read first; config-rs reads only the first config.* "
               "in the working directory"),
        Unread(str(tmp_path / "config"),
               "read by the controller, but not in a format this tool reads (its values are "
               "not shown)"),
    )
    assert config.value("server_port") == 8080


def test_a_broken_file_stops_the_controller_at_its_line_and_column(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", "server_port = 9000\nlog_level = \n")
    assert controller(tmp_path).findings == (Finding(
        Severity.ERROR, "would-not-start",
        WOULD_NOT_START + "TOML syntax error: Invalid value",
        file=str(tmp_path / "config.toml"), line=2, column=13),)


def test_a_file_that_is_a_list_stops_the_controller(tmp_path: Path) -> None:
    # config-rs takes only a map at the root of a file
    write(tmp_path / "config.yaml", "- server_port\n- 9000\n")
    config = controller(tmp_path)
    assert config.findings == (Finding(
        Severity.ERROR, "would-not-start", WOULD_NOT_START + "the file is not a mapping of keys",
        file=str(tmp_path / "config.yaml"), line=1, column=1),)
    assert config.files_read == (str(tmp_path / "config.yaml"),)


def test_an_empty_file_is_read_as_no_keys(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", "# nothing set here yet\n")
    config = controller(tmp_path)
    assert config.findings == ()
    assert config.files_read == (str(tmp_path / "config.yaml"),)
    assert config.value("server_port") == 8080


def test_a_toml_date_and_time_are_kept_as_their_text(tmp_path: Path) -> None:
    # config-rs turns a TOML datetime into a string value
    write(tmp_path / "config.toml", "log_level = 1979-05-27\nsummarization_model = 07:32:00\n")
    config = controller(tmp_path)
    assert config.value("log_level") == "1979-05-27"
    assert config.value("summarization_model") == "07:32:00"


@pytest.mark.parametrize(("written", "text"), [
    # toml_datetime's Display, which config-rs's TOML format calls (datetime.to_string())
    ("1979-05-27T07:32:00Z", "1979-05-27T07:32:00Z"),
    ("1979-05-27 07:32:00z", "1979-05-27T07:32:00Z"),
    ("1979-05-27T07:32:00.500-07:30", "1979-05-27T07:32:00.5-07:30"),
    ("1979-05-27T00:32:00.999999+09:00", "1979-05-27T00:32:00.999999+09:00"),
    ("1979-05-27T07:32:00", "1979-05-27T07:32:00"),
    ("07:32:00.120", "07:32:00.12"),
])
def test_a_toml_datetime_is_kept_as_the_toml_crate_writes_it(written: str, text: str,
                                                             tmp_path: Path) -> None:
    write(tmp_path / "config.toml", f"log_level = {written}\n")
    assert controller(tmp_path).value("log_level") == text


def test_a_plain_file_value_carries_no_note(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", 'database_url = "postgres://db/sekha"\nserver_port = 9000\n')
    config = controller(tmp_path)
    assert config.settings["database_url"].note is None
    assert config.settings["server_port"].note is None


def test_an_unknown_key_is_named_with_the_line_that_set_it(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", "server_port: 9000\ncelery_broker_url: redis://r:6379/0\n")
    assert controller(tmp_path).unread == (Unread(
        "celery_broker_url", "not a controller setting (another component's, or unknown)",
        Origin(str(tmp_path / "config.yaml"), 2, 1, "celery_broker_url")),)


def test_a_dotted_toml_key_is_an_unread_table_with_no_line_of_its_own(tmp_path: Path) -> None:
    # `server.port = 9000` is a table in TOML; the parser marks the leaf, not the table
    write(tmp_path / "config.toml", "server.port = 9000\n")
    assert controller(tmp_path).unread == (Unread(
        "server", "a table: the controller's flat settings never read keys inside tables",
        Origin(str(tmp_path / "config.toml"), None, None, "server")),)


@pytest.mark.parametrize(("text", "value"), [
    ("true", True), ("1", True), ("yes", True), ("ON", True),
    ("false", False), ("0", False), ("no", False), ("Off", False)])
def test_a_bool_variable_is_read_as_config_rs_reads_it(text: str, value: bool,
                                                        tmp_path: Path) -> None:
    config = controller(tmp_path, {"SEKHA__PRUNING_ENABLED": text})
    assert config.value("pruning_enabled") is value


def test_a_bool_variable_of_another_word_stops_the_controller(tmp_path: Path) -> None:
    config = controller(tmp_path, {"SEKHA__CORS_ENABLED": "enabled"})
    assert [f.message for f in config.findings] == [
        WOULD_NOT_START + "SEKHA__CORS_ENABLED='enabled' cannot be read as cors_enabled: not "
        "true or false"]
    assert config.value("cors_enabled") is True


# config-rs 0.15.19 (the version sekha-controller's Cargo.lock pins), value.rs: into_uint
# matches the lowercased text against true/on/yes and false/off/no, else Rust's
# str::parse::<u64> (ASCII digits, an optional '+', nothing trimmed), then narrows to the field
# (server_port u16, max_connections and rate_limit_per_minute u32); into_bool trims nothing.
@pytest.mark.parametrize(("name", "text", "value"), [
    ("SEKHA__SERVER_PORT", "9000", 9000),
    ("SEKHA__SERVER_PORT", "+9000", 9000),
    ("SEKHA__SERVER_PORT", "09000", 9000),
    ("SEKHA__SERVER_PORT", "65535", 65535),
    ("SEKHA__SERVER_PORT", "Yes", 1),
    ("SEKHA__SERVER_PORT", "OFF", 0),
    ("SEKHA__MAX_CONNECTIONS", "4294967295", 4294967295),
    ("SEKHA__RATE_LIMIT_PER_MINUTE", "true", 1),
])
def test_a_number_variable_is_read_as_config_rs_reads_it(name: str, text: str, value: int,
                                                         tmp_path: Path) -> None:
    key = name.removeprefix("SEKHA__").lower()
    config = controller(tmp_path, {name: text})
    assert config.findings == ()
    assert config.value(key) == value


@pytest.mark.parametrize(("name", "text", "why"), [
    ("SEKHA__SERVER_PORT", " 9000", "not a whole number"),
    ("SEKHA__SERVER_PORT", "9000\n", "not a whole number"),
    ("SEKHA__SERVER_PORT", "9_000", "not a whole number"),
    ("SEKHA__SERVER_PORT", "\u0669\u0660\u0660\u0660", "not a whole number"),
    ("SEKHA__SERVER_PORT", "-1", "not a whole number"),
    ("SEKHA__SERVER_PORT", "65536", "too large for an unsigned 16-bit number"),
    ("SEKHA__MAX_CONNECTIONS", "4294967296", "too large for an unsigned 32-bit number"),
    ("SEKHA__CORS_ENABLED", " true", "not true or false"),
    ("SEKHA__CORS_ENABLED", "true ", "not true or false"),
])
def test_a_variable_config_rs_cannot_convert_stops_the_controller(
        name: str, text: str, why: str, tmp_path: Path) -> None:
    key = name.removeprefix("SEKHA__").lower()
    config = controller(tmp_path, {name: text})
    assert [f.message for f in config.findings] == [
        WOULD_NOT_START + f"{name}={text!r} cannot be read as {key}: {why}"]


def test_a_list_variable_stops_the_controller_saying_why(tmp_path: Path) -> None:
    config = controller(tmp_path, {"SEKHA__ADDITIONAL_API_KEYS": "a,b"})
    assert [f.message for f in config.findings] == [
        WOULD_NOT_START + "SEKHA__ADDITIONAL_API_KEYS='a,b' cannot be read as "
        "additional_api_keys: a list cannot be given in one variable (config-rs reads a string)"]


def test_a_key_of_exactly_the_minimum_length_is_accepted(tmp_path: Path) -> None:
    key = "k" * loaders.MIN_KEY_LENGTH
    config = controller(tmp_path, {"SEKHA__MCP_API_KEY": key})
    assert config.value("mcp_api_key") == key
    assert config.settings["mcp_api_key"].note is None


def test_a_key_one_shorter_than_the_minimum_is_rejected(tmp_path: Path) -> None:
    config = controller(tmp_path, {"SEKHA__MCP_API_KEY": "k" * (loaders.MIN_KEY_LENGTH - 1)})
    assert config.settings["mcp_api_key"].note == (
        "31 characters: the MCP auth rejects every token shorter than 32, so every MCP call "
        "fails")


def test_a_key_held_but_never_used_says_so(tmp_path: Path) -> None:
    config = controller(tmp_path)
    assert config.settings["embedding_model"].note == (
        "read nowhere: the controller embeds with nomic-embed-text:latest")
