"""--probe: the real embedding dimension, measured by embedding one short string with the
provider and model the migration is about to write."""

from __future__ import annotations

from collections.abc import Mapping

from sekha_migrate.migrate.results import MigrationPlan
from sekha_migrate.model.placeholders import expand_placeholders
from sekha_migrate.probe import ProbeError, measure_embedding_dimension


def measure_plan_dimension(
    plan: MigrationPlan, *, env: Mapping[str, str], timeout: float = 30.0
) -> int:
    """The measured dimension of the plan's embedding model; ProbeError if it cannot be had."""
    if plan.embedding is None or not plan.document:
        raise ProbeError("--probe: this migration writes no embedding model of its own")
    expanded, unresolved = expand_placeholders(dict(plan.document), env)
    for provider in expanded.get("llm_providers") or []:
        models = provider.get("models") or []
        if any(m.get("task") == "embedding" and m.get("model_id") == plan.embedding.model
               for m in models):
            if unresolved:
                names = ", ".join(sorted({name for _, name in unresolved}))
                raise ProbeError(f"--probe: set {names} so the provider can be reached")
            return measure_embedding_dimension(
                provider["type"], provider["base_url"], plan.embedding.model,
                api_key=provider.get("api_key"), timeout=timeout,
            )
    raise ProbeError("--probe: no provider offers the embedding model")
