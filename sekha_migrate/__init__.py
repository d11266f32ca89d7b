"""sekha-migrate: move Sekha configuration to v2, keep it valid, check that it works.

The public API is imported lazily so that `sekha --help` stays fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "validate_file": "sekha_migrate.validate.engine",
    "validate_text": "sekha_migrate.validate.engine",
    "validate_paths": "sekha_migrate.validate.engine",
    "Finding": "sekha_migrate.findings",
    "FileResult": "sekha_migrate.findings",
    "Severity": "sekha_migrate.findings",
    "ValidationRun": "sekha_migrate.findings",
    "load_config": "sekha_migrate.convert",
    "dump_config": "sekha_migrate.convert",
    "SekhaConfig": "sekha_migrate.model.config",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'sekha_migrate' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)
