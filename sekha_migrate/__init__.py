"""sekha-migrate: move Sekha configuration to v2, keep it valid, check that it works.

The library does the work and returns result objects; it never prints or exits. Paths may be
given as `str` or any `os.PathLike`. Bad content never raises: it comes back as findings. A
call that names nothing to work on raises `UsageError`.

Validate
    `validate_paths(paths) -> ValidationRun`, `validate_file(path) -> FileResult`,
    `validate_text(text) -> FileResult`; each file is checked as the dialect of the component
    that reads it (`FileResult.target`: docker, bridge or env).
Read and write any dialect
    `load_config(path) -> SekhaConfig` (the typed model, with `.findings`),
    `dump_config(config, target="docker"|"bridge"|"env") -> str`.
Migrate and roll back
    `plan_migration(sources=..., target=...) -> MigrationPlan` (writes nothing),
    `apply_plan(plan) -> ApplyResult` (backup, then write), `rollback(directory) ->
    RollbackResult`, `list_backup_sets(directory) -> BackupListing`.
What each component runs with
    `effective_configuration(paths, environ=...) -> EffectiveDeployment`: for the controller,
    the bridge and the proxy, every setting's value, where it was set and what it overrode
    (`sekha show`).
Probe
    `probe_file(path, env=...) -> ProbeResult`, `probe_config(document, env=...) ->
    ProbeResult`: every provider checked live, and where each default model would be routed.

Names are imported on first use, so that `sekha --help` stays fast; the `TYPE_CHECKING`
block below gives type checkers the real types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from sekha_migrate.api import effective_configuration as effective_configuration
    from sekha_migrate.api import plan_migration as plan_migration
    from sekha_migrate.backup import BackupError as BackupError
    from sekha_migrate.convert import dump_config as dump_config
    from sekha_migrate.convert import load_config as load_config
    from sekha_migrate.effective.deployment import EffectiveDeployment as EffectiveDeployment
    from sekha_migrate.effective.values import EffectiveConfig as EffectiveConfig
    from sekha_migrate.effective.values import Setting as Setting
    from sekha_migrate.errors import UsageError as UsageError
    from sekha_migrate.findings import FileResult as FileResult
    from sekha_migrate.findings import Finding as Finding
    from sekha_migrate.findings import Severity as Severity
    from sekha_migrate.findings import ValidationRun as ValidationRun
    from sekha_migrate.migrate.apply import ApplyError as ApplyError
    from sekha_migrate.migrate.apply import ApplyResult as ApplyResult
    from sekha_migrate.migrate.apply import ApplyStatus as ApplyStatus
    from sekha_migrate.migrate.apply import apply_plan as apply_plan
    from sekha_migrate.migrate.plan import MigrationRequest as MigrationRequest
    from sekha_migrate.migrate.results import MigrationPlan as MigrationPlan
    from sekha_migrate.model.config import ModelSpec as ModelSpec
    from sekha_migrate.model.config import Provider as Provider
    from sekha_migrate.model.config import SekhaConfig as SekhaConfig
    from sekha_migrate.probe import ProbeResult as ProbeResult
    from sekha_migrate.probe import probe_config as probe_config
    from sekha_migrate.probe import probe_file as probe_file
    from sekha_migrate.undo import BackupListing as BackupListing
    from sekha_migrate.undo import RollbackResult as RollbackResult
    from sekha_migrate.undo import list_backup_sets as list_backup_sets
    from sekha_migrate.undo import rollback as rollback
    from sekha_migrate.validate.engine import validate_file as validate_file
    from sekha_migrate.validate.engine import validate_paths as validate_paths
    from sekha_migrate.validate.engine import validate_text as validate_text

_LAZY = {
    "validate_file": "sekha_migrate.validate.engine",
    "validate_text": "sekha_migrate.validate.engine",
    "validate_paths": "sekha_migrate.validate.engine",
    "Finding": "sekha_migrate.findings",
    "FileResult": "sekha_migrate.findings",
    "Severity": "sekha_migrate.findings",
    "ValidationRun": "sekha_migrate.findings",
    "UsageError": "sekha_migrate.errors",
    "load_config": "sekha_migrate.convert",
    "dump_config": "sekha_migrate.convert",
    "SekhaConfig": "sekha_migrate.model.config",
    "Provider": "sekha_migrate.model.config",
    "ModelSpec": "sekha_migrate.model.config",
    "plan_migration": "sekha_migrate.api",
    "effective_configuration": "sekha_migrate.api",
    "EffectiveDeployment": "sekha_migrate.effective.deployment",
    "EffectiveConfig": "sekha_migrate.effective.values",
    "Setting": "sekha_migrate.effective.values",
    "MigrationRequest": "sekha_migrate.migrate.plan",
    "MigrationPlan": "sekha_migrate.migrate.results",
    "apply_plan": "sekha_migrate.migrate.apply",
    "ApplyResult": "sekha_migrate.migrate.apply",
    "ApplyStatus": "sekha_migrate.migrate.apply",
    "ApplyError": "sekha_migrate.migrate.apply",
    "rollback": "sekha_migrate.undo",
    "list_backup_sets": "sekha_migrate.undo",
    "RollbackResult": "sekha_migrate.undo",
    "BackupListing": "sekha_migrate.undo",
    "BackupError": "sekha_migrate.backup",
    "probe_file": "sekha_migrate.probe",
    "probe_config": "sekha_migrate.probe",
    "ProbeResult": "sekha_migrate.probe",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'sekha_migrate' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)


def __dir__() -> list[str]:
    return sorted(__all__)
