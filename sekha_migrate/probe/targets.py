"""From a validated v2 document to the providers a probe will talk to.

`${VAR}` references are expanded here; a provider whose variables are not set
is kept (so it is reported) but marked with what it is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sekha_migrate.model.masking import mask_secret, mask_text
from sekha_migrate.probe.http import display_url
from sekha_migrate.validate.placeholders import expand_placeholders

DEFAULT_TIMEOUT = 120.0


@dataclass(frozen=True)
class ModelSpec:
    model_id: str
    task: str
    dimension: int | None


@dataclass(frozen=True)
class ProviderTarget:
    id: str
    type: str
    base_url: str
    api_key: str | None
    timeout: float
    models: tuple[ModelSpec, ...]
    missing_variables: tuple[str, ...] = ()

    @property
    def display_url(self) -> str:
        return display_url(self.base_url)



def _model_specs(models: Any) -> tuple[ModelSpec, ...]:
    specs = []
    for model in models if isinstance(models, list) else []:
        if not isinstance(model, dict):
            continue
        dimension = model.get("dimension")
        specs.append(
            ModelSpec(
                model_id=str(model.get("model_id", "")),
                task=str(model.get("task", "")),
                dimension=dimension if isinstance(dimension, int) else None,
            )
        )
    return tuple(specs)


def build_targets(
    data: Mapping[str, Any], env: Mapping[str, str], timeout_override: float | None = None
) -> tuple[ProviderTarget, ...]:
    """One target per entry of `llm_providers`, with `${VAR}`s expanded from `env`."""
    providers = data.get("llm_providers")
    targets = []
    for provider in providers if isinstance(providers, list) else []:
        if not isinstance(provider, dict):
            continue
        expanded, unresolved = expand_placeholders(provider, env)
        api_key = expanded.get("api_key")
        if any(path[:1] == ("api_key",) for path, _name in unresolved):
            api_key = None  # still the ${VAR} text, not a key
        timeout = expanded.get("timeout", DEFAULT_TIMEOUT)
        if timeout_override is not None:
            timeout = timeout_override
        targets.append(
            ProviderTarget(
                id=str(expanded.get("id", "")),
                type=str(expanded.get("type", "")),
                base_url=str(expanded.get("base_url", "")),
                api_key=api_key if isinstance(api_key, str) and api_key else None,
                timeout=float(timeout) if isinstance(timeout, (int, float)) else DEFAULT_TIMEOUT,
                models=_model_specs(expanded.get("models")),
                missing_variables=tuple(dict.fromkeys(name for _path, name in unresolved)),
            )
        )
    return tuple(targets)


def secrets_of(targets: tuple[ProviderTarget, ...]) -> dict[str, str]:
    """Every API key in play, with the masked form it is shown as."""
    return {t.api_key: mask_secret(t.api_key) for t in targets if t.api_key}


def scrub(text: str, secrets: Mapping[str, str]) -> str:
    """`text` with every secret masked and URL credentials hidden (model.masking)."""
    return mask_text(text, secrets)
