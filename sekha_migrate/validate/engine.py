"""The validation pipeline: read -> parse with marks -> schema + Sekha's rules -> findings."""

from __future__ import annotations

import gc
import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sekha_migrate.dialects import detect_dialect
from sekha_migrate.errors import UsageError as UsageError  # re-exported: callers catch it here
from sekha_migrate.findings import (
    DataPath,
    FileResult,
    Finding,
    Mark,
    Severity,
    ValidationRun,
    escalate_warnings,
    format_path,
    sort_findings,
)
from sekha_migrate.model.placeholders import expand_placeholders, expand_placeholders_at
from sekha_migrate.model.secret_notes import keys_set_elsewhere
from sekha_migrate.model.v1 import looks_like_v1
from sekha_migrate.sources.compose_names import is_compose_name
from sekha_migrate.sources.helm_chart import is_helm_template
from sekha_migrate.sources.text import (
    SourceError,
    UnreadablePathError,
    decode_text,
    read_bytes,
    read_stdin_bytes,
)
from sekha_migrate.sources.yaml_doc import LoadedYaml, load_yaml
from sekha_migrate.validate import checks, consumers
from sekha_migrate.validate.compiled import compiled_validator
from sekha_migrate.validate.inputs import (  # re-exported: the API and callers import them here
    CONFIG_SUFFIXES as CONFIG_SUFFIXES,
)
from sekha_migrate.validate.inputs import STDIN as STDIN
from sekha_migrate.validate.inputs import ValidateUsageError as ValidateUsageError
from sekha_migrate.validate.inputs import expand_paths as expand_paths
from sekha_migrate.validate.inputs import expand_paths_marked
from sekha_migrate.validate.inputs import load_env as load_env
from sekha_migrate.validate.schema_errors import describe_schema_errors

HELM_SKIPPED = Finding(Severity.INFO, "helm-template-skipped", "skipped (a Helm template: "
                       "the chart's values.yaml holds its values)", line=1, column=1)
LARGE_TEXT = 1 << 20  # characters; below this the cycle collector costs nothing measurable
COMPOSE = "compose"  # a FileResult's target when the file was read as a compose project
COMPOSE_SKIP_REASON = "compose file: name it to check the deployment"
COMPOSE_SKIPPED = Finding(
    Severity.INFO, "compose-skipped", f"skipped ({COMPOSE_SKIP_REASON})", line=1, column=1)


# ---- one document ------------------------------------------------------------------------


def validate_text(
    text: str,
    *,
    path: str = "<string>",
    env: Mapping[str, str] | None = None,
    strict: bool = False,
    target: str | None = None,
) -> FileResult:
    """Validate one document given as text, under the rules of its dialect (detected from
    its registry key, or `target`: docker, bridge or env). Never raises for bad content."""
    if target is None and is_helm_template(text):
        from sekha_migrate.validate.helm import template_result

        return template_result(path)
    if len(text) < LARGE_TEXT or not gc.isenabled():
        return _validate_text(text, path=path, env=env, strict=strict, target=target)
    # A large document is millions of acyclic objects: the cycle collector would walk them
    # again and again while they are built (a second of 6 on 10 MB) and find nothing.
    gc.disable()
    try:
        return _validate_text(text, path=path, env=env, strict=strict, target=target)
    finally:
        gc.enable()


def _validate_text(
    text: str, *, path: str, env: Mapping[str, str] | None, strict: bool, target: str | None
) -> FileResult:
    if target is None and path.lower().endswith(".toml"):
        result = _toml_result(text, path)
    elif target == "env":
        result = _validate_env_text(text, path, env if env is not None else {})
    else:
        try:
            loaded = load_yaml(text)
        except SourceError as exc:
            if target is None and exc.code == "multiple-documents":
                from sekha_migrate.validate.k8s import manifest_documents

                manifests = manifest_documents(text, path)
                if manifests is not None:
                    return manifests
            return FileResult(path, (_json_named(_source_finding(exc), path),), target=target)
        if target is None and isinstance(loaded.data, dict) and (
                "apiVersion" in loaded.data or "controller" in loaded.data):
            from sekha_migrate.validate.k8s import manifest_result

            manifest = manifest_result(loaded, text, path, env=env or {}, strict=strict)
            if manifest is not None:  # a ConfigMap, the Helm chart's values, a manifest
                return manifest
        dialect = target or detect_dialect(loaded.data) or "docker"
        findings = [*loaded.findings,
                    *_check_document(loaded, env or {}, dialect, target, text)]
        result = FileResult(path, tuple(findings), data=loaded.data, target=dialect,
                            locate=loaded.mark_for)
    findings = list(result.findings)
    if strict:
        findings = list(escalate_warnings(findings))
    if "sekha:" in text:  # the marker of `# sekha: ignore`; most files have none
        from sekha_migrate.validate.suppress import suppress_inline

        findings = suppress_inline(findings, text, strict=strict)
    return replace(result, findings=sort_findings(findings))


def validate_bytes(
    data: bytes,
    *,
    path: str,
    env: Mapping[str, str] | None = None,
    strict: bool = False,
    target: str | None = None,
) -> FileResult:
    try:
        text = decode_text(data)
    except SourceError as exc:
        return FileResult(path, (_source_finding(exc),), target=target)
    return validate_text(text, path=path, env=env, strict=strict, target=target)


def validate_file(
    path: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
    strict: bool = False,
    target: str | None = None,
    walked: bool = False,
    data: bytes | None = None,
) -> FileResult:
    """Validate one file (`data`: its bytes, when the caller has read them already). An
    unreadable path gives a result with `readable=False`.
    A `.env` file is read as the compose environment form (the env dialect); a compose file
    is checked as the deployment it describes, unless `walked` (found in a directory given),
    when it is skipped with a note."""
    shown = os.fspath(path)
    if target is None and is_env_file(shown):
        target = "env"
    if data is None:
        try:
            data = read_bytes(Path(path))
        except UnreadablePathError as exc:
            return FileResult(shown, (_source_finding(exc),), readable=False, target=target)
        except SourceError as exc:
            return FileResult(shown, (_source_finding(exc),), target=target)
    if target is None and is_compose_file(shown, data):
        return _compose_result(shown, env, strict) if not walked else FileResult(
            shown, (COMPOSE_SKIPPED,), target=COMPOSE, skipped=COMPOSE_SKIP_REASON)
    result = validate_bytes(data, path=shown, env=env, strict=strict, target=target)
    if walked and not result.readable:  # a Helm template met on the way: not named
        return FileResult(shown, (HELM_SKIPPED,), target="helm-template")
    shadowed = consumers.shadowed_config(shown) if result.target == "docker" else None
    if shadowed is None:
        return result
    found = [shadowed] if not strict else list(escalate_warnings([shadowed]))
    return replace(result, findings=sort_findings([*result.findings, *found]))


def is_compose_file(path: str, data: bytes) -> bool:
    """A compose file: named as compose names them, or a YAML whose `services` is a mapping
    and which holds no provider registry."""
    if is_compose_name(Path(path)):
        return True
    if b"services" not in data:
        return False
    from sekha_migrate.sources.compose_doc import is_compose

    try:
        loaded = load_yaml(decode_text(data))
    except SourceError:
        return False
    return is_compose(loaded.data) and not {"llm_providers", "providers"} & set(loaded.data)


def _compose_result(shown: str, env: Mapping[str, str] | None, strict: bool) -> FileResult:
    from sekha_migrate.validate.deployment import check_compose

    findings = check_compose(Path(shown), env or {})
    if strict:
        findings = escalate_warnings(findings)
    return FileResult(shown, sort_findings(findings), target=COMPOSE)


def is_env_file(path: str) -> bool:
    name = os.path.basename(path)
    return name.startswith(".env") or name.endswith(".env")


def _check_document(
    loaded: LoadedYaml, env: Mapping[str, str], dialect: str, forced: str | None, text: str = ""
) -> list[Finding]:
    data = loaded.data
    root = loaded.mark_for(()) or Mark(1, 1)
    shape_problem = _shape_problem(data, root)
    if shape_problem is not None:
        return [shape_problem]
    # In an env file compose and dotenvy expand every ${VAR}; in a YAML file the consumer
    # expands few or none, and what it takes literally is checked as written.
    literal = [] if forced == "env" else consumers.literal_placeholder_paths(data, dialect)
    if loaded.shares_values:
        expanded, unresolved = expand_placeholders(data, env)
        expanded = _restored(expanded, data, literal)
    else:
        skipped = set(literal)
        expanded, unresolved = expand_placeholders_at(
            data, [p for p in loaded.placeholder_paths if p not in skipped], env)
    findings: list[Finding] = [_unresolved_finding(p, name, loaded)
                               for p, name in unresolved if p not in literal]
    findings += consumers.check_literal_placeholders(data, loaded, dialect, literal)
    if forced is None and "providers" in data and "llm_providers" in data:
        findings.append(_both_registries(loaded))
    errors = compiled_validator(dialect).iter_errors(expanded)
    findings += describe_schema_errors(errors, loaded, data, dialect)
    findings += checks.check_keys(data, loaded, dialect)
    findings += checks.check_providers(data, loaded)
    findings += checks.check_default_models(expanded, loaded)
    findings += checks.check_security(data, expanded, loaded, env_file=forced == "env")
    findings += checks.check_urls(expanded, loaded)
    if dialect == "docker":
        findings += consumers.check_mcp_key(
            expanded, loaded, env, env_file=forced == "env",
            declared=keys_set_elsewhere(text))
    if "version" not in data:
        findings.append(
            Finding(
                Severity.INFO,
                "missing-version",
                "no version key",
                line=root.line,
                column=root.column,
                hint='add version: "2.0" at the top',
            )
        )
    return findings


def _restored(expanded: Any, data: Any, paths: list[DataPath]) -> Any:
    """`expanded` with the values at `paths` as written (copied on the way down)."""
    for path in paths:
        expanded = _put_at(expanded, path, _value_at(data, path))
    return expanded


def _put_at(node: Any, path: DataPath, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, list) and isinstance(head, int):
        items = list(node)
        items[head] = _put_at(node[head], rest, value)
        return items
    return {**node, head: _put_at(node[head], rest, value)}


def _value_at(node: Any, path: DataPath) -> Any:
    for part in path:
        node = node[part]
    return node


def _both_registries(loaded: LoadedYaml) -> Finding:
    mark = loaded.mark_for(("providers",), prefer_key=True)
    return Finding(
        Severity.ERROR,
        "both-dialects",
        "the file has both 'providers' (the LLM bridge's key) and 'llm_providers' (the docker "
        "schema's); each consumer reads only its own and ignores the other",
        path="$.providers",
        line=mark.line if mark else None,
        column=mark.column if mark else None,
        hint="keep one registry; convert with: sekha migrate --target docker|bridge "
        "(validated here as the docker dialect)",
    )


def _toml_result(text: str, path: str) -> FileResult:
    """A TOML file is the controller's own config.toml (v1, or sekha-docker's hybrid):
    v2 files are YAML or JSON. Say so, and where to go, instead of YAML's view of it."""
    from sekha_migrate.sources.toml_doc import load_toml

    try:
        load_toml(text)
    except SourceError as exc:
        return FileResult(path, (_source_finding(exc),), target="docker")
    return FileResult(path, (Finding(
        Severity.ERROR, "v1-config",
        "this is a controller TOML configuration (config.toml), not a v2 file: v2 files are "
        "YAML or JSON", line=1, column=1,
        hint="convert it with: sekha migrate (and see what the controller runs with: sekha "
        "show)"),), target="docker")


def _holds_registry(loaded_env: Any) -> bool:
    """Whether an env file carries the compose form's registry (SEKHA__LLM_PROVIDERS, ...).
    One that does not is a component's environment (the controller's SEKHA__ names beside a
    config.yaml that holds the registry): its names are checked, no registry is required."""
    return any(entry.name in ("SEKHA__LLM_PROVIDERS", "SEKHA__DEFAULT_MODELS")
               or entry.name.startswith(("SEKHA__LLM_PROVIDERS__", "SEKHA__DEFAULT_MODELS__"))
               for entry in loaded_env.entries)


_REGISTRY_PATHS = frozenset({"$", "$.llm_providers", "$.default_models"})


def _validate_env_text(text: str, path: str, env: Mapping[str, str]) -> FileResult:
    """The compose environment form: its JSON values are validated as the docker document
    they describe, every finding placed on the line of the name that holds it."""
    # Imported here: python-dotenv's parser costs start-up that YAML files never need.
    from sekha_migrate.sources.env_doc import load_env_text
    from sekha_migrate.validate.env_names import env_dialect_document

    loaded_env = load_env_text(text)
    document, marks, findings = env_dialect_document(loaded_env)
    loaded = LoadedYaml(data=document, value_marks=marks, key_marks=dict(marks))
    findings += _check_document(loaded, env, "docker", "env", text)
    if not _holds_registry(loaded_env):
        findings = [f for f in findings
                    if not (f.code == "schema-required" and f.path in _REGISTRY_PATHS)]
    return FileResult(path, tuple(findings), data=document, target="env",
                      locate=loaded.mark_for)


def _shape_problem(data: Any, root: Mark) -> Finding | None:
    """A document that is not a v2 mapping at all: nothing else is worth checking.

    Located at the document's first node, which follows any leading comments."""
    if data is None:
        return Finding(
            Severity.ERROR,
            "empty-document",
            "the file holds no configuration",
            line=root.line,
            column=root.column,
            hint="start from the example in the README, or run sekha migrate",
        )
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({data!r:.40})"
        return Finding(
            Severity.ERROR,
            "not-a-mapping",
            f"the top level must be a mapping of keys, but it is {kind}",
            line=root.line,
            column=root.column,
        )
    if looks_like_v1(data):
        return Finding(
            Severity.ERROR,
            "v1-config",
            "this is a v1 configuration (ollama_url, embedding_model, ...), "
            "not a v2 provider registry",
            line=root.line,
            column=root.column,
            hint="convert it with: sekha migrate",
        )
    return None


def _unresolved_finding(path: tuple[Any, ...], name: str, loaded: LoadedYaml) -> Finding:
    mark = loaded.mark_for(path)
    return Finding(
        Severity.INFO,
        "unresolved-variable",
        f"${{{name}}} is not set, so this value was checked as a placeholder only",
        path=format_path(path),
        line=mark.line if mark else None,
        column=mark.column if mark else None,
        hint=f"set {name} in the environment or pass --env-file to check the real value",
    )


def _source_finding(exc: SourceError) -> Finding:
    return exc.finding()


def _json_named(finding: Finding, path: str) -> Finding:
    """A .json file is parsed as YAML (JSON is YAML), but its author wrote JSON: call its
    syntax error a JSON one, with the slip JSON writers make most."""
    if not path.lower().endswith(".json") or not finding.message.startswith("YAML syntax"):
        return finding
    problem = finding.message[len("YAML syntax error: "):].split(" (", 1)[0]
    return replace(finding, message=f"JSON syntax error: {problem}",
                   hint="check for a missing comma or quote just before this point, a comma "
                   "after the last item, or a comment (JSON has none)")


# ---- many paths ----------------------------------------------------------------------------


def validate_paths(
    arguments: Sequence[str | os.PathLike[str]],
    *,
    env: Mapping[str, str] | None = None,
    strict: bool = False,
    target: str | None = None,
) -> ValidationRun:
    """Validate files, directories (their config files) and globs; `-` reads stdin.
    Raises `UsageError` when an argument names nothing to validate."""
    results: list[FileResult] = []
    for item, walked in expand_paths_marked([os.fspath(a) for a in arguments]):
        if item == STDIN:
            try:
                data = read_stdin_bytes()
            except UnreadablePathError as exc:
                results.append(FileResult("<stdin>", (_source_finding(exc),), readable=False))
                continue
            except SourceError as exc:  # larger than any configuration
                results.append(FileResult("<stdin>", (_source_finding(exc),)))
                continue
            results.append(
                validate_bytes(data, path="<stdin>", env=env, strict=strict, target=target)
            )
        else:
            results.append(validate_file(item, env=env, strict=strict, target=target,
                                         walked=walked))
    return ValidationRun(tuple(results))
