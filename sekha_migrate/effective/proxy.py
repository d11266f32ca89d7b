"""The proxy's loader (sekha-proxy `src/sekha_proxy/config.py`, HEAD 747975c): python-dotenv
loads a `.env` at import without overriding what is set, then `Config.from_env` reads its
names with their defaults; `validate()` refuses an empty CONTROLLER_API_KEY or LLM_BRIDGE_URL,
a context_token_budget under 100 and a context_limit under 1."""

from __future__ import annotations

from typing import Any

from sekha_migrate.effective.environment import read_env_file
from sekha_migrate.effective.files import FileView
from sekha_migrate.effective.values import (
    Collected,
    EffectiveConfig,
    Environment,
    Layers,
    Setting,
)
from sekha_migrate.findings import Finding, Severity
from sekha_migrate.model import loaders
from sekha_migrate.origin import Origin

DEFAULT_ORIGIN = Origin(None, key="the proxy's default (config.py)")


def proxy_environment(files: FileView, environment: Environment
                      ) -> tuple[dict[str, Any], str | None, list[Finding]]:
    """The environment after `load_dotenv()`: the `.env` of the working directory, never
    overriding a variable already set."""
    path = files.find(".env")
    if path is None:
        return dict(environment), None, []
    base = {name: variable.value for name, variable in environment.items()}
    read, problems = read_env_file(path, base, via=".env read by python-dotenv")
    return {**read, **environment}, str(path), problems


def resolve_proxy(environment: Environment, *, service: str | None = None) -> EffectiveConfig:
    layers = Layers({loaders.PROXY_ENV[name][0] for name in loaders.PROXY_SECRET_NAMES})
    found = Collected()
    for name, (key, default) in loaders.PROXY_ENV.items():
        variable = environment.get(name)
        text = variable.value if variable is not None else default
        origin = variable.origin if variable is not None else DEFAULT_ORIGIN
        try:
            value = _typed(name, text)
        except ValueError:
            value = text
            found.findings.append(_would_not_start(f"{name}={text!r} is not a whole number",
                                                   origin))
        layers.set(key, value, origin)
    if not found.findings:  # from_env raised: validate() is never reached
        refusal = _refusal(layers.result())
        if refusal is not None:
            found.findings.append(refusal)
    return EffectiveConfig("proxy", layers.result(), mode="environment (and .env)",
                           findings=tuple(found.findings), service=service)


def _refusal(settings: dict[str, Setting]) -> Finding | None:
    """The first check of `Config.validate()` (run in the app's lifespan) that fails: it
    raises there, and the proxy does not start."""
    key, url = settings["controller.api_key"], settings["llm.bridge_url"]
    budget, limit = settings["memory.context_token_budget"], settings["memory.context_limit"]
    if not key.value:
        return _would_not_start("CONTROLLER_API_KEY is empty or unset (config.py validate: it "
                                "is required)", key.origin)
    if not url.value:
        return _would_not_start("LLM_BRIDGE_URL is empty (config.py validate: it is "
                                "required)", url.origin)
    if budget.value < 100:
        return _would_not_start(f"CONTEXT_TOKEN_BUDGET is {budget.value} (config.py validate: "
                                "context_token_budget must be at least 100)", budget.origin)
    if limit.value < 1:
        return _would_not_start(f"CONTEXT_LIMIT is {limit.value} (config.py validate: "
                                "context_limit must be at least 1)", limit.origin)
    return None


def _typed(name: str, text: str | None) -> Any:
    if text is None:
        return None
    if name in loaders.PROXY_INT_NAMES:
        return int(text)
    if name in loaders.PROXY_BOOL_NAMES:
        return text.lower() == "true"
    if name in loaders.PROXY_LIST_NAMES:
        return text.split(",") if text else []
    return text


def _would_not_start(message: str, origin: Origin) -> Finding:
    return Finding(Severity.ERROR, "would-not-start", f"the proxy would stop at start: {message}",
                   file=origin.file, line=origin.line, column=origin.column)
