"""The `docker` dialect: sekha-docker's v2 schema (`llm_providers`, provider `type`,
`timeout`; `priority` and a model's `context_window` required). The controller's own
settings sit at the top level beside the registry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sekha_migrate.dialects.base import (
    MODEL_FIELDS,
    DocumentWriter,
    Dropped,
    Spelling,
    Written,
    read_document,
)
from sekha_migrate.model import facts
from sekha_migrate.model.config import SekhaConfig

# Bridge settings a docker file may carry for the bridge (validate notes them).
_SHARED_BRIDGE_KEYS: Final = ("celery_broker_url", "celery_result_backend")

SPELLING: Final = Spelling(
    name="docker",
    providers_key="llm_providers",
    type_key="type",
    timeout_key="timeout",
    model_keys=frozenset(MODEL_FIELDS) - {"supports_function_calling"},
    tasks=facts.DOCKER_TASKS,
    controller_keys=facts.CONTROLLER_SETTINGS,
    bridge_keys=_SHARED_BRIDGE_KEYS,
)
# default_models keys the schema requires.
REQUIRED_ROLES: Final = ("embedding", "chat_fast", "chat_smart")


def read(data: Mapping[str, Any]) -> SekhaConfig:
    return read_document(data, SPELLING)


def write(config: SekhaConfig, source: Spelling | None = None) -> Written:
    writer = DocumentWriter(config, SPELLING, source)
    document: dict[str, Any] = {"version": config.version or "2.0"}
    writer.link(("version",), ("version",))
    document["llm_providers"] = writer.providers(fill_required=True)
    writer.link(("llm_providers",), ((source or SPELLING).providers_key,))
    defaults = _default_models(config, writer)
    if defaults:
        document["default_models"] = defaults
    routing = writer.routing()
    if routing is not None:
        document["routing"] = routing
    for key in facts.CONTROLLER_SETTINGS:
        if key in config.controller:
            name, value = writer.top_level(key, config.controller[key])
            document[name] = value
    for key, value in config.bridge.items():
        if key in _SHARED_BRIDGE_KEYS:
            name, value = writer.top_level(key, value)
            document[name] = value
        else:
            writer.drop((key,), f"{key} ({value!r}) is the bridge's own setting; in the docker "
                        f"config {key} is the controller's, so it is not carried")
    for key, value in config.extra.items():
        name, value = writer.top_level(key, value)
        document[name] = value
    return writer.result(document)


def _default_models(config: SekhaConfig, writer: DocumentWriter) -> dict[str, Any]:
    """The defaults as written, plus the roles the schema requires, chosen as the bridge
    would route them when no default is set."""
    defaults = dict(config.default_models)
    for role in defaults:
        writer.link(("default_models", role), ("default_models", role))
    if defaults:
        writer.link(("default_models",), ("default_models",))
    for role in REQUIRED_ROLES:
        if defaults.get(role):
            continue
        model_id = first_model_for(config, role)
        if model_id is not None:
            defaults[role] = model_id
            writer.filled.append(Dropped(("default_models",), f"default_models.{role} was not "
                                         f"set; '{model_id}' (the first fitting model by "
                                         "priority) is written, as the schema requires one"))
    return defaults


def first_model_for(config: SekhaConfig, role: str) -> str | None:
    """The model the bridge would route a role's requests to with no default set: the
    first of the role's task by priority; failing that, the first that can do the work."""
    routed = facts.ROLE_ROUTED_TASK[role]
    ranked = sorted(
        (0 if model.task == routed else 1, provider.effective_priority, index, model.model_id)
        for index, provider in enumerate(config.providers)
        for model in provider.models
        if model.serves(role)
    )
    return ranked[0][3] if ranked else None
