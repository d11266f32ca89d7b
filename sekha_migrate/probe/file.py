"""`sekha probe CONFIG` as a function: validate the file, probe it, place what was found.

A finding about a provider points at its entry in the file (validate's marks), and a file
probe cannot take (a compose file, a component's .env without a registry) is said to be
what it is, rather than probed as an empty registry that "answered".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from sekha_migrate.findings import FileResult, Finding, Severity, positions_of
from sekha_migrate.probe.results import ProbeResult
from sekha_migrate.probe.runner import ProbeProgress, probe_config


def probe_file(
    path: Path | str,
    *,
    env: Mapping[str, str],
    embed: bool = False,
    timeout: float | None = None,
    on_progress: Callable[[ProbeProgress], None] | None = None,
    chroma: bool | None = None,
    chroma_url: str | None = None,
    chroma_token: str | None = None,
) -> ProbeResult:
    """Validate one config file and probe what can be probed: `sekha probe` as a function.

    Always returns a result: an unreadable file, or one that is no Sekha configuration to
    probe (a compose file, a .env without a provider registry), gives `readable=False` and
    a finding that says so; a file with findings is still probed for each provider entry
    that is itself well-formed. Findings carry the line and column of what they are about.

    Chroma is asked for the vectors it holds (`chroma=True`, or by default when `chroma_url`
    is given or the controller's effective configuration sets chroma_url), and their
    dimension compared with the embedding model's; `chroma=False` never asks.
    """
    from sekha_migrate.validate.engine import validate_file

    checked = validate_file(path, env=env)
    refusal = _not_probeable(checked)
    if not checked.readable or refusal is not None:
        findings = checked.findings if refusal is None else (refusal,)
        return ProbeResult(providers=(), config_findings=findings, source=checked.path,
                           readable=False)
    result = probe_config(
        checked.data,
        env=env,
        embed=embed,
        timeout=timeout,
        findings=checked.findings,
        source=checked.path,
        on_progress=on_progress,
    )
    url = chroma_url if chroma is not False else None
    if url is None and chroma is not False:
        url = _controllers_chroma(Path(path), env, always=chroma is True)
    if url is not None:
        result = _with_stored_vectors(result, checked.data, url, chroma_token, timeout)
    if checked.locate is None:
        return result
    return replace(result, positions=positions_of(result.findings, checked.locate))


def _not_probeable(checked: FileResult) -> Finding | None:
    """Why a file that was read is no configuration to probe, or None when it is one."""
    from sekha_migrate.validate.engine import COMPOSE

    if checked.target == COMPOSE:
        message = (f"{checked.path} is a compose file under a name compose does not look "
                   "for: probe takes a compose project as docker-compose.yml, compose.yaml "
                   "(or their .yaml/.override variants) or as the directory holding one; "
                   f"check the deployment itself with: sekha validate {checked.path}")
    elif checked.target == "env" and isinstance(checked.data, dict) and not (
            {"llm_providers", "default_models"} & set(checked.data)):
        message = (f"{checked.path} holds no provider registry (SEKHA__LLM_PROVIDERS): probe "
                   f"the config file that does, passing this one as --env-file {checked.path}"
                   "; a v1 .env is converted first with: sekha migrate")
    else:
        return None
    return Finding(Severity.ERROR, "usage-error", message, file=checked.path)


def _controllers_chroma(path: Path, env: Mapping[str, str], *, always: bool) -> str | None:
    """The chroma_url the controller would run with, given this file as its config.yaml and
    `env` as its environment (the engine's rules); None when nothing sets it, unless asked."""
    from sekha_migrate.effective.sources import SourceSet, resolve_source_set
    from sekha_migrate.model import loaders

    controller = resolve_source_set(loaders.CONTROLLER,
                                    SourceSet(config_files=[path], environ=env))
    setting = controller.settings["chroma_url"]
    if setting.origin.is_default and not always:
        return None
    return str(setting.value)


def _with_stored_vectors(result: ProbeResult, data: Any, url: str, token: str | None,
                         timeout: float | None) -> ProbeResult:
    from sekha_migrate.convert import read_config
    from sekha_migrate.dialects import detect_dialect
    from sekha_migrate.probe.chroma import read_stored_vectors, stored_findings

    model: Any = None
    dimension = None
    if isinstance(data, dict):
        config = read_config(data, detect_dialect(data) or "docker")
        model = config.default_models.get("embedding")
        dimension = next((m.dimension for m in config.models_by_id().get(str(model), [])
                          if m.task == "embedding" and m.dimension is not None), None)
    stored = read_stored_vectors(url, token=token, timeout=timeout or 5.0)
    found = stored_findings(stored, model if isinstance(model, str) else None, dimension)
    return replace(result, stored=stored, stored_findings=tuple(found))
