"""Starting points for a new v2 configuration (`sekha init`).

A starter is built as one v2 document (the docker dialect, the model's own spelling) and
written by a dumper per target dialect: `DUMPERS` is the one place a new target plugs in.
The three templates follow the Sekha examples: Ollama only; Ollama and OpenAI; Ollama,
OpenRouter, OpenAI and Anthropic. Keys are always `${VAR}` references, never values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sekha_migrate.migrate.embedding import lookup_embedding_model

TEMPLATES: dict[str, tuple[str, ...]] = {
    "minimal": ("ollama",),
    "hybrid": ("ollama", "openai"),
    "full": ("ollama", "openrouter", "openai", "anthropic"),
}
PROVIDER_TYPES = ("ollama", "openai", "anthropic", "openrouter")
DEFAULT_EMBEDDING = "nomic-embed-text"
DEFAULT_CHAT = "llama3.1:8b"
OPENAI_EMBEDDING = "text-embedding-3-small"


class StarterError(ValueError):
    """A combination of choices that cannot make a valid configuration."""


@dataclass(frozen=True)
class StarterChoices:
    providers: tuple[str, ...]
    embedding_model: str = DEFAULT_EMBEDDING  # served by Ollama when Ollama is chosen
    chat_model: str = DEFAULT_CHAT  # Ollama's chat model
    dimension: int | None = None  # only needed for an embedding model the table lacks


def choices_for_template(name: str) -> StarterChoices:
    return StarterChoices(TEMPLATES[name])


# ---- the document ---------------------------------------------------------------------------


def _model(model_id: str, task: str, context_window: int, **extra: Any) -> dict[str, Any]:
    return {"model_id": model_id, "task": task, "context_window": context_window, **extra}


def _embedding(model_id: str, dimension: int | None) -> dict[str, Any]:
    known = lookup_embedding_model(model_id)
    if dimension is None:
        if known is None:
            raise StarterError(
                f"the embedding dimension of {model_id} is not in the model table; give it"
            )
        dimension = known.dimension
    window = known.context_window if known is not None else 8192
    return _model(model_id, "embedding", window, dimension=dimension)


def _provider_models(kind: str, choices: StarterChoices) -> list[dict[str, Any]]:
    vision = {"supports_vision": True}
    if kind == "ollama":
        return [
            _embedding(choices.embedding_model, choices.dimension),
            _model(choices.chat_model, "chat_small", 8192),
        ]
    if kind == "openai":
        models = [_model("gpt-4o", "chat_smart", 128000, **vision)]
        if "ollama" not in choices.providers:  # embeddings must come from somewhere
            models.insert(0, _embedding(OPENAI_EMBEDDING, None))
        return models
    if kind == "anthropic":
        return [_model("claude-3-5-sonnet-20241022", "chat_smart", 200000, **vision)]
    return [_model("meta-llama/llama-3.1-70b-instruct", "chat_large", 131072)]


_CONNECTION = {
    "ollama": ("ollama_local", "http://localhost:11434", None, 120),
    "openai": ("openai", "https://api.openai.com/v1", "OPENAI_API_KEY", 60),
    "anthropic": ("anthropic", "https://api.anthropic.com", "ANTHROPIC_API_KEY", 60),
    "openrouter": ("openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", 60),
}


def _provider(kind: str, priority: int, choices: StarterChoices) -> dict[str, Any]:
    provider_id, base_url, key_var, timeout = _CONNECTION[kind]
    provider: dict[str, Any] = {"id": provider_id, "type": kind, "base_url": base_url}
    if key_var is not None:
        provider["api_key"] = f"${{{key_var}}}"
    provider.update(priority=priority, timeout=timeout)
    provider["models"] = _provider_models(kind, choices)
    return provider


def build_starter(choices: StarterChoices) -> dict[str, Any]:
    """A valid v2 document for the chosen providers, in the order given (= priority)."""
    unknown = [p for p in choices.providers if p not in PROVIDER_TYPES]
    if unknown or not choices.providers:
        raise StarterError(f"choose providers from {', '.join(PROVIDER_TYPES)}")
    if not {"ollama", "openai"} & set(choices.providers):
        raise StarterError("embeddings need ollama or openai among the providers")
    providers = [_provider(k, i, choices) for i, k in enumerate(choices.providers, start=1)]
    models = [m for p in providers for m in p["models"]]
    return {
        "version": "2.0",
        "llm_providers": providers,
        "default_models": _defaults(models),
        "routing": {
            "auto_fallback": True,
            "circuit_breaker": {"failure_threshold": 3, "timeout_secs": 60, "success_threshold": 2},
        },
    }


def _defaults(models: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    def first(*tasks: str) -> str | None:
        for task in tasks:
            for model in models:
                if model["task"] == task:
                    return str(model["model_id"])
        return None

    chat_fast = first("chat_small", "chat_smart", "chat_large")
    chat_smart = first("chat_smart", "chat_large", "chat_small")
    defaults = {"embedding": first("embedding"), "chat_fast": chat_fast, "chat_smart": chat_smart}
    vision = [m for m in models if m.get("supports_vision")]
    if vision:
        defaults["chat_vision"] = str(vision[0]["model_id"])
    return {key: value for key, value in defaults.items() if value is not None}


# ---- writing it -----------------------------------------------------------------------------


_READER = {
    "docker": 'Sekha configuration, format "2.0" (see: sekha-migrate schema).',
    "bridge": "Sekha LLM bridge configuration (see: sekha-migrate schema --target bridge).",
    "env": "Sekha settings for docker compose (the project's .env, or env_file:).",
}


def starter_header(
    choices: StarterChoices, modeline: str | None, target: str = "docker"
) -> list[str]:
    names = ", ".join(choices.providers)
    keys = sorted({key for p in choices.providers if (key := _CONNECTION[p][2])})
    lines = [
        *([modeline] if modeline else []),
        _READER[target],
        f"Written by sekha-migrate init for: {names}.",
    ]
    if keys:
        lines.append(f"API keys are read from the environment: {', '.join(keys)}.")
    lines += [
        "Edit model ids to the ones you run; embedding dimensions must match the model.",
        "Check it with: sekha-migrate validate, then sekha-migrate probe.",
    ]
    return lines


def dump_docker(document: Mapping[str, Any], header: Sequence[str]) -> str:
    from sekha_migrate.dialects.yaml_text import render_document

    return render_document(document, header=header)


def _dump_through_model(target: str) -> Callable[[Mapping[str, Any], Sequence[str]], str]:
    """The starter in another dialect: read into the typed model, written by its dialect."""

    def dump(document: Mapping[str, Any], header: Sequence[str]) -> str:
        from sekha_migrate.convert import render_written, write_config
        from sekha_migrate.dialects import docker

        written = write_config(docker.read(document), target)
        return render_written(written, header=list(header))

    return dump


# Target dialect -> writer of the v2 document.
DUMPERS: dict[str, Callable[[Mapping[str, Any], Sequence[str]], str]] = {
    "docker": dump_docker,
    "bridge": _dump_through_model("bridge"),
    "env": _dump_through_model("env"),
}


def render_starter(choices: StarterChoices, *, target: str, modeline: str | None) -> str:
    """The starter's text; `modeline` names the target's schema (None for a .env)."""
    document = build_starter(choices)
    return DUMPERS[target](document, starter_header(choices, modeline, target))
