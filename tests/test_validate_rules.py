"""Every rule of `sekha validate`: its code, severity, exact line and column, and its words.

The fixtures under fixtures/v2/ state their expected findings in `# expect:` comments; the
parametrized tests read them, so adding a fixture adds a test. The tests below them pin the
messages and hints that matter to a person reading the output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write
from validate_support import V2_FIXTURES, fixture_files, observed, read_header

from sekha_migrate.findings import Finding, Severity
from sekha_migrate.validate.engine import validate_file, validate_text

VALID = fixture_files("valid")
INVALID = fixture_files("invalid")
YAML_FIXTURES = [p for p in VALID + INVALID if p.suffix in (".yaml", ".yml")]


def _only(result_findings: tuple[Finding, ...], code: str) -> Finding:
    matching = [f for f in result_findings if f.code == code]
    assert len(matching) == 1, f"expected one {code} finding, got {result_findings}"
    return matching[0]


def _fixture(kind: str, name: str) -> Path:
    return V2_FIXTURES / kind / name


def _findings(kind: str, name: str, env: dict[str, str] | None = None) -> tuple[Finding, ...]:
    path = _fixture(kind, name)
    return validate_file(path, env=read_header(path).env if env is None else env).findings


# ---- the fixtures' own declarations -------------------------------------------------------


@pytest.mark.parametrize("path", YAML_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_yields_exactly_the_findings_it_declares(path: Path) -> None:
    header = read_header(path)
    assert header.declared, f"{path.name} has no '# expect:' line"
    result = validate_file(path, env=header.env)
    assert observed(result) == list(header.expected)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_fixture_is_valid(path: Path) -> None:
    assert validate_file(path, env=read_header(path).env).valid


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_fixture_fails_at_least_under_strict(path: Path) -> None:
    header = read_header(path)
    assert not validate_file(path, env=header.env, strict=True).valid


def test_json_fixture_is_valid_with_no_findings() -> None:
    result = validate_file(_fixture("valid", "json-form.json"), env={})
    assert result.valid
    assert result.findings == ()
    assert result.data["default_models"]["chat_vision"] is None


def test_every_fixture_name_says_what_it_shows() -> None:
    names = {p.stem for p in INVALID}
    for rule in (
        "duplicate-key",
        "duplicate-provider-id",
        "default-model-not-offered",
        "embedding-default-not-embedding-model",
        "chat-vision-not-vision-capable",
        "v1-config",
        "literal-api-key",
        "api-key-over-plain-http",
        "missing-required-keys",
        "embedding-model-without-dimension",
    ):
        assert rule in names


# ---- duplicate keys and provider ids ------------------------------------------------------


def test_duplicate_key_is_an_error_at_the_second_occurrence_naming_the_first() -> None:
    finding = _only(_findings("invalid", "duplicate-key.yaml"), "duplicate-key")
    assert finding.severity is Severity.ERROR
    assert (finding.line, finding.column) == (9, 5)
    assert "first defined on line 8" in finding.message


def test_duplicate_key_in_flow_mapping_is_located_at_its_column() -> None:
    result = validate_text('version: "2.0"\nrouting: {auto_fallback: true, auto_fallback: false}\n')
    finding = _only(result.findings, "duplicate-key")
    assert (finding.line, finding.column) == (2, 32)
    assert finding.path == "$.routing.auto_fallback"


def test_duplicate_provider_id_names_the_line_of_the_first() -> None:
    finding = _only(_findings("invalid", "duplicate-provider-id.yaml"), "duplicate-provider-id")
    assert finding.severity is Severity.ERROR
    assert (finding.line, finding.column, finding.path) == (12, 9, "$.llm_providers[1].id")
    assert "'ollama' is already used on line 5" in finding.message


# ---- default_models -----------------------------------------------------------------------


def test_default_model_nobody_offers_lists_the_models_that_would_fit() -> None:
    finding = _only(_findings("invalid", "default-model-not-offered.yaml"), "unknown-default-model")
    assert finding.severity is Severity.ERROR
    assert "'gpt-4o', which no provider offers" in finding.message
    assert finding.hint is not None and "llama3.1:8b" in finding.hint
    assert "nomic-embed-text" not in finding.hint  # an embedding model cannot chat


def test_embedding_default_must_be_an_embedding_model() -> None:
    name = "embedding-default-not-embedding-model.yaml"
    finding = _only(_findings("invalid", name), "default-model-task")
    assert finding.path == "$.default_models.embedding"
    assert "needs an embedding model" in finding.message
    assert "chat_small" in finding.message


def test_chat_vision_must_support_vision() -> None:
    name = "chat-vision-not-vision-capable.yaml"
    finding = _only(_findings("invalid", name), "default-model-task")
    assert finding.path == "$.default_models.chat_vision"
    assert "vision model" in finding.message and "'llava'" in finding.message


def test_chat_vision_accepts_supports_vision_on_a_chat_model() -> None:
    text = _fixture("invalid", "chat-vision-not-vision-capable.yaml").read_text()
    fixed = text.replace("supports_vision: false", "supports_vision: true")
    assert validate_text(fixed).valid


def test_null_chat_vision_is_allowed() -> None:
    text = _fixture("valid", "minimal-ollama-only.yaml").read_text() + "  chat_vision: null\n"
    assert validate_text(text).valid


# ---- dialects, typos, unknown keys --------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "wrong", "right", "position"),
    [
        ("dialect-providers.yaml", "type", "provider_type", (8, 5)),
        ("dialect-provider-type.yaml", "provider_type", "type", (7, 5)),
        ("dialect-timeout-secs-on-provider.yaml", "timeout_secs", "timeout", (9, 5)),
        ("dialect-enable-fallback.yaml", "enable_fallback", "auto_fallback", (17, 3)),
        ("dialect-chat-small-in-default-models.yaml", "chat_small", "chat_fast", (15, 3)),
        (
            "dialect-cost-limit-per-request.yaml",
            "cost_limit_per_request",
            "max_cost_per_request",
            (19, 3),
        ),
        ("dialect-timeout-seconds.yaml", "timeout_seconds", "timeout", (10, 5)),
    ],
)
def test_dialect_key_names_the_v2_key(
    fixture: str, wrong: str, right: str, position: tuple[int, int]
) -> None:
    findings = [f for f in _findings("invalid", fixture) if f.code == "dialect-key"]
    finding = findings[0]
    assert finding.severity is Severity.WARNING
    assert (finding.line, finding.column) == position
    assert f"'{wrong}'" in finding.message and f"'{right}'" in finding.message
    assert finding.hint == f"rename '{wrong}' to '{right}' (sekha migrate does this for you)"


def test_timeout_seconds_in_the_circuit_breaker_is_timeout_secs() -> None:
    findings = [
        f for f in _findings("invalid", "dialect-timeout-seconds.yaml") if f.code == "dialect-key"
    ]
    breaker = [f for f in findings if f.path == "$.routing.circuit_breaker.timeout_seconds"]
    assert len(breaker) == 1
    assert breaker[0].hint is not None and "'timeout_secs'" in breaker[0].hint


def test_missing_required_key_hint_points_at_the_dialect_key_that_stands_for_it() -> None:
    finding = _only(_findings("invalid", "dialect-providers.yaml"), "schema-required")
    assert finding.path == "$.providers[0].provider_type"
    assert finding.hint == (
        "'type' on line 8 is another dialect's name for it: rename it to 'provider_type'"
    )


def test_cost_limit_at_the_top_level_belongs_under_routing() -> None:
    finding = _only(_findings("invalid", "dialect-cost-limit-per-request.yaml"), "misplaced-key")
    assert finding.severity is Severity.WARNING
    assert finding.hint == "move it to routing.max_cost_per_request"


def test_near_miss_key_suggests_the_right_one_in_both_findings() -> None:
    findings = _findings("invalid", "typo-near-miss-prority.yaml")
    unknown = _only(findings, "unknown-key")
    assert unknown.severity is Severity.WARNING
    assert unknown.hint == "did you mean 'priority'?"
    required = _only(findings, "schema-required")
    assert required.hint is not None and "'prority' on line 9" in required.hint


def test_unknown_key_is_a_warning_without_a_guess() -> None:
    finding = _only(_findings("invalid", "unknown-key.yaml"), "unknown-key")
    assert finding.severity is Severity.WARNING
    assert "telemetry_backend" in finding.message
    assert finding.hint is None


def test_strict_turns_warnings_into_errors_and_keeps_infos() -> None:
    path = _fixture("invalid", "api-key-over-plain-http.yaml")
    relaxed = validate_file(path, env={})
    strict = validate_file(path, env={}, strict=True)
    assert relaxed.valid and not strict.valid
    assert [f.code for f in relaxed.findings] == [f.code for f in strict.findings]
    assert _only(strict.findings, "insecure-transport").severity is Severity.ERROR
    assert {f.severity for f in strict.findings if f.code == "unresolved-variable"} == {
        Severity.INFO
    }


def test_v1_file_is_named_and_pointed_to_migrate() -> None:
    finding = _only(_findings("invalid", "v1-config.yaml"), "v1-config")
    assert finding.severity is Severity.ERROR
    assert "v1 configuration" in finding.message
    assert finding.hint == "convert it with: sekha migrate"


# ---- placeholders -------------------------------------------------------------------------


def test_unexpanded_placeholders_are_not_length_or_format_checked() -> None:
    result = validate_file(_fixture("valid", "placeholders-everywhere.yaml"), env={})
    assert result.valid
    assert {f.code for f in result.findings} == {"unresolved-variable"}
    assert all(f.severity is Severity.INFO for f in result.findings)


def test_a_short_key_in_the_controllers_variable_is_rejected() -> None:
    path = _fixture("invalid", "short-api-key-from-env.yaml")
    finding = _only(validate_file(path, env={"SEKHA__MCP_API_KEY": "abc"}).findings,
                    "mcp-key-rejected")
    assert finding.severity is Severity.ERROR
    assert finding.message == ("SEKHA__MCP_API_KEY in the environment is 3 characters long: "
                               "the controller's MCP auth rejects every token shorter than 32")
    assert "abc" not in finding.message


def test_no_key_anywhere_is_the_public_default_key() -> None:
    path = _fixture("invalid", "short-api-key-from-env.yaml")
    finding = _only(validate_file(path, env={}).findings, "public-default-key")
    assert finding.severity is Severity.WARNING
    assert finding.hint == (
        "set SEKHA__MCP_API_KEY in the controller's environment (compose environment:, or the "
        ".env in its working directory) and remove the key from this file"
    )


def test_a_long_enough_key_in_the_controllers_variable_is_valid() -> None:
    path = _fixture("invalid", "short-api-key-from-env.yaml")
    assert validate_file(path, env={"SEKHA__MCP_API_KEY": "k" * 32}).findings == ()


def test_the_public_default_key_in_the_controllers_variable_is_an_error() -> None:
    path = _fixture("invalid", "short-api-key-from-env.yaml")
    env = {"SEKHA__MCP_API_KEY": "dev_default_key_change_me_1234567890"}
    finding = _only(validate_file(path, env=env).findings, "public-default-key")
    assert finding.severity is Severity.ERROR
    assert finding.message == ("SEKHA__MCP_API_KEY in the environment is the controller's "
                               "public default key: anyone can use it")


def test_a_placeholder_in_a_controller_key_is_not_expanded_even_when_set() -> None:
    path = _fixture("invalid", "placeholder-in-controller-key.yaml")
    result = validate_file(path, env={"SEKHA_API_KEY": "abc", "DATABASE_URL": "sqlite://x"})
    key = next(f for f in result.findings if f.path == "$.mcp_api_key")
    assert (key.severity, key.code) == (Severity.ERROR, "literal-placeholder")
    assert key.message == (
        "the controller never expands ${VAR} in its file: it would use the literal text "
        "'${SEKHA_API_KEY}' as mcp_api_key, unless SEKHA__MCP_API_KEY is set in its environment"
    )
    assert "SEKHA_API_KEY" not in (key.hint or "").replace("SEKHA__MCP_API_KEY", "")
    # The value the controller would use is the text, never the variable's value.
    assert {f.code for f in result.findings} == {"literal-placeholder"}


def test_expanded_url_gets_the_format_rule_and_says_it_was_expanded() -> None:
    path = _fixture("valid", "placeholders-everywhere.yaml")
    result = validate_file(path, env={"OPENAI_BASE_URL": "not a url"})
    finding = _only(result.findings, "schema-format")
    assert finding.path == "$.llm_providers[0].base_url"
    assert (finding.line, finding.column) == (10, 15)
    assert "after expanding ${OPENAI_BASE_URL}" in finding.message


def test_string_with_one_unset_variable_of_two_stays_a_placeholder() -> None:
    text = _fixture("valid", "minimal-ollama-only.yaml").read_text()
    text = text.replace("http://localhost:11434", '"http://${HOST}:${PORT}"')
    result = validate_text(text, env={"HOST": "bad host"})
    assert result.valid
    finding = _only(result.findings, "unresolved-variable")
    assert "${PORT}" in finding.message


# ---- security lints -----------------------------------------------------------------------


def test_literal_api_key_is_a_warning_that_never_shows_the_key() -> None:
    finding = _only(_findings("invalid", "literal-api-key.yaml"), "literal-secret")
    assert finding.severity is Severity.WARNING
    assert finding.hint == (
        "write api_key: ${OPENAI_API_KEY} and set OPENAI_API_KEY in the environment"
    )
    shown = f"{finding.message} {finding.hint} {finding.path}"
    assert "Z9fakeLiteralKey" not in shown


def test_api_key_over_http_to_a_remote_host_only() -> None:
    findings = _findings("invalid", "api-key-over-plain-http.yaml", env={})
    finding = _only(findings, "insecure-transport")
    assert finding.path == "$.llm_providers[0].base_url"
    assert "llm.example.com" in finding.message
    assert finding.hint == "use https://"


@pytest.mark.parametrize(
    "base_url",
    ["http://localhost:4000", "http://127.0.0.1:4000", "http://10.0.0.5:4000", "http://litellm:4000"],
)
def test_api_key_over_http_to_a_local_or_private_host_is_fine(base_url: str) -> None:
    text = _fixture("invalid", "api-key-over-plain-http.yaml").read_text()
    text = text.replace("http://llm.example.com:4000", base_url)
    assert "insecure-transport" not in {f.code for f in validate_text(text).findings}


def test_short_literal_mcp_api_key_is_an_error_and_a_warning_without_its_value() -> None:
    findings = _findings("invalid", "short-mcp-api-key-literal.yaml")
    too_short = _only(findings, "schema-min-length")
    literal = _only(findings, "literal-secret")
    assert too_short.severity is Severity.ERROR and literal.severity is Severity.WARNING
    assert "7 characters long" in too_short.message
    assert too_short.hint is not None and "secrets.token_urlsafe(32)" in too_short.hint
    assert all("hunter2" not in f"{f.message} {f.hint}" for f in findings)


# ---- schema rules in the user's words -----------------------------------------------------


def test_wrong_types_say_what_was_expected_and_how_to_fix_it() -> None:
    findings = {f.path: f for f in _findings("invalid", "wrong-types.yaml", env={})}
    priority = findings["$.llm_providers[0].priority"]
    assert priority.code == "schema-type"
    assert "must be a whole number, not a string ('1')" in priority.message
    assert priority.hint == "remove the quotes: 1"
    fallback = findings["$.routing.auto_fallback"]
    assert fallback.hint == "write true or false without quotes"
    keys = findings["$.additional_api_keys"]
    assert "must be a list, not a mapping" in keys.message


def test_out_of_range_names_the_allowed_range() -> None:
    findings = {f.path: f for f in _findings("invalid", "out-of-range.yaml")}
    port = findings["$.server_port"]
    assert (port.code, port.line, port.column) == ("schema-minimum", 29, 14)
    assert port.message == "server_port is 80; it must be at least 1024"
    assert port.hint == "use a value from 1024 to 65535"
    timeout = findings["$.llm_providers[0].timeout"]
    assert timeout.code == "schema-maximum" and "at most 600" in timeout.message


def test_enum_typo_suggests_the_closest_value() -> None:
    findings = {f.path: f for f in _findings("invalid", "enum-typo.yaml")}
    assert findings["$.llm_providers[0].type"].hint == "did you mean 'ollama'?"
    assert findings["$.llm_providers[0].models[0].task"].hint == "did you mean 'embedding'?"
    assert findings["$.log_level"].hint == "did you mean 'warn'?"


def test_bad_urls_are_errors_with_a_fix() -> None:
    findings = {f.path: f for f in _findings("invalid", "bad-url.yaml")}
    no_scheme = findings["$.llm_providers[0].base_url"]
    assert no_scheme.code == "url-scheme"
    assert no_scheme.hint == "write http://localhost:11434"
    assert findings["$.llm_providers[1].base_url"].code == "schema-format"
    assert "not an http:// or https:// URL" in findings["$.chroma_url"].message
    assert "has no host" in findings["$.llm_bridge_url"].message


def test_missing_required_key_points_at_the_mapping_that_lacks_it() -> None:
    path = _fixture("invalid", "missing-required-keys.yaml")
    lines = path.read_text().splitlines()
    findings = {f.path: f for f in validate_file(path).findings}
    provider = findings["$.llm_providers[0].base_url"]
    # The provider mapping begins at its first key, `id:`, after the list dash.
    assert provider.line is not None
    assert provider.column is not None
    assert lines[provider.line - 1][provider.column - 1 :].startswith("id: ollama_local")
    model = findings["$.llm_providers[0].models[0].task"]
    assert model.line is not None
    assert model.column is not None
    assert lines[model.line - 1][model.column - 1 :].startswith("model_id: llama3.1:8b")
    defaults = findings["$.default_models.chat_smart"]
    assert defaults.line is not None
    assert defaults.column is not None
    assert lines[defaults.line - 1][defaults.column - 1 :].startswith("embedding:")
    assert "missing the required key 'chat_smart'" in defaults.message
    # A model without a task is not also called an embedding model without a dimension.
    assert "$.llm_providers[0].models[0].dimension" not in findings


def test_embedding_model_without_dimension_says_so() -> None:
    findings = _findings("invalid", "embedding-model-without-dimension.yaml")
    finding = _only(findings, "schema-required")
    assert finding.message == (
        "model 'nomic-embed-text' of provider 'ollama_local' is an embedding model but has no "
        "'dimension'"
    )
    assert finding.hint is not None and "dimension: 768" in finding.hint


def test_missing_top_level_keys_point_at_the_document() -> None:
    result = validate_text("# a comment\n\nversion: '2.0'\n")
    required = [f for f in result.findings if f.code == "schema-required"]
    assert {f.path for f in required} == {"$.llm_providers", "$.default_models"}
    assert {(f.line, f.column) for f in required} == {(3, 1)}


def test_missing_version_is_an_info() -> None:
    text = _fixture("valid", "minimal-ollama-only.yaml").read_text().replace('version: "2.0"\n', "")
    result = validate_text(text)
    assert result.valid
    assert _only(result.findings, "missing-version").severity is Severity.INFO


def test_anchors_aliases_and_merge_keys_resolve_with_explicit_keys_winning() -> None:
    result = validate_file(_fixture("valid", "anchors-aliases-merge-keys.yaml"))
    first, second = result.data["llm_providers"]
    assert second["type"] == "ollama" and second["id"] == "ollama_b"
    assert second["models"] == first["models"]
    assert first["models"][1] == {"task": "chat_small", "context_window": 8192,
                                  "model_id": "llama3.1:8b"}
    assert first["models"][2]["task"] == "chat_large"


def test_findings_come_in_file_order(tmp_path: Path) -> None:
    path = write(tmp_path / "config.yaml", _fixture("invalid", "out-of-range.yaml").read_text())
    positions = [(f.line, f.column) for f in validate_file(path).findings]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("base_url", "remote"),
    [("http://[2606:4700::1111]:4000", True), ("http://[::1]:4000", False),
     ("http://[fd00::5]:4000", False), ("http://203.0.113.7:4000", False)],
)
def test_ipv6_hosts_are_judged_by_address_not_by_their_lack_of_dots(
    base_url: str, remote: bool
) -> None:
    text = _fixture("invalid", "api-key-over-plain-http.yaml").read_text()
    text = text.replace("http://llm.example.com:4000", base_url)
    codes = {f.code for f in validate_text(text).findings}
    assert ("insecure-transport" in codes) is remote


def test_unquoted_version_number_is_told_to_quote_it() -> None:
    text = _fixture("valid", "minimal-ollama-only.yaml").read_text()
    result = validate_text(text.replace('version: "2.0"', "version: 2.0"))
    finding = _only(result.findings, "schema-type")
    assert (finding.path, finding.line, finding.column) == ("$.version", 3, 10)
    assert finding.hint == 'quote it: "2.0"'


@pytest.mark.parametrize(
    ("written", "kind"),
    [("on", "a boolean"), ("yes", "a boolean"), ("null", "null"), ("3", "a number"),
     ("2024-01-01", "a date")],
)
def test_non_string_key_is_named_as_written(written: str, kind: str) -> None:
    result = validate_text(f'version: "2.0"\n{written}: 1\n')
    finding = _only(result.findings, "non-string-key")
    assert finding.message == f"key '{written}' is read as {kind}, not a string"
    assert finding.hint == f"quote it: '{written}'"
    assert (finding.line, finding.column) == (2, 1)


def test_explicit_key_beside_an_inline_merge_keeps_its_own_position() -> None:
    text = (
        "llm_providers:\n"
        "  - id: Real\n"
        "    <<: {id: merged, type: ollama, priority: 0}\n"
        "    base_url: http://localhost:11434\n"
    )
    findings = {f.path: f for f in validate_text(text).findings}
    explicit = findings["$.llm_providers[0].id"]  # the explicit 'Real' wins, and is reported
    assert (explicit.code, explicit.line, explicit.column) == ("schema-pattern", 2, 9)
    merged = findings["$.llm_providers[0].priority"]  # merged in: located inside the merge
    assert (merged.code, merged.line, merged.column) == ("schema-minimum", 3, 46)


@pytest.mark.parametrize(
    "merge",
    ['<<: [{auto_fallback: "${X}"}]', '<<: {auto_fallback: "${X}"}',
     '<<: *base', '<<: [*base, {require_vision_for_images: true}]'],
)
def test_placeholders_inside_merge_sources_expand_without_crashing(merge: str) -> None:
    text = f'x-base: &base {{auto_fallback: "${{X}}"}}\nrouting:\n  {merge}\n'
    result = validate_text(text, env={"X": "true"})
    finding = [f for f in result.findings if f.path == "$.routing.auto_fallback"]
    assert [f.code for f in finding] == ["schema-type"]
    assert "after expanding ${X}" in finding[0].message
    unresolved = validate_text(text, env={})
    assert "$.routing.auto_fallback" in {
        f.path for f in unresolved.findings if f.code == "unresolved-variable"
    }


@pytest.mark.parametrize("url", ["http://[localhost:11434", "http://[::1", "http://a]b"])
def test_url_python_cannot_split_is_an_error_not_a_crash(url: str) -> None:
    text = _fixture("invalid", "api-key-over-plain-http.yaml").read_text()
    result = validate_text(text.replace("http://llm.example.com:4000", url))
    finding = _only(result.findings, "url-invalid")
    assert (finding.path, finding.line, finding.column) == ("$.llm_providers[0].base_url", 9, 15)
    assert finding.hint is not None and "http://[::1]:11434" in finding.hint
    assert "insecure-transport" not in {f.code for f in result.findings}


@pytest.mark.parametrize(
    ("key", "url", "code"),
    [
        ("database_url", "postgres://sekha:hunter2@db host/sekha", "schema-format"),
        ("chroma_url", "ftp://sekha:hunter2@chroma/", "url-scheme"),
        ("llm_bridge_url", "http://sekha:hunter2@[bridge", "url-invalid"),
        ("chroma_url", "sekha:hunter2@chroma:8000", "url-scheme"),
    ],
)
def test_a_password_inside_a_url_is_never_shown(key: str, url: str, code: str) -> None:
    text = _fixture("valid", "minimal-ollama-only.yaml").read_text() + f'{key}: "{url}"\n'
    finding = _only(validate_text(text).findings, code)
    assert "***@" in finding.message
    assert "hunter2" not in f"{finding.message} {finding.hint}"


def test_a_password_from_the_environment_is_never_shown() -> None:
    text = _fixture("valid", "placeholders-everywhere.yaml").read_text()
    result = validate_text(text, env={"OPENAI_BASE_URL": "ftp://u:hunter2@chroma"})
    assert "hunter2" not in " ".join(f"{f.message} {f.hint}" for f in result.findings)


@pytest.mark.parametrize("role", ["chat_fast", "chat_smart"])
def test_chat_defaults_must_be_chat_models(role: str) -> None:
    text = _fixture("valid", "minimal-ollama-only.yaml").read_text()
    text = text.replace(f"  {role}: llama3.1:8b", f"  {role}: nomic-embed-text")
    finding = _only(validate_text(text).findings, "default-model-task")
    assert finding.path == f"$.default_models.{role}"
    assert "needs a chat model" in finding.message and "embedding" in finding.message


def test_json_documents_get_the_same_positions_as_yaml() -> None:
    text = (
        '{\n  "version": "2.0",\n  "llm_providers": [\n'
        '    {"id": "a", "type": "ollama", "base_url": "http://localhost:11434",'
        ' "priority": "1"},\n'
        '    {"id": "a", "type": "ollama", "base_url": "http://localhost:11434",'
        ' "priority": 2, "priority": 3}\n'
        '  ],\n  "default_models": {"embedding": "e", "chat_fast": "c"}\n}\n'
    )
    found = {(f.code, f.line, f.column) for f in validate_text(text, path="c.json").findings}
    assert ("schema-type", 4, 85) in found  # "priority": "1"
    assert ("duplicate-key", 5, 88) in found  # the second "priority"
    assert ("duplicate-provider-id", 5, 12) in found
    assert ("schema-required", 7, 21) in found  # default_models lacks chat_smart


def test_extension_keys_hold_anchors_without_a_warning() -> None:
    text = (_fixture("valid", "minimal-ollama-only.yaml")).read_text()
    text = "x-local: &local http://localhost:11434\n" + text.replace(
        "base_url: http://localhost:11434", "base_url: *local\n    x-note: mine"
    )
    result = validate_text(text)
    assert result.findings == ()
    assert validate_text(text.replace("x-note", "xnote")).findings[0].code == "unknown-key"


def test_default_model_behind_an_unset_model_id_is_only_noted() -> None:
    text = _fixture("valid", "minimal-ollama-only.yaml").read_text()
    text = text.replace("model_id: llama3.1:8b", 'model_id: "${CHAT_MODEL}"')
    noted = [f for f in validate_text(text).findings if f.code == "unknown-default-model"]
    assert [(f.path, f.severity) for f in noted] == [
        ("$.default_models.chat_fast", Severity.INFO),
        ("$.default_models.chat_smart", Severity.INFO),
    ]
    assert "${CHAT_MODEL}" not in (noted[0].hint or "")
    set_result = validate_text(text, env={"CHAT_MODEL": "llama3.1:8b"})
    assert [f.code for f in set_result.findings] == []
    wrong = validate_text(text, env={"CHAT_MODEL": "qwen"}).findings
    assert {f.severity for f in wrong if f.code == "unknown-default-model"} == {Severity.ERROR}


def test_values_inside_providers_and_models_are_named_by_their_ids() -> None:
    text = _fixture("valid", "minimal-ollama-only.yaml").read_text()
    embedding = "context_window: 8192\n        dimension: 768"
    text = text.replace("priority: 1", "priority: 0").replace(
        embedding, embedding.replace("8192", '"8192"')
    )
    text = text.replace("base_url: http://localhost:11434", "base_url: localhost:11434")
    messages = {f.path: f.message for f in validate_text(text).findings}
    assert messages["$.llm_providers[0].priority"] == (
        "priority of provider 'ollama_local' is 0; it must be at least 1"
    )
    assert messages["$.llm_providers[0].models[0].context_window"].startswith(
        "context_window of model 'nomic-embed-text' of provider 'ollama_local' must be"
    )
    assert messages["$.llm_providers[0].base_url"].startswith(
        "base_url of provider 'ollama_local' ('localhost:11434') is not an http"
    )
    bad_id = validate_text(text.replace("id: ollama_local", "id: Ollama Local")).findings
    assert {f.message for f in bad_id if f.code == "schema-pattern"} == {
        "llm_providers[0].id ('Ollama Local') may only contain lowercase letters, digits, "
        "'-' and '_'"
    }
