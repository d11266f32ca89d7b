"""The v2 document built from the effective v1 settings, with the origin of every value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sekha_migrate.findings import DataPath, Finding, Severity, format_path
from sekha_migrate.migrate.dialect import normalise_default_models, normalise_providers
from sekha_migrate.migrate.embedding import lookup_embedding_model
from sekha_migrate.migrate.results import BUILT_IN, EmbeddingChoice, Origin
from sekha_migrate.model import facts

LOCAL_PROVIDER_ID = "ollama_local"
DEFAULT_TIMEOUT = facts.DEFAULT_PROVIDER_TIMEOUT
CHAT_CONTEXT_WINDOW = 8192  # what the v1 bridge asked Ollama for; v2 examples use the same
ASSUMED_DIMENSION = 768
ASSUMED_CONTEXT_WINDOW = 512  # the smallest common embedding context: safe if too small


@dataclass(frozen=True)
class CloudProvider:
    setting: str
    id: str
    type: str
    base_url: str
    variable: str


# Cloud keys found in an environment file: each adds its provider, referring to the key.
CLOUD_PROVIDERS = (
    CloudProvider("openai_api_key", "openai", "openai", "https://api.openai.com/v1",
                  "OPENAI_API_KEY"),
    CloudProvider("anthropic_api_key", "anthropic", "anthropic", "https://api.anthropic.com/v1",
                  "ANTHROPIC_API_KEY"),
    CloudProvider("openrouter_api_key", "openrouter", "openrouter",
                  "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
)

# Root settings carried one to one, in the order they are written: the controller's own.
CARRIED_SETTINGS = facts.CONTROLLER_SETTINGS
# Settings the controller reads that the docker schema does not list: carried only when a
# source set them, so that the controller keeps running with them.
OUTSIDE_SCHEMA = frozenset({"ollama_url", "summarization_model"})


@dataclass
class Built:
    document: dict[str, Any]
    provenance: dict[str, Origin] = field(default_factory=dict)
    uses: dict[str, list[str]] = field(default_factory=dict)  # setting -> v2 paths
    replaced: dict[str, str] = field(default_factory=dict)  # setting -> what replaced it
    issues: list[Finding] = field(default_factory=list)
    embedding: EmbeddingChoice | None = None


Values = Mapping[str, tuple[Any, Origin]]


def build_v2(
    values: Values,
    *,
    dimension: tuple[int, Origin] | None = None,
    measured_dimension: int | None = None,
    controller_set: frozenset[str] = frozenset(),
) -> Built:
    """`values` holds every v1 setting that has a value (defaults included) and its origin;
    `controller_set` the settings a source of the controller's own set."""
    built = Built(document={"version": "2.0"})
    built.provenance["$.version"] = Origin(None, key="v2 format")
    _providers(built, values, dimension, measured_dimension)
    _default_models(built, values)
    _routing(built, values)
    for setting in CARRIED_SETTINGS:
        if _value(values, setting) is None:
            continue
        if setting in OUTSIDE_SCHEMA and setting not in controller_set:
            continue  # the controller's default applies, or the value was another program's
        _put(built, values, (setting,), setting)
    return built


def _put(built: Built, values: Values, path: DataPath, setting: str) -> None:
    """Set `path` to the setting's value, recording where it came from. Secrets are written
    as read: secrets_out.place_secrets decides where each one goes."""
    actual, origin = values[setting]
    _assign(built.document, path, actual)
    where = format_path(path)
    built.provenance[where] = origin
    built.uses.setdefault(setting, []).append(where)


def _assign(document: dict[str, Any], path: DataPath, value: Any) -> None:
    _at(document, path[:-1])[path[-1]] = value


def _value(values: Values, setting: str) -> Any:
    return values.get(setting, (None,))[0]


def _providers(
    built: Built, values: Values, dimension: tuple[int, Origin] | None, measured: int | None
) -> None:
    given = _value(values, "llm_providers")
    if given is not None:
        providers, renames = normalise_providers(given, ("llm_providers",))
        _, origin = values["llm_providers"]
        built.document["llm_providers"] = providers
        built.provenance["$.llm_providers"] = origin
        built.uses["llm_providers"] = ["$.llm_providers"]
        for setting in ("ollama_url", "embedding_model", "summarization_model", "chat_model",
                        "vision_model", "ollama_timeout"):
            if setting in values:
                built.replaced[setting] = origin.key or "llm_providers"
        built.issues += [
            Finding(Severity.INFO, "dialect-key", f"{origin.key}: {rename.describe()}",
                  file=origin.file, line=origin.line, column=origin.column)
            for rename in renames
        ]
    else:
        _local_provider(built, values, dimension, measured)
    _cloud_providers(built, values)


def _local_provider(
    built: Built, values: Values, dimension: tuple[int, Origin] | None, measured: int | None
) -> None:
    """v1 had one provider: the Ollama at ollama_url, with the embedding and chat models."""
    base: DataPath = ("llm_providers", 0)
    provider: dict[str, Any] = {"id": LOCAL_PROVIDER_ID, "type": "ollama"}
    built.document["llm_providers"] = [provider]
    local = Origin(None, key="v1's local Ollama provider")
    for key in ("id", "type", "priority", "timeout"):
        built.provenance[format_path((*base, key))] = local
    _put(built, values, (*base, "base_url"), "ollama_url")
    provider["priority"] = 1
    # The bridge's OLLAMA_TIMEOUT is this provider's timeout; the controller's
    # llm_bridge.timeout_secs (its wait for the bridge) is not, and stays out of it.
    if _value(values, "ollama_timeout") is not None:
        _put(built, values, (*base, "timeout"), "ollama_timeout")
    else:
        provider["timeout"] = DEFAULT_TIMEOUT
    provider["models"] = []
    models: DataPath = (*base, "models")
    _embedding_model(built, values, models, dimension, measured)
    fast, smart = _chat_settings(values)
    _model(built, values, models, fast, "chat_small", CHAT_CONTEXT_WINDOW)
    _model(built, values, models, smart, "chat_smart", CHAT_CONTEXT_WINDOW)
    if _value(values, "vision_model"):
        _model(built, values, models, "vision_model", "vision", CHAT_CONTEXT_WINDOW,
               supports_vision=True)


def _chat_settings(values: Values) -> tuple[str, str]:
    """The settings that name the fast (chat_small) and the smart chat model. The bridge's
    from_env gives CHAT_MODEL both chat tasks and both chat defaults (loaders.py), so a
    CHAT_MODEL serves both unless a source really set summarization_model: the controller's
    built-in summarization default never takes chat_fast's place."""
    if not _value(values, "chat_model"):
        return "summarization_model", "summarization_model"
    _, summarization = values.get("summarization_model", (None, BUILT_IN))
    fast = "chat_model" if summarization.is_default else "summarization_model"
    return fast, "chat_model"


def _model(
    built: Built,
    values: Values,
    models: DataPath,
    setting: str,
    task: str,
    context_window: int,
    **extra: Any,
) -> None:
    entries = _at(built.document, models)
    index = len(entries)
    entries.append({})
    path = (*models, index)
    _put(built, values, (*path, "model_id"), setting)
    entries[index].update({"task": task, "context_window": context_window, **extra})
    derived = Origin(None, key=f"the v1 role of {setting}")
    for key in ("task", "context_window", *extra):
        built.provenance[format_path((*path, key))] = derived


def _embedding_model(
    built: Built,
    values: Values,
    models: DataPath,
    dimension: tuple[int, Origin] | None,
    measured: int | None,
) -> None:
    name, origin = values["embedding_model"]
    known = lookup_embedding_model(name)
    context = known.context_window if known else ASSUMED_CONTEXT_WINDOW
    _model(built, values, models, "embedding_model", "embedding", context)
    entry = _at(built.document, models)[-1]
    path = format_path((*models, len(_at(built.document, models)) - 1, "dimension"))
    if dimension is not None:
        size, flag = dimension
        choice = EmbeddingChoice(name, size, "--dimension")
        built.provenance[path] = flag
        if known and known.dimension != size:
            built.issues.append(Finding(
                Severity.WARNING, "dimension-differs",
                f"--dimension {size} differs from the published {known.dimension} of {name}",
                hint="make sure the vector store was built with this dimension",
            ))
    elif measured is not None:
        choice = EmbeddingChoice(name, measured, "probe")
        built.provenance[path] = Origin(None, key="measured by --probe")
    elif known is not None:
        choice = EmbeddingChoice(name, known.dimension, "table")
        built.provenance[path] = Origin(None, key=f"published dimension of {name}")
    else:
        choice = EmbeddingChoice(name, ASSUMED_DIMENSION, "assumed")
        built.provenance[path] = Origin(None, key="assumed")
        built.issues.append(Finding(
            Severity.WARNING, "unknown-embedding-model",
            f"the embedding model {name!r} is not in the table of known models; its "
            f"dimension is ASSUMED to be {ASSUMED_DIMENSION} and may be wrong",
            file=origin.file, line=origin.line, column=origin.column,
            hint="pass --dimension N (or --probe to measure it); --strict makes this an error",
        ))
    entry["dimension"] = choice.dimension
    built.embedding = choice


def _cloud_providers(built: Built, values: Values) -> None:
    providers = built.document["llm_providers"]
    present = {p.get("type") for p in providers if isinstance(p, dict)}
    for cloud in CLOUD_PROVIDERS:
        key = _value(values, cloud.setting)
        if not key:
            continue
        _, origin = values[cloud.setting]
        if cloud.type in present:
            built.replaced[cloud.setting] = "a provider of this type in llm_providers"
            continue
        index = len(providers)
        priority = max((p.get("priority", 0) for p in providers if isinstance(p, dict)
                        and isinstance(p.get("priority"), int)), default=0) + 1
        providers.append({
            "id": cloud.id,
            "type": cloud.type,
            "base_url": cloud.base_url,
            "api_key": key,  # secrets_out.place_secrets refers to its variable
            "priority": min(priority, 100),
            "timeout": DEFAULT_TIMEOUT,
            "models": [],
        })
        where = format_path(("llm_providers", index, "api_key"))
        built.provenance[format_path(("llm_providers", index))] = origin
        built.provenance[where] = origin
        built.uses.setdefault(cloud.setting, []).append(where)
        built.issues.append(Finding(
            Severity.WARNING, "cloud-provider-without-models",
            f"{cloud.variable} adds the provider '{cloud.id}' (priority {priority}) with an "
            "empty model list: nothing routes to it until you add models",
            file=origin.file, line=origin.line, column=origin.column,
            path=format_path(("llm_providers", index, "models")),
            hint=f"add models under the '{cloud.id}' provider when you want to use it",
        ))


def _default_models(built: Built, values: Values) -> None:
    built.document["default_models"] = {}
    given = _value(values, "default_models")
    if given is not None:
        defaults, _ = normalise_default_models(given, ("default_models",))
    else:
        defaults = {}
    _, given_origin = values.get("default_models", (None, None))
    fast, smart = _chat_settings(values)
    roles = (
        ("embedding", "embedding_model"),
        ("chat_fast", fast),
        ("chat_smart", smart),
        ("chat_vision", "vision_model"),
    )
    for role, setting in roles:
        path = ("default_models", role)
        if role in defaults:
            built.document["default_models"][role] = defaults[role]
            assert given_origin is not None
            built.provenance[format_path(path)] = given_origin
            built.uses.setdefault("default_models", []).append(format_path(path))
        elif _value(values, setting) is not None:
            _put(built, values, path, setting)
        else:
            built.document["default_models"][role] = None
            built.provenance[format_path(path)] = Origin(None, key="no vision model in v1")
    for role, value in defaults.items():
        if role not in built.document["default_models"]:
            built.document["default_models"][role] = value


def _routing(built: Built, values: Values) -> None:
    built.document["routing"] = {}
    for key, setting in (
        ("auto_fallback", "routing_auto_fallback"),
        ("require_vision_for_images", "routing_require_vision"),
        ("max_cost_per_request", "routing_max_cost"),  # null: no limit, as in v1
    ):
        if setting in values:
            _put(built, values, ("routing", key), setting)
    built.document["routing"]["circuit_breaker"] = {}
    for key, setting in (
        ("failure_threshold", "cb_failure_threshold"),
        ("timeout_secs", "cb_reset_timeout"),
        ("success_threshold", "cb_success_threshold"),
    ):
        if setting in values:
            _put(built, values, ("routing", "circuit_breaker", key), setting)


def _at(document: Any, path: DataPath) -> Any:
    node = document
    for part in path:
        node = node[part]
    return node
