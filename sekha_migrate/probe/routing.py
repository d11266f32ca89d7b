"""Where each default model is routed now, knowing what the probe just saw.

The bridge (sekha-llm-bridge `registry.py`, `route_with_fallback` at bd54220) picks the first
candidate whose breaker is not open and sends the request there; a request that fails is not
retried elsewhere, it fails, and the failure counts towards the breaker. So a provider that
did not answer this probe is still where requests go while its breaker is closed: the row
says so (status `failing`, never `preferred`) and names who serves once the breaker opens.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sekha_migrate.probe.results import ProbeStatus, ProviderProbe
from sekha_migrate.registry import ProviderRegistry, RouteStatus, RoutingDecision

FAILING = "failing"  # a row's status: routed to a provider the probe found not answering
# Statuses that mean the provider would not serve a request now. `skipped` is not one: a
# provider not asked (its ${VAR} unset here) may well answer where the bridge runs.
_NOT_SERVING = {
    ProbeStatus.AUTH_FAILED: "refused the API key",
    ProbeStatus.UNREACHABLE: "did not answer",
    ProbeStatus.TIMEOUT: "did not answer in time",
    ProbeStatus.ERROR: "answered with an error",
}


def routing_rows(
    registry: ProviderRegistry, data: Mapping[str, Any], probes: Sequence[ProviderProbe]
) -> tuple[dict[str, Any], ...]:
    """The registry's choice for each default model, corrected by what the probe found.

    Models found missing are passed over, as the bridge would once it failed on them. A
    provider that did not answer keeps its place (its breaker is closed), marked `failing`,
    with the candidate that serves after its breaker opens.
    """
    for probe in probes:
        for model in probe.models:
            if model.present is False:
                registry.mark_model_missing(probe.id, model.model_id)
    statuses = {probe.id: probe.status for probe in probes}
    default_models = data.get("default_models")
    decisions = registry.route_defaults(default_models if isinstance(default_models, dict) else {})
    return tuple(_row(decision, statuses, registry) for decision in decisions)


def _row(decision: RoutingDecision, statuses: Mapping[str, ProbeStatus],
         registry: ProviderRegistry) -> dict[str, Any]:
    row = decision.to_dict()
    status = statuses.get(row["provider_id"]) if row.get("provider_id") else None
    row["provider_status"] = status.value if status is not None else None
    row["then_served_by"] = None
    chosen = decision.chosen
    routed = decision.status in (RouteStatus.PREFERRED, RouteStatus.FALLBACK)
    if chosen is None or not routed or status not in _NOT_SERVING:
        return row
    then = next((c for c in decision.fallbacks
                 if statuses.get(c.provider_id) not in _NOT_SERVING), None)
    threshold = registry.breaker(chosen.provider_id).failure_threshold
    failures = f"{threshold} failure{'' if threshold == 1 else 's'}"
    after = (f"{then.model_id} on {then.provider_id} serves them" if then is not None
             else "no other provider serves them")
    row["status"] = FAILING
    row["reason"] = (
        f"{chosen.provider_id} {_NOT_SERVING[status]} in this probe ({status.value}): the "
        "bridge still "
        f"sends {decision.key} requests there while its breaker is closed, and they fail; "
        f"after {failures} the breaker opens and {after}")
    if then is not None:
        row["then_served_by"] = {"provider_id": then.provider_id, "model_id": then.model_id}
    return row
