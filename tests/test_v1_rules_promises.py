"""v1's own rules (sekha_migrate.migrate.v1_rules), each pinned to the exact value, finding
or file it gives.

Written against the mutants a mutation run (bench/mutation.py v1_rules) found surviving.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml
from conftest import write

from sekha_migrate.findings import Finding, Severity
from sekha_migrate.migrate import v1_rules
from sekha_migrate.migrate.build import Built
from sekha_migrate.migrate.discover import SourceFile, SourceKind, SourceLayer
from sekha_migrate.migrate.plan import MigrationRequest, plan_migration
from sekha_migrate.migrate.readings import RawRead, SourceReading
from sekha_migrate.migrate.results import ENVIRONMENT, KeyRead, KeyStatus, Origin

KEY = "sk-" + "e" * 40
PROVIDERS = ('[{"id": "cloud", "type": "openai", "base_url": "https://api.openai.com/v1", '
             '"priority": 1, "models": [{"model_id": "gpt-4o", "task": "chat_smart", '
             '"context_window": 128000}]}]')


def read(value: object, setting: str | None = None, *, key: str = "NAME",
         file: str = ".env", line: int = 3, **fields: object) -> RawRead:
    return RawRead(Origin(file, line, 1, key), value, setting, **fields)  # type: ignore[arg-type]


# ---- the api_key of an indexed provider name -------------------------------------------------


def _provider(tmp_path: Path, environ: dict[str, str], dotenv: str = "") -> dict[str, object]:
    write(tmp_path / ".env", f"SEKHA__LLM_PROVIDERS={PROVIDERS}\n{dotenv}")
    plan = plan_migration(MigrationRequest(directory=tmp_path, home=tmp_path / "home",
                                           environ=environ))
    provider: dict[str, object] = yaml.safe_load(plan.text)["llm_providers"][0]
    return provider


def test_an_api_key_from_the_process_environment_is_written_by_reference(
    tmp_path: Path,
) -> None:
    provider = _provider(tmp_path, {"SEKHA__LLM_PROVIDERS__0__API_KEY": KEY})
    assert provider["api_key"] == "${SEKHA__LLM_PROVIDERS__0__API_KEY}"


def test_apply_indexed_writes_an_environment_api_key_as_a_reference_to_its_name() -> None:
    # The plan would catch a literal key later too (secrets_out); this rule must not rely on it.
    built = Built({"llm_providers": [{"id": "a"}, {"id": "b"}, {"id": "c"}]})
    name = "SEKHA__LLM_PROVIDERS__0__API_KEY"
    raw = [
        read(KEY, "llm_providers", key=name, file=ENVIRONMENT, index_path=(0, "api_key")),
        read(KEY, "llm_providers", key="K1", index_path=(1, "api_key"), reference="OPENAI"),
        read(KEY, "llm_providers", key="K2", index_path=(2, "api_key")),
    ]
    v1_rules.apply_indexed(built, raw)
    assert [p.get("api_key") for p in built.document["llm_providers"]] == [
        f"${{{name}}}", "${OPENAI}", KEY]


def test_an_api_key_written_as_a_reference_stays_that_reference(tmp_path: Path) -> None:
    provider = _provider(tmp_path, {"OPENAI_KEY": KEY},
                         "SEKHA__LLM_PROVIDERS__0__API_KEY=${OPENAI_KEY}\n")
    assert provider["api_key"] == "${OPENAI_KEY}"


def test_indexed_numbers_and_flags_are_typed_and_other_fields_kept_as_text(
    tmp_path: Path,
) -> None:
    provider = _provider(tmp_path, {}, "SEKHA__LLM_PROVIDERS__0__PRIORITY= 3 \n"
                         "SEKHA__LLM_PROVIDERS__0__TIMEOUT=-5\n"
                         "SEKHA__LLM_PROVIDERS__0__MODELS__0__SUPPORTS_VISION=TRUE\n"
                         "SEKHA__LLM_PROVIDERS__0__MODELS__0__SUPPORTS_AUDIO=False\n"
                         "SEKHA__LLM_PROVIDERS__0__MODELS__0__CONTEXT_WINDOW=12x\n"
                         "SEKHA__LLM_PROVIDERS__0__MODELS__0__DIMENSION="
                         "123456789012345678901\n"
                         "SEKHA__LLM_PROVIDERS__0__MODELS__0__SUPPORTS_FUNCTION_CALLING=yes\n"
                         "SEKHA__LLM_PROVIDERS__0__ID=0042\n"
                         "SEKHA__LLM_PROVIDERS__0__MODELS__0__TASK=X3\n")
    assert provider["priority"] == 3
    assert provider["timeout"] == -5
    assert provider["id"] == "0042"
    model = provider["models"][0]  # type: ignore[index]
    assert model["supports_vision"] is True
    assert model["supports_audio"] is False
    assert model["context_window"] == "12x"
    assert model["dimension"] == "123456789012345678901"
    assert model["task"] == "X3"
    assert model["supports_function_calling"] == "yes"


@pytest.mark.parametrize(("text", "typed"), [("1234567890123456789", 1234567890123456789),
                                             ("12345678901234567890", "12345678901234567890"),
                                             ("X3", "X3"), ("-0", 0)])
def test_an_indexed_number_is_typed_below_twenty_characters(text: str, typed: object) -> None:
    built = Built({"llm_providers": [{"id": "a"}]})
    v1_rules.apply_indexed(built, [read(text, "llm_providers", index_path=(0, "priority"))])
    assert built.document["llm_providers"][0]["priority"] == typed


def test_an_index_with_no_entry_is_warned_about_where_it_is_written(tmp_path: Path) -> None:
    write(tmp_path / ".env", f"SEKHA__LLM_PROVIDERS={PROVIDERS}\n"
          "SEKHA__LLM_PROVIDERS__7__PRIORITY=2\n"
          "SEKHA__LLM_PROVIDERS__0__MODELS__9__TASK=chat_fast\n"
          "SEKHA__LLM_PROVIDERS__0__MODELS__X__TASK=chat_fast\n")
    plan = plan_migration(MigrationRequest(directory=tmp_path, home=tmp_path / "home"))
    missing = [f for f in plan.findings if f.code == "indexed-target-missing"]
    assert [(f.line, f.severity) for f in missing] == [(2, Severity.WARNING),
                                                      (3, Severity.WARNING),
                                                      (4, Severity.WARNING)]
    assert missing[0].message == ("SEKHA__LLM_PROVIDERS__7__PRIORITY: llm_providers has no "
                                  "entry at $[7].priority; the value is not carried")
    assert missing[0].hint == "give the whole llm_providers value, or fix the index"
    assert Path(missing[0].file or "").name == ".env"
    assert missing[0].column == 1


def test_an_indexed_value_sets_one_field_and_records_where_it_came_from() -> None:
    built = Built({"llm_providers": [{"id": "a", "models": [{"model_id": "m"}]}, "odd"]})
    raw = [
        read("5", "llm_providers", key="P0", index_path=(0, "priority")),
        read("x", "llm_providers", key="P1", line=4, index_path=(1, "priority")),
        read("", "llm_providers", key="EMPTY", index_path=(0, "timeout")),
        read("y", None, key="NONE", index_path=(0, "timeout")),
        read("z", "llm_providers", key="NOIDX"),
        read("big", "llm_providers", key="P3", line=6, index_path=(0, "models", 0, "task")),
        read("w", "llm_providers", key="P4", line=7, index_path=(0, 5)),
        read("v", "llm_providers", key="P5", line=8, index_path=(2, "priority")),
    ]
    targets, issues = v1_rules.apply_indexed(built, raw)
    assert built.document["llm_providers"][0] == {
        "id": "a", "priority": 5, "models": [{"model_id": "m", "task": "big"}]}
    assert targets == {0: "$.llm_providers[0].priority",
                       5: "$.llm_providers[0].models[0].task"}
    assert built.provenance["$.llm_providers[0].priority"] == raw[0].origin
    assert [(i.code, i.line) for i in issues] == [("indexed-target-missing", 4),
                                                  ("indexed-target-missing", 7),
                                                  ("indexed-target-missing", 8)]


# ---- small rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "empty"),
                         [(None, True), ("", True), ("  \t", True), ("x", False), (0, False),
                          (False, False), ([], False)])
def test_empty_means_unset(value: object, empty: bool) -> None:
    assert v1_rules.is_empty(value) is empty


def test_only_the_controllers_own_keys_keep_their_reference() -> None:
    assert v1_rules.keeps_reference(read("", "mcp_api_key", reference="MCP")) is True
    assert v1_rules.keeps_reference(read("", "rest_api_key", reference="REST")) is True
    assert v1_rules.keeps_reference(read("", "mcp_api_key")) is False
    assert v1_rules.keeps_reference(read("", "log_level", reference="LEVEL")) is False


def test_the_key_a_value_is_typed_as() -> None:
    assert v1_rules.typing_key(read("9", "server_port")) == "server_port"
    assert v1_rules.typing_key(read("9", None, component_key="port")) == "port"
    assert v1_rules.typing_key(read("", "server_port")) is None
    assert v1_rules.typing_key(read("", "mcp_api_key", reference="MCP")) == "mcp_api_key"
    assert v1_rules.typing_key(read("9", "llm_providers", index_path=(0, "priority"))) is None


def test_a_kept_reference_is_the_effective_value() -> None:
    assert v1_rules.effective_value(read("k", "mcp_api_key", reference="MCP"), "k") == "${MCP}"
    assert v1_rules.effective_value(read("k", "log_level"), "typed") == "typed"


def test_reportable_values_are_plain() -> None:
    huge = 2 ** 300
    nested: list[object] = []
    for _ in range(3000):
        nested = [nested]
    moment = datetime.datetime(2026, 1, 2, 3, 4, 5)
    assert v1_rules.reportable({"a": [huge, 2 ** 256, 2 ** 256 - 1, True]}) == {
        "a": ["(a number far too large to show)", "(a number far too large to show)",
              2 ** 256 - 1, True]}
    assert v1_rules.reportable(nested) == "(nested too deeply to show)"
    assert v1_rules.reportable([moment]) == ["2026-01-02T03:04:05"]


def test_what_counts_for_the_docker_document() -> None:
    assert v1_rules.counts_for_docker(read("1", "server_port")) is True
    assert v1_rules.counts_for_docker(read("1", None)) is False
    assert v1_rules.counts_for_docker(read("1", "llm_providers", index_path=(0, "id"))) is False


def test_component_settings_later_reads_win_and_each_read_has_its_owner() -> None:
    raw = [
        read("5001", None, key="PORT", component="bridge", component_key="server_port"),
        read("x", None, key="IGNORED", component="bridge"),
        read("5002", None, key="PORT", line=9, component="bridge", component_key="server_port"),
        read("30", "llm_bridge_timeout", key="TIMEOUT"),
        read("untyped", None, key="NOT_TYPED", component="proxy", component_key="port"),
    ]
    settings = v1_rules.component_settings(raw, {0: 5001, 1: "x", 2: 5002, 3: 30})
    assert settings.values == {"bridge": {"server_port": 5002},
                               "controller": {"llm_bridge_timeout": 30}}
    assert settings.origins["bridge"]["server_port"] == raw[2].origin
    assert settings.overridden == {0: 2}
    assert settings.owner == {0: ("bridge", "server_port"), 2: ("bridge", "server_port"),
                              3: ("controller", "llm_bridge_timeout")}


def test_component_status_names_the_home_or_the_reason() -> None:
    assert v1_rules.component_status(read("1", None), "bridge", "server_port") == (
        KeyStatus.MAPPED, ("bridge.server_port",), None)
    assert v1_rules.component_status(read("1", None), "bridge", "workers") == (
        KeyStatus.UNMAPPABLE, (),
        "a setting of the bridge with no v2 key; reported as the bridge's workers")
    assert v1_rules.component_status(read("1", None), "proxy", "cb_half_open_timeout") == (
        KeyStatus.UNMAPPABLE, (),
        "the breaker's half-open timeout has no key in either v2 schema; reported as the "
        "proxy's cb_half_open_timeout")


def test_a_component_without_homes_has_no_mapped_keys() -> None:
    assert v1_rules.component_status(read("1", None), "gateway", "port") == (
        KeyStatus.UNMAPPABLE, (), "a setting of the gateway with no v2 key; reported as the "
        "gateway's port")


def test_values_read_are_those_of_the_environments_later_ones_winning() -> None:
    raw = [
        read("one", None, key="A", file="a.env"),
        read("two", None, key="A", file="b.env"),
        read("k", None, key="SEKHA__MCP_API_KEY", file="a.env", reference="MCP"),
        read("", None, key="OPT", file="a.env", reference="OPT", unset=("OPT",)),
        read("", None, key="HALF", file="a.env", reference="X", unset=("Y",)),
        read(5, None, key="NUMBER", file="a.env"),
        read("c", None, key="CONFIG", file="config.toml"),
    ]
    assert v1_rules.values_read(raw, {"a.env", "b.env"}) == {
        "A": "two", "SEKHA__MCP_API_KEY": "k", "MCP": "k", "HALF": "", "X": ""}


def test_an_unset_variable_is_named_with_what_became_of_the_value() -> None:
    raw = [
        read("y", "log_level", key="SET"),
        read("", "mcp_api_key", key="SEKHA__MCP_API_KEY", reference="MCP", unset=("MCP",)),
        read("", "vision_model", key="VISION", line=4, unset=("VISION_MODEL",)),
        read("postgres://u:@db", "database_url", key="DB", line=5, unset=("PW", "USER")),
        read("x", None, key="NOT_SEKHA", unset=("X",)),
    ]
    issues = v1_rules.unset_variable_issues(raw)
    assert [(i.severity, i.line, i.message) for i in issues] == [
        (Severity.WARNING, 3, "SEKHA__MCP_API_KEY refers to MCP, which is set nowhere (not in "
         "the shell, nor earlier in its file): the output keeps ${MCP}, unchecked until it is "
         "set"),
        (Severity.INFO, 4, "VISION refers to VISION_MODEL, which is set nowhere (not in the "
         "shell, nor earlier in its file): its value is empty, and the setting is not "
         "carried"),
        (Severity.WARNING, 5, "DB refers to PW, USER, which are set nowhere (not in the shell, "
         "nor earlier in its file): its value was read without them"),
    ]
    assert {i.code for i in issues} == {"unset-variable"}
    assert issues[2].hint == "set PW, USER where the migration runs, as for the service, and " \
        "run again"
    assert (issues[0].file, issues[0].column) == (".env", 1)


def test_an_unset_variable_in_a_value_that_is_still_set_is_read_without_it() -> None:
    [issue] = v1_rules.unset_variable_issues([read("a-", "log_level", unset=("B",))])
    assert issue.message.endswith(": its value was read without it")


def _key_read(value: object, setting: str | None, *, secret: bool = False,
              status: KeyStatus = KeyStatus.MAPPED, targets: tuple[str, ...] = ()) -> KeyRead:
    return KeyRead(Origin(".env", 2, 1, "SEKHA_X"), value, setting, status, targets,
                   secret=secret)


def test_a_name_v1_never_read_says_what_v2_will_do_differently() -> None:
    changed = v1_rules.never_read_issue(_key_read(9090, "server_port",
                                                  targets=("$.server_port",)))
    assert changed == Finding(
        Severity.WARNING, "v1-never-read",
        "SEKHA_X: the v1 controller never read this name, so it ran with the default (8080); "
        "v2 will use 9090: a change of behaviour",
        file=".env", line=2, column=1, path="$.server_port",
        hint="check that v2 should use this value; remove it from the v2 file if not")
    same = v1_rules.never_read_issue(_key_read(8080, "server_port"))
    assert same is not None
    assert same.severity is Severity.INFO
    assert same.path == "$"
    assert same.message == ("SEKHA_X: the v1 controller never read this name, so it ran with "
                            "the default (8080); v2 will use 8080")
    secret = v1_rules.never_read_issue(_key_read("k" * 40, "mcp_api_key", secret=True))
    assert secret is not None
    assert secret.message == ("SEKHA_X: the v1 controller never read this name, so it ran "
                              "with the default: a change of behaviour")
    assert v1_rules.never_read_issue(_key_read(1, None)) is None
    assert v1_rules.never_read_issue(_key_read(1, "server_port",
                                               status=KeyStatus.UNMAPPABLE)) is None


def test_a_long_value_is_cut_in_the_never_read_message() -> None:
    issue = v1_rules.never_read_issue(_key_read("x" * 70, "log_level"))
    assert issue is not None
    assert issue.message.endswith(f"v2 will use '{'x' * 56}...: a change of behaviour")
    exact = v1_rules.never_read_issue(_key_read("x" * 58, "log_level"))
    assert exact is not None
    assert exact.message.endswith(f"v2 will use '{'x' * 58}': a change of behaviour")
    over = v1_rules.never_read_issue(_key_read("x" * 59, "log_level"))
    assert over is not None
    assert over.message.endswith(f"v2 will use '{'x' * 56}...: a change of behaviour")


def test_a_number_too_long_to_print_is_described() -> None:
    issue = v1_rules.never_read_issue(_key_read(10 ** 5000, "server_port"))
    assert issue is not None
    assert issue.message.endswith("v2 will use a very long number: a change of behaviour")


def _reading(name: str, reads: list[RawRead], skipped: list[str] | None = None
             ) -> SourceReading:
    source = SourceFile(Path(name), SourceKind.ENV, SourceLayer.ENV_FILE)
    return SourceReading(source, reads, skipped_services=skipped or [])


def test_a_source_set_without_sekha_settings_is_an_error_naming_why() -> None:
    readings = [
        _reading("a.env", [read("", "log_level", unset=("LEVEL",)),
                           read("", "server_port", unset=("PORT", "LEVEL"))], ["db", "cache"]),
        _reading("b.env", [read("x", None)]),
    ]
    issue = v1_rules.no_settings_issue(readings)
    assert issue == Finding(
        Severity.ERROR, "no-sekha-settings",
        "no Sekha settings in a.env, b.env (services db, cache are not Sekha's) (its values are "
        "empty: LEVEL, PORT set nowhere)",
        file="a.env", line=None, column=None,
        hint="name the file that holds the Sekha configuration (config.toml, .env, or a "
        "compose file with a Sekha service)")
    assert v1_rules.no_settings_issue([_reading("c.env", [read("", "log_level")])]) == Finding(
        Severity.ERROR, "no-sekha-settings", "no Sekha settings in c.env", file="c.env",
        line=None, column=None, hint=issue.hint)


def test_no_source_at_all_has_no_file_to_name() -> None:
    issue = v1_rules.no_settings_issue([])
    assert issue is not None
    assert issue.file is None


def test_a_kept_reference_or_any_value_is_a_sekha_setting() -> None:
    kept = _reading("a.env", [read("", "mcp_api_key", reference="MCP")])
    valued = _reading("b.env", [read("debug", "log_level")])
    assert v1_rules.no_settings_issue([_reading("x.env", []), kept]) is None
    assert v1_rules.no_settings_issue([valued]) is None


def test_layout_issues_name_the_home_config_and_a_v1_config_beside(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write(home / ".sekha" / "config.toml", "server_port = 1\n")
    write(tmp_path / "config.toml", "server_port = 2\n")
    found = v1_rules.layout_issues([], tmp_path / "config.yaml", home, include_home=False)
    assert [(i.code, i.severity, i.file) for i in found] == [
        ("home-config-not-included", Severity.WARNING, str(home / ".sekha" / "config.toml")),
        ("beside-v1-config", Severity.WARNING, str(tmp_path / "config.toml")),
    ]
    home_config, beside = found
    assert home_config.message == (
        f"{home / '.sekha' / 'config.toml'} exists: a v1 controller run as this user read it "
        "over ./config.*, but it is not part of this migration")
    assert home_config.hint == "pass --include-home to migrate it too"
    assert beside.message == (
        f"{tmp_path / 'config.yaml'} is written beside {tmp_path / 'config.toml'}: a v1 "
        f"controller started in {tmp_path} keeps reading config.toml (it reads config.*), "
        "not this file")
    assert beside.hint == "stop the v1 controller, or move config.toml away once v2 runs"
    assert v1_rules.layout_issues([], tmp_path / "config.yml", home, include_home=True)[0].code \
        == "beside-v1-config"
    assert v1_rules.layout_issues([], tmp_path / "other.yaml", home, include_home=True) == []
    assert v1_rules.layout_issues([], tmp_path / "x" / "config.yaml", home,
                                  include_home=True) == []
    assert str(ENVIRONMENT) == "<environment>"
