"""Work on a clock: document reminders (each once) and the whole-database gauges."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import sqlalchemy as sa

from review.adapters import metrics
from review.adapters.tables import cases, document_requests
from review.application import tree_heads
from review.application.casework import now, review_event
from review.domain import case as machine
from review.domain.bureaus import BUREAUS
from review.domain.statistics import TARGET_DAYS
from zairyu_shared.db import reading, transaction
from zairyu_shared.japan_time import japan_today


def reminders_due(runtime, session, today: date, days_before: int = 3) -> int:
    """Stage a reminder for each open request whose deadline is within ``days_before`` days (once)."""
    due = session.execute(
        sa.select(document_requests, cases.c.applicant_id)
        .join(cases, cases.c.application_id == document_requests.c.application_id)
        .where(
            document_requests.c.answered_at.is_(None),
            document_requests.c.reminder_sent_at.is_(None),
            cases.c.status == machine.Status.DOCUMENTS_REQUESTED.value,
            document_requests.c.deadline <= today + timedelta(days=days_before),
        )
    ).all()
    staged = 0
    for r in due:
        claimed = session.execute(
            document_requests.update()
            .where(document_requests.c.request_id == r.request_id, document_requests.c.reminder_sent_at.is_(None))
            .values(reminder_sent_at=now())
        ).rowcount
        if claimed != 1:  # another replica took it
            continue
        staged += 1
        runtime.stage(
            session,
            review_event(
                "application.documents_reminder_due",
                {
                    "application_id": r.application_id,
                    "applicant_id": r.applicant_id,
                    "request_id": r.request_id,
                    "deadline": r.deadline,
                },
                r.application_id,
            ),
        )
    return staged


def refresh_gauges(connection, targets: Mapping[str, int] = TARGET_DAYS) -> None:
    """Open cases per bureau and state, and how many are past their target (whole database; ``targets``:
    days per procedure, ZAIRYU_REVIEW_TARGET_DAYS)."""
    counts = {(b, s): 0 for b in BUREAUS for s in machine.OPEN}
    for bureau, status, n in connection.execute(
        sa.select(cases.c.bureau, cases.c.status, sa.func.count())
        .where(cases.c.is_open.is_(True))
        .group_by(cases.c.bureau, cases.c.status)
    ):
        counts[(bureau, machine.Status(status))] = n
    for (bureau, status), n in counts.items():
        metrics.CASES_OPEN.labels(bureau, status.value).set(n)
    past = {b: 0 for b in BUREAUS}
    for procedure, target in targets.items():
        for bureau, n in connection.execute(
            sa.select(cases.c.bureau, sa.func.count())
            .where(
                cases.c.is_open.is_(True),
                cases.c.procedure == procedure,
                cases.c.received_at < now() - timedelta(days=target),
            )
            .group_by(cases.c.bureau)
        ):
            past[bureau] += n
    for bureau, n in past.items():
        metrics.PAST_TARGET.labels(bureau).set(n)


def run_once(runtime, today: date | None = None) -> int:
    """What `consume` does every ZAIRYU_REVIEW_PERIODIC_MINUTES: reminders (once each), gauges, the access
    log's tree head; the reminders staged."""
    with transaction(runtime.session_factory) as session:
        staged = reminders_due(runtime, session, today or japan_today(), runtime.settings.reminder_days_before)
    with reading(runtime.engine) as conn:
        refresh_gauges(conn, runtime.settings.targets())
    tree_heads.publish(runtime)
    return staged
