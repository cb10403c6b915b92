"""Whether the applicant may stay while the application is pending, and until when (the special
period, domain/special_period.py), for the account, the e-receipt and the public check."""

from __future__ import annotations

import json
from datetime import date, datetime

import sqlalchemy as sa

from intake.adapters.tables import timeline_entries
from intake.domain import special_period
from zairyu_shared.japan_time import japan_date


def _expiry(form_json: str | None) -> date | None:
    try:
        value = json.loads(form_json or "{}").get("period_expiry")
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def decided_at(session, application_id: str) -> datetime | None:
    """When the bureau decided (approved or refused), from the timeline."""
    return session.execute(
        sa.select(sa.func.min(timeline_entries.c.occurred_at)).where(
            timeline_entries.c.application_id == application_id, timeline_entries.c.kind.in_(("approved", "refused"))
        )
    ).scalar()


def special_period_of(
    procedure: str, submitted_at: datetime, form_json: str | None, decided: datetime | None
) -> dict | None:
    """None when the procedure has none (COE, acquisition, certificate; filed after the expiry; no expiry).
    Else ``until``: the latest day (Japan's date), ``ended_on``: the decision's day when it came first."""
    filed_on = japan_date(submitted_at)
    latest = special_period.latest_day(procedure, filed_on, _expiry(form_json))
    if latest is None:
        return None
    decided_on = japan_date(decided) if decided is not None else None
    ends = special_period.ends_on(procedure, filed_on, _expiry(form_json), decided_on)
    return {
        "until": latest,
        "ended_on": ends if decided_on is not None and ends == decided_on else None,
        "decided": decided_on is not None,
    }
