"""When a case is late: the envelope reminder and the per-state stall thresholds ops watch.

The deadline check runs these rules as SQL (adapters/repository.py: envelope_overdue_candidates,
stalled_by_state) so it never loads every open case; tests/test_deadline_rules.py checks the functions here
and that SQL against one table of cases, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from .case import State

# No law sets a deadline for the applicant's envelope (old card, fee slip, return postage); 14 days is this
# service's choice. Why remind at all: a change or extension is notified by issuing the new card and takes
# effect only then (Immigration Control Act art. 20(4)-(5), applied to extensions by art. 21(4)); until then
# the applicant stays on the special period, which ends at the latest two months after the old period of stay
# expired (art. 20(6)): an envelope that never comes can leave them without status. A paper employment
# certificate's envelope (the fee slip) is reminded of alike: the certificate is posted only once it comes.
ENVELOPE_GRACE = timedelta(days=14)

# How long a case may sit in a state before ops should look (terminal states never stall): the defaults of
# ZAIRYU_CARD_STALL_DAYS (settings.py). No law or published standard sets them; each is the mailroom's rhythm
# as this service assumes it, with its reason:
STALL_AFTER = {
    # the applicant is reminded at 14 days (ENVELOPE_GRACE); two more weeks without an answer
    State.AWAITING_ENVELOPE: timedelta(days=30),
    # the card is made and handed to the post within days of the envelope: three days, our choice
    State.ENVELOPE_RECEIVED: timedelta(days=3),
    State.CARD_ISSUED: timedelta(days=3),
    State.ADDRESS_FLAGGED: timedelta(days=3),
    # registered mail arrives in a few days; one the carrier could not hand over is kept 7 days at the
    # post office before it comes back (Japan Post's holding period): 10 days
    State.DISPATCHED: timedelta(days=10),
    # a returned card is posted again or offered at the counter within a week: our choice
    State.RETURNED: timedelta(days=7),
    # a card held at the counter, a person asked to come: a month, two months: our choice
    State.COUNTER_PICKUP: timedelta(days=30),
    State.AWAITING_VISIT: timedelta(days=60),
    # an envelope held for missing return postage that the applicant has not answered in a month: our choice
    State.POSTAGE_SHORTFALL: timedelta(days=30),
}


def stall_limits(days: Mapping[str, int]) -> dict[State, timedelta]:
    """The limits per state from whole days by state name (ZAIRYU_CARD_STALL_DAYS)."""
    return {State(name): timedelta(days=n) for name, n in days.items()}


def envelope_overdue(state: State, approved_at: datetime, already_reminded: bool, now: datetime) -> bool:
    return state is State.AWAITING_ENVELOPE and not already_reminded and now - approved_at >= ENVELOPE_GRACE


def days_waiting(approved_at: datetime, now: datetime) -> int:
    return (now - approved_at).days


def is_stalled(
    state: State, state_since: datetime, now: datetime, limits: Mapping[State, timedelta] = STALL_AFTER
) -> bool:
    limit = limits.get(state)
    return limit is not None and now - state_since > limit
