"""The `bridge` dialect: sekha-llm-bridge's config.yaml (config.py `Settings`, read from
CONFIG_PATH): `providers`, `provider_type`, `timeout_secs`; `priority` and
`context_window` optional with the bridge's defaults; the bridge's own server on 5001."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sekha_migrate.dialects.base import (
    MODEL_FIELDS,
    DocumentWriter,
    Spelling,
    Written,
    read_document,
)
from sekha_migrate.model import facts
from sekha_migrate.model.config import SekhaConfig

SPELLING: Final = Spelling(
    name="bridge",
    providers_key="providers",
    type_key="provider_type",
    timeout_key="timeout_secs",
    model_keys=frozenset(MODEL_FIELDS),
    tasks=facts.BRIDGE_TASKS,
    controller_keys=(),
    bridge_keys=tuple(facts.BRIDGE_SETTINGS),
)


def read(data: Mapping[str, Any]) -> SekhaConfig:
    return read_document(data, SPELLING)


def write(config: SekhaConfig, source: Spelling | None = None) -> Written:
    # The bridge ignores keys it does not know: writing them would only mislead.
    writer = DocumentWriter(config, SPELLING, source, carry_unknown=False)
    document: dict[str, Any] = {"version": config.version or "2.0"}
    writer.link(("version",), ("version",))
    document["providers"] = writer.providers(fill_required=False)
    writer.link(("providers",), ((source or SPELLING).providers_key,))
    if config.default_models:
        document["default_models"] = dict(config.default_models)
        writer.link(("default_models",), ("default_models",))
        for role in config.default_models:
            writer.link(("default_models", role), ("default_models", role))
    routing = writer.routing()
    if routing is not None:
        document["routing"] = routing
    for key in facts.BRIDGE_SETTINGS:
        if key in config.bridge:
            name, value = writer.top_level(key, config.bridge[key])
            document[name] = value
    for key in config.controller:
        own = (f" (the bridge's own {key} is another setting, its default "
               f"{facts.BRIDGE_SETTINGS[key]!r})" if key in facts.BRIDGE_SETTINGS else "")
        writer.drop((key,), f"{key}: the controller reads it; the bridge file does not carry "
                    f"it{own}. Keep it in the controller's configuration")
    for key in config.extra:
        writer.drop((key,), f"{key} is not a setting the bridge reads; it is left out")
    return writer.result(document)
