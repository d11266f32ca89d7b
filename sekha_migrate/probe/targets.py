"""From a validated v2 document to the providers a probe will talk to.

`${VAR}` references are expanded here; a provider whose variables are not set
is kept (so it is reported) but marked with what it is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from sekha_migrate.model import loaders
from sekha_migrate.model.config import Provider
from sekha_migrate.model.masking import mask_secret, mask_text
from sekha_migrate.model.placeholders import expand_placeholders, placeholder_names
from sekha_migrate.probe.http import display_url


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
    # `${VAR}` text its consumer takes literally (the bridge expands only a whole-value
    # api_key), by the field it stands in: probing the expanded value would be a lie.
    literal_fields: tuple[str, ...] = ()
    # Where the key came from, to name when it is refused (never the key): the variables
    # its api_key refers to, as `${NAME}`, or "the file" for a key written in it.
    api_key_from: str | None = None

    @property
    def display_url(self) -> str:
        return display_url(self.base_url)



def build_targets(
    data: Mapping[str, Any], env: Mapping[str, str], timeout_override: float | None = None
) -> tuple[ProviderTarget, ...]:
    """One target per well-formed provider of a document in any dialect, with `${VAR}`s
    expanded from `env` (a malformed entry is validate's to report, not probe's to guess)."""
    from sekha_migrate.convert import read_config
    from sekha_migrate.dialects import detect_dialect

    dialect = detect_dialect(dict(data)) or "docker"
    config = read_config(data, dialect)
    return tuple(_target(provider, env, timeout_override, dialect == "bridge")
                 for provider in config.providers)


def _target(provider: Provider, env: Mapping[str, str], timeout: float | None,
            bridge: bool = False) -> ProviderTarget:
    written = {"id": provider.id, "base_url": provider.base_url, "api_key": provider.api_key,
               "models": [m.model_id for m in provider.models]}
    literal: tuple[str, ...] = ()
    if bridge:
        written, literal = _as_the_bridge_reads(written)
    expanded, unresolved = expand_placeholders(written, env)
    api_key = expanded["api_key"]
    if any(path[:1] == ("api_key",) for path, _name in unresolved):
        api_key = None  # still the ${VAR} text, not a key
    models = tuple(
        ModelSpec(model_id=model_id, task=model.task, dimension=model.dimension)
        for model_id, model in zip(expanded["models"], provider.models, strict=True)
    )
    return ProviderTarget(
        id=expanded["id"],
        type=provider.type,
        base_url=expanded["base_url"],
        api_key=api_key if isinstance(api_key, str) and api_key else None,
        timeout=timeout if timeout is not None else provider.effective_timeout,
        models=models,
        missing_variables=tuple(dict.fromkeys(name for _path, name in unresolved)),
        literal_fields=literal,
        api_key_from=_key_source(provider.api_key),
    )


def _key_source(written: Any) -> str | None:
    if not isinstance(written, str) or not written:
        return None
    names = placeholder_names(written)
    return " ".join(f"${{{name}}}" for name in dict.fromkeys(names)) if names else "the file"


def _as_the_bridge_reads(written: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Only the fields the bridge expands keep their `${VAR}` for expansion; the names of
    the others that hold one are returned (the bridge would use their text as it is)."""
    literal = [name for name in ("id", "base_url") if placeholder_names(written[name])]
    literal += ["models"] if any(placeholder_names(m) for m in written["models"]) else []
    key = written["api_key"]
    if placeholder_names(key) and not loaders.bridge_expands(("providers", 0, "api_key"),
                                                             key):
        literal.append("api_key")
    return written, tuple(literal)


def secrets_of(targets: tuple[ProviderTarget, ...]) -> dict[str, str]:
    """Every API key in play, and every password of a base_url (sent as Basic auth, alone and
    as its `user:password` pair), with the masked form it is shown as."""
    found = [t.api_key for t in targets if t.api_key]
    for target in targets:
        found += _url_credentials(target.base_url)
    return {secret: mask_secret(secret) for secret in found}


def _url_credentials(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
        user, password = parts.username, parts.password
    except ValueError:
        return []
    if not password:
        return []  # a user name alone is hidden in URLs, but not searched for everywhere
    decoded = [unquote(user or ""), unquote(password)]
    return [password, decoded[1], f"{user}:{password}", ":".join(decoded)]


def scrub(text: str, secrets: Mapping[str, str]) -> str:
    """`text` with every secret masked and URL credentials hidden (model.masking)."""
    return mask_text(text, secrets)
