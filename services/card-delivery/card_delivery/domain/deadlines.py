"""When a case is late: the envelope reminder and the per-state stall thresholds ops watch."""

from __future__ import annotations

from datetime import datetime, timedelta

from .case import State

ENVELOPE_GRACE = timedelta(days=14)

# How long a case may sit in a state before ops should look (terminal states never stall).
STALL_AFTER = {
    State.AWAITING_ENVELOPE: timedelta(days=30),
    State.ENVELOPE_RECEIVED: timedelta(days=3),
    State.CARD_ISSUED: timedelta(days=3),
    State.ADDRESS_FLAGGED: timedelta(days=3),
    State.DISPATCHED: timedelta(days=10),
    State.RETURNED: timedelta(days=7),
    State.COUNTER_PICKUP: timedelta(days=30),
    State.AWAITING_VISIT: timedelta(days=60),
    # An envelope held for missing return postage that the applicant has not answered in a month.
    State.POSTAGE_SHORTFALL: timedelta(days=30),
}


def envelope_overdue(state: State, approved_at: datetime, already_reminded: bool, now: datetime) -> bool:
    return state is State.AWAITING_ENVELOPE and not already_reminded and now - approved_at >= ENVELOPE_GRACE


def days_waiting(approved_at: datetime, now: datetime) -> int:
    return (now - approved_at).days


def is_stalled(state: State, state_since: datetime, now: datetime) -> bool:
    limit = STALL_AFTER.get(state)
    return limit is not None and now - state_since > limit
