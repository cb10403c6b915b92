"""Card-delivery metrics for ops (names as in docs/operations.md and the Grafana dashboard).

The state gauges are computed from the database by the deadline check (consume process); every
replica reports the same whole-database figure, so aggregate them with max, not sum.
"""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import Counter, Gauge

from card_delivery.domain.case import State
from card_delivery.domain.deadlines import STALL_AFTER
from zairyu_shared.db import after_commit

from . import repository

DELIVERIES = Gauge("zairyu_card_deliveries", "Delivery cases by current state", ["state"], multiprocess_mode="livemax")
STALLED = Gauge(
    "zairyu_card_deliveries_stalled",
    "Delivery cases in a state longer than its threshold",
    ["state"],
    multiprocess_mode="livemax",
)
TRANSITIONS = Counter(
    "zairyu_card_transitions_total", "Committed delivery-case transitions, by state entered", ["to_state"]
)


def refresh(session, now, stall_after: dict[State, timedelta] = STALL_AFTER) -> dict[str, dict[str, int]]:
    """The state gauges from the database; ``stall_after``: the limit per state (ZAIRYU_CARD_STALL_DAYS)."""
    counts = repository.count_by_state(session)
    stalled = repository.stalled_by_state(session, now, stall_after)
    for state in State:
        DELIVERIES.labels(state.value).set(counts[state])
        STALLED.labels(state.value).set(stalled[state])
    return {"total": {s.value: n for s, n in counts.items()}, "stalled": {s.value: n for s, n in stalled.items()}}


def count_transition_on_commit(session, to_state: State) -> None:
    """Counted once the outermost transaction commits, so a rolled-back transition is never counted."""
    after_commit(session, lambda: TRANSITIONS.labels(to_state.value).inc())
