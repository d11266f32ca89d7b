"""The effective configuration's data (sekha_migrate/effective/values.py), pinned where a
mutation run found no test holding it: how an origin is classed for `show`, which texts a
component knows as secret, masking inside nested values and in what a setting overrode, and
the layers' bookkeeping (the key, the secret flag and the overrides kept on every change)."""

from __future__ import annotations

from sekha_migrate.effective.values import (
    DEFAULT,
    ENV,
    FILE,
    EffectiveConfig,
    Layers,
    Overridden,
    Setting,
    Variable,
    masked,
    origin_kind,
    process_environment,
    with_secrets,
)
from sekha_migrate.origin import ENVIRONMENT, Origin

SECRET = "supersecretvalue1"
SHOWN = "supe…lue1"
FILE_ORIGIN = Origin("config.toml", 3, 1, "mcp_api_key")


def test_each_kind_of_origin() -> None:
    assert origin_kind(Origin(None, key="built-in default")) == DEFAULT
    assert origin_kind(Origin(ENVIRONMENT, key="SEKHA__LOG_LEVEL",
                              via="process environment")) == ENV
    assert origin_kind(Origin(ENVIRONMENT, key="SEKHA__LOG_LEVEL")) == ENV
    assert origin_kind(Origin(".env", 2, 1, "SEKHA__LOG_LEVEL", "env file")) == ENV
    assert origin_kind(Origin("config.toml", 2, 1, "log_level")) == FILE


def test_a_process_environment_is_variables_named_by_their_names() -> None:
    assert process_environment({"SEKHA__LOG_LEVEL": "debug"}) == {
        "SEKHA__LOG_LEVEL": Variable("SEKHA__LOG_LEVEL", "debug", Origin(
            ENVIRONMENT, key="SEKHA__LOG_LEVEL", via="process environment"))}


def test_known_secrets_are_masked_at_any_depth() -> None:
    secrets = frozenset({SECRET})
    assert masked(f"http://x/?k={SECRET}", secrets) == f"http://x/?k={SHOWN}"
    assert masked(["a", SECRET], secrets) == ["a", SHOWN]
    assert masked({"k": [SECRET], "n": 3}, secrets) == {"k": [SHOWN], "n": 3}
    assert masked(7, secrets) == 7
    assert masked(SECRET, frozenset()) == SECRET


def test_what_a_secret_setting_overrode_is_masked_too() -> None:
    layers = Layers({"mcp_api_key"})
    layers.set("mcp_api_key", "defaultdefaultdefault", Origin(None, key="default"))
    layers.set("mcp_api_key", SECRET, FILE_ORIGIN)
    layers.set("log_level", "info", Origin(None, key="default"))
    layers.set("log_level", "debug", FILE_ORIGIN)
    settings = layers.result()
    assert settings["mcp_api_key"].shown() == SHOWN
    assert settings["mcp_api_key"].shown_overrides() == [("defa…ault",
                                                         Origin(None, key="default"))]
    assert settings["log_level"].shown_overrides() == [("info", Origin(None, key="default"))]


def test_only_the_components_secret_keys_and_api_keys_are_secret() -> None:
    layers = Layers({"mcp_api_key"})
    for key in ("mcp_api_key", "log_level", "providers[0].api_key", "api_key_hint"):
        layers.set(key, "x", FILE_ORIGIN)
    assert {key: s.secret for key, s in layers.result().items()} == {
        "mcp_api_key": True, "log_level": False, "providers[0].api_key": True,
        "api_key_hint": False}


def test_each_layer_operation_keeps_the_key_and_the_secret_flag() -> None:
    layers = Layers({"mcp_api_key"})
    layers.set("mcp_api_key", "a", FILE_ORIGIN)
    layers.set("mcp_api_key", "b", FILE_ORIGIN, note="first")
    assert layers.get("mcp_api_key") == Setting("mcp_api_key", "b", FILE_ORIGIN,
                                                (Overridden("a", FILE_ORIGIN),), True, "first")
    layers.note("mcp_api_key", "second")
    assert layers.get("mcp_api_key") == Setting("mcp_api_key", "b", FILE_ORIGIN,
                                                (Overridden("a", FILE_ORIGIN),), True,
                                                "first; second")
    layers.replace("mcp_api_key", "c", FILE_ORIGIN, "derived")
    assert layers.get("mcp_api_key") == Setting("mcp_api_key", "c", FILE_ORIGIN, (), True,
                                                "derived")
    assert layers.get("absent") is None


def test_a_missing_setting_gives_the_default_asked_for() -> None:
    config = EffectiveConfig("proxy", {"a": Setting("a", 1, FILE_ORIGIN)})
    assert config.value("a", 5) == 1
    assert config.value("b", 5) == 5
    assert config.value("b") is None


def test_the_secrets_known_are_secret_variables_and_secret_settings() -> None:
    layers = Layers({"mcp_api_key", "additional_api_keys"})
    layers.set("mcp_api_key", "from-the-file-key", FILE_ORIGIN)
    layers.set("additional_api_keys", ["listed-key-one", "", ("listed-key-two",)], FILE_ORIGIN)
    layers.set("log_level", "not-a-secret", FILE_ORIGIN)
    config = EffectiveConfig("controller", layers.result())
    environment = process_environment({"MCP_API_KEY": "variable-key", "LOG_LEVEL": "debug",
                                       "EMPTY_API_KEY": ""})
    assert with_secrets(config, environment).secrets == frozenset({
        "variable-key", "from-the-file-key", "listed-key-one", "listed-key-two"})


def test_an_empty_secret_setting_adds_no_secret() -> None:
    layers = Layers({"mcp_api_key"})
    layers.set("mcp_api_key", "", FILE_ORIGIN)
    config = EffectiveConfig("controller", layers.result())
    assert with_secrets(config, {}).secrets == frozenset()
