"""`sekha probe`: ask every configured provider whether it would work, right now.

Layer: decide. Takes a v2 document (or file) and validate's findings, returns a ProbeResult
that carries both; never prints.
"""

from __future__ import annotations

from sekha_migrate.probe.file import probe_file
from sekha_migrate.probe.provider import probe_provider
from sekha_migrate.probe.results import (
    ModelCheck,
    ProbeError,
    ProbeResult,
    ProbeStatus,
    ProviderProbe,
)
from sekha_migrate.probe.runner import (
    measure_embedding_dimension,
    measure_embedding_dimension_async,
    probe_config,
    probe_config_async,
)

__all__ = [
    "ModelCheck",
    "ProbeError",
    "ProbeResult",
    "ProbeStatus",
    "ProviderProbe",
    "measure_embedding_dimension",
    "measure_embedding_dimension_async",
    "probe_config",
    "probe_config_async",
    "probe_file",
    "probe_provider",
]
