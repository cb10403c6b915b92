"""A bureau hands a case to one of its district or branch offices, or takes it back.

Guarded like every other change: scope and role (only a bureau-wide supervisor or administrator),
the domain's hand-over rule (an open case, an office of the same bureau), the optimistic version.
Recorded in the history and the audit log, and announced (application.transferred) so the
applicant's timeline says who has the case now.
"""

from __future__ import annotations

import sqlalchemy as sa

from review.adapters import audit
from review.adapters.tables import cases, officers
from review.application.casework import (
    NotFound,
    _check_version,
    _guard,
    as_officer,
    get_row,
    load_case,
    now,
    record_history,
    review_event,
    update_case,
)
from review.domain.offices import check_hand_over
from review.domain.roles import Action, Officer, in_scope


def case_id_by_receipt(session, receipt_number: str) -> str:
    found = session.execute(
        sa.select(cases.c.application_id).where(cases.c.receipt_number == receipt_number.strip().upper())
    ).scalar()
    if found is None:
        raise NotFound(receipt_number)
    return found


def hand_over(
    runtime,
    session,
    officer: Officer,
    application_id: str,
    office: str | None,
    version: int | None = None,
    ip: str | None = None,
) -> None:
    row = load_case(session, application_id)
    _guard(officer, Action.HAND_OVER, row)
    _check_version(row, version)
    check_hand_over(row.bureau, row.office, office, row.is_open)
    values = {"office": office}
    if row.assignee is not None:
        # Whoever holds the case must still be able to see it where it goes; otherwise it is free to claim.
        holder = get_row(session, officers, row.assignee)
        if holder is None or not in_scope(as_officer(holder), row.bureau, office):
            values["assignee"] = None
    update_case(session, row, **values)
    detail = {"from": row.office, "to": office, "assignee_released": "assignee" in values}
    record_history(session, application_id, "handed_over", officer.id, row.status, row.status, detail)
    audit.append(
        session,
        officer.id,
        "case.handed_over",
        bureau=row.bureau,
        application_id=application_id,
        target=office or row.bureau,
        ip=ip,
        detail=detail,
    )
    runtime.stage(
        session,
        review_event(
            "application.transferred",
            {
                "application_id": application_id,
                "applicant_id": row.applicant_id,
                "bureau": row.bureau,
                "office": office,
                "transferred_at": now(),
            },
            application_id,
        ),
    )
