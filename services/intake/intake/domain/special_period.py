"""The special period (特例期間): how long a resident may stay while an extension or change is pending.

Immigration Control Act art. 20(6) (applied to extensions by art. 21(4)): a resident who applied for a
change of status or an extension before the period of stay expired may stay, while the application is
pending, until the day of the decision or the day on which two months have elapsed from the expiry of the
period of stay, whichever comes first. Not for a COE, an acquisition or an employment certificate
(residence-procedures.md, "What the applicant sees", item 8). A refusal ends it.

"Two months from the expiry" counts as the Civil Code does (art. 140: the first day is not counted; art. 143:
the period ends on the day before the corresponding day two months on, or on the month's last day when that
month has no corresponding day): expiry 31 Jan -> 31 Mar, 30 Nov -> 31 Jan, 31 Dec -> 28 (29) Feb,
30 Dec -> 28 (29) Feb (zairyu_shared.stay_periods.special_period_end). All dates are Japan's calendar days.
"""

from __future__ import annotations

from datetime import date

from zairyu_shared.stay_periods import special_period_end

PROCEDURES = ("extension", "change")


def applies(procedure: str, filed_on: date, expiry: date | None) -> bool:
    """Filed (Japan's date) on or before the expiry day of the period of stay."""
    return procedure in PROCEDURES and expiry is not None and filed_on <= expiry


def latest_day(procedure: str, filed_on: date, expiry: date | None) -> date | None:
    """Until when the applicant may stay at the latest while it is pending (None: no special period).
    The decision ends it earlier when it comes first."""
    if expiry is None or not applies(procedure, filed_on, expiry):
        return None
    return special_period_end(expiry)  # the count card-delivery's public check uses too


def ends_on(procedure: str, filed_on: date, expiry: date | None, decided_on: date | None) -> date | None:
    """The day it ends: the decision's day or the two-month limit, whichever is first."""
    latest = latest_day(procedure, filed_on, expiry)
    if latest is None:
        return None
    return min(latest, decided_on) if decided_on is not None else latest
