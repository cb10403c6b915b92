"""Card-delivery metrics for ops: how many cases sit in each state, and how many are stalled."""
from __future__ import annotations

from prometheus_client import Gauge

from .adapters import repository
from .domain.case import State
from .domain.deadlines import STALL_AFTER

DELIVERIES = Gauge("zairyu_card_deliveries_total", "Delivery cases by current state", ["state"],
                   multiprocess_mode="livemax")
STALLED = Gauge("zairyu_card_deliveries_stalled", "Delivery cases in a state longer than its threshold",
                ["state"], multiprocess_mode="livemax")


def refresh(session, now) -> dict[str, dict[str, int]]:
    counts = repository.count_by_state(session)
    stalled = repository.stalled_by_state(session, now, STALL_AFTER)
    for state in State:
        DELIVERIES.labels(state.value).set(counts[state])
        STALLED.labels(state.value).set(stalled[state])
    return {"total": {s.value: n for s, n in counts.items()}, "stalled": {s.value: n for s, n in stalled.items()}}
