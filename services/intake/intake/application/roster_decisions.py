"""An organisation's roster follows the bureau's decisions on the applications it filed (issue 21: the period of
stay's expiry comes "from the last decision").

An approved extension or change filed by an organisation moves the person's roster entry to what was granted: the
status (a change's new one), the period (its code, shown in the reader's language) and the new expiry
(zairyu_shared.stay_periods: an extension counts from the day after the old expiry, a change from the day of
permission), and the card number of the new card once it is issued, so the dashboard no longer lists them among the stays ending soon and the 90/60/30-day reminders
count down to the new expiry (they are kept per expiry). A change's permission takes effect with the new card:
its expiry is counted from the decision's day at the decision, then again from the day card-delivery issued the
card. A refusal changes nothing (the old period runs on; the special period is the application page's matter).

Idempotent: everything is computed from the event and the application (the old expiry the decision carries,
``period_of_stay_expiry``), never from the entry's current values, so a decision or card applied twice gives the
same entry. Only the latest decision counts: an older application's decision or card arriving after a newer
application's decision leaves the entry alone. Only the filing organisation's entry is touched (another
organisation that has the person on its roster learns nothing from this filing); a removed entry, or one whose
key was destroyed, is left as it is.
"""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa

from intake.adapters.organisation_tables import org_drafts, people
from intake.adapters.tables import applications, personal, timeline_entries
from zairyu_shared import stay_periods
from zairyu_shared.japan_time import japan_date
from zairyu_shared.subject_keys import SubjectErased

from .organisation_api import filed_by_an_organisation


def _entry(session, app):
    """The filing organisation's roster entry for the person the application is for (None: not an organisation's
    filing, or the entry was removed). ``app``: its id and idempotency_key."""
    if not filed_by_an_organisation(app):  # an applicant's own: no statement
        return None
    return session.execute(
        sa.select(people.c.id, people.c.status)
        .select_from(org_drafts.join(people, people.c.id == org_drafts.c.person_id))
        .where(
            org_drafts.c.submitted_application_id == app.id,
            org_drafts.c.organisation_id == people.c.organisation_id,
            people.c.removed_at.is_(None),
        )
    ).first()


def _decided_later(session, person_id: str, application_id: str, decided_at) -> bool:
    """Another application the organisation filed for the same entry was approved after this one."""
    found = session.execute(
        sa.select(timeline_entries.c.id)
        .select_from(
            timeline_entries.join(
                org_drafts, org_drafts.c.submitted_application_id == timeline_entries.c.application_id
            )
        )
        .where(
            org_drafts.c.person_id == person_id,
            timeline_entries.c.application_id != application_id,
            timeline_entries.c.kind == "approved",
            timeline_entries.c.occurred_at > decided_at,
        )
        .limit(1)
    ).first()
    return found is not None


def _update(session, person_id: str, values: dict) -> None:
    try:
        with personal(session, person_id):  # the entry's own data key (organisation_tables.people)
            session.execute(people.update().where(people.c.id == person_id).values(**values))
    except SubjectErased:
        return  # its retention ended: nothing new is written about the person


def _granted(procedure: str, granted: dict, old_expiry: date | None, permitted_on: date) -> dict:
    values: dict = {}
    if procedure == "change" and granted.get("granted_status"):
        values["status"] = granted["granted_status"]
    if granted.get("period_of_stay"):
        values["period_of_stay"] = granted["period_of_stay"]
    expiry = stay_periods.new_expiry(procedure, granted.get("period_of_stay"), old_expiry, permitted_on)
    if expiry is not None:
        values["period_expiry"] = expiry.isoformat()
    return values


def after_decision(session, event, app) -> None:
    """application.decided: an approved extension or change filed by an organisation updates its roster entry."""
    data = event.data
    if data["outcome"] != "approved" or data["procedure"] not in stay_periods.PROCEDURES:
        return
    entry = _entry(session, app)
    if entry is None or _decided_later(session, entry.id, app.id, event.occurred_at):
        return
    old = data.get("period_of_stay_expiry")
    old_expiry = date.fromisoformat(old) if isinstance(old, str) else old
    values = _granted(data["procedure"], data, old_expiry, japan_date(data["decided_at"]))
    if values:
        _update(session, entry.id, values)


def after_card_issued(session, event, app) -> None:
    """card.issued: the entry takes the new card's number (the old one is invalid from then: residence-procedures.md,
    "Residence card facts"); a change's permission took effect with the card, so its period counts from that day."""
    entry = _entry(session, app)
    if entry is None:
        return
    approved = session.execute(
        sa.select(timeline_entries.c.detail, timeline_entries.c.occurred_at)
        .where(timeline_entries.c.application_id == app.id, timeline_entries.c.kind == "approved")
        .order_by(timeline_entries.c.occurred_at.desc())
        .limit(1)
    ).first()
    if approved is not None and _decided_later(session, entry.id, app.id, approved.occurred_at):
        return
    values = {"card_number": event.data["card_number"]}
    procedure = session.execute(sa.select(applications.c.procedure).where(applications.c.id == app.id)).scalar()
    if procedure == "change" and approved is not None:
        values.update(_granted(procedure, json.loads(approved.detail or "{}"), None, japan_date(event.occurred_at)))
    _update(session, entry.id, values)
