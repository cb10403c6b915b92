"""Notify's part of a person's data export (APPI art. 76): the contact details it writes to, the numbers it
quotes, and every notice and mail addressed to the applicant (what it said, when, whether it went out).
Mails to a bureau about the applicant are the bureau's correspondence, not theirs: left out."""

from __future__ import annotations

import sqlalchemy as sa

from notify.adapters.tables import applicants, applications, notices
from zairyu_shared.personal_data import answer, record


def export_requested(runtime, session, event) -> None:
    applicant = event.data["applicant_id"]
    records = []
    me = session.execute(sa.select(applicants).where(applicants.c.applicant_id == applicant)).first()
    if me is not None:
        records.append(
            record("contact", me.updated_at, email=me.email, language=me.language, display_name=me.display_name)
        )
    for a in session.execute(sa.select(applications).where(applications.c.applicant_id == applicant)):
        records.append(
            record(
                "application_numbers",
                None,
                application_id=a.application_id,
                bureau=a.bureau,
                procedure=a.procedure,
                provisional_number=a.provisional_number,
                receipt_number=a.receipt_number,
            )
        )
    for n in session.execute(
        sa.select(notices)
        .where(notices.c.recipient == f"applicant:{applicant}")
        .order_by(notices.c.created_at, notices.c.id)
    ):
        records.append(
            record(
                "notice",
                n.created_at,
                application_id=n.application_id,
                notice_type=n.notice_type,
                channel=n.channel,
                language=n.language,
                subject=n.subject,
                body=n.body_text,
                address=n.address,
                state=n.state,
                sent_at=n.sent_at,
            )
        )
    runtime.stage(session, answer(event, "notify", records))


def account_closed(runtime, session, event) -> None:
    """The applicant closed their account (no application was still open, intake checks): forget where and how
    to write to them and every notice addressed to them. What they were told stays in the case file (review)."""
    applicant = event.data["applicant_id"]
    session.execute(notices.delete().where(notices.c.recipient == f"applicant:{applicant}"))
    session.execute(applications.delete().where(applications.c.applicant_id == applicant))
    session.execute(applicants.delete().where(applicants.c.applicant_id == applicant))
    keyring = getattr(runtime, "keyring", None)
    if keyring is not None:  # what is left of them in the last backups becomes unreadable too
        keyring.erase(session.connection(), applicant)
