"""The organisation's dashboard (issue 21): what it filed for each person, and what the bureau asks for.

Only applications the organisation filed (its drafts' ``submitted_application_id``) are shown: an application the
person filed themself stays theirs alone.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from intake.adapters.organisation_tables import org_drafts, people, readable_people
from intake.adapters.tables import applications, document_requests, timeline_entries
from intake.domain import timeline


def waiting_drafts(session, organisation_id: str) -> dict[str | None, int]:
    """Drafts not filed yet, per person: what is still to be signed. A filed draft is an application now, shown
    under what was filed (it counted as a draft for ever: "drafts: 20" beside twenty filed applications)."""
    return dict(
        session.execute(
            sa.select(org_drafts.c.person_id, sa.func.count())
            .where(org_drafts.c.organisation_id == organisation_id, org_drafts.c.submitted_application_id.is_(None))
            .group_by(org_drafts.c.person_id)
        ).all()
    )


def filed(session, organisation_id: str) -> list[dict]:
    """What the organisation filed, per person, newest first (those with an open request first): each application's
    state and numbers, and what the bureau asks for (open document requests, their deadline and items) — the
    dashboard's view."""
    rows = session.execute(
        sa.select(
            org_drafts.c.person_id,
            applications.c.id,
            applications.c.procedure,
            applications.c.status,
            applications.c.provisional_number,
            applications.c.receipt_number,
            applications.c.submitted_at,
        )
        .join(applications, applications.c.id == org_drafts.c.submitted_application_id)
        .where(org_drafts.c.organisation_id == organisation_id)
        .order_by(applications.c.submitted_at.desc(), applications.c.id)
    ).all()
    if not rows:
        return []
    asked: dict[str, list[dict]] = {}
    for r in session.execute(
        sa.select(
            document_requests.c.application_id,
            document_requests.c.request_id,
            document_requests.c.deadline,
            document_requests.c["items"],
        ).where(document_requests.c.application_id.in_([r.id for r in rows]), document_requests.c.answered_at.is_(None))
    ):
        asked.setdefault(r.application_id, []).append(
            {"request_id": r.request_id, "deadline": r.deadline, "items": json.loads(r._mapping["items"])}
        )
    # What an approval granted (the decision's timeline entry: status and period as codes, or an older decision's
    # text), shown beside "Approved" in the reader's language.
    granted = {
        r.application_id: json.loads(r.detail or "{}")
        for r in session.execute(
            sa.select(timeline_entries.c.application_id, timeline_entries.c.detail).where(
                timeline_entries.c.application_id.in_([r.id for r in rows]), timeline_entries.c.kind == "approved"
            )
        )
    }
    names = {
        p.id: p.name
        for p in session.execute(
            # (an entry whose key was destroyed, restored before the purge took it again, is shown without a name)
            sa.select(people.c.id, people.c.name).where(people.c.organisation_id == organisation_id, readable_people)
        )
    }
    by_person: dict[str | None, dict] = {}
    for r in rows:
        entry = by_person.setdefault(
            r.person_id, {"person_id": r.person_id, "person_name": names.get(r.person_id, ""), "applications": []}
        )
        entry["applications"].append(
            {
                "application_id": r.id,
                "procedure": r.procedure,
                "status": r.status,
                "number": r.receipt_number or r.provisional_number,
                "submitted_at": r.submitted_at,
                "requests": sorted(asked.get(r.id, []), key=lambda q: q["deadline"]),
                "open": timeline.is_open(r.status),  # the organisation may still correct or withdraw it
                "granted_status": granted.get(r.id, {}).get("granted_status"),
                "granted_period": granted.get(r.id, {}).get("period_of_stay"),
            }
        )
    # The people the bureau is asking something of come first (an open request has a deadline); the rest stay newest
    # first, so with dozens filed a request is never at the bottom of the page.
    return sorted(by_person.values(), key=lambda p: not any(a["requests"] for a in p["applications"]))
