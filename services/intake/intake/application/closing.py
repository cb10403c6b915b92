"""A person closes their account: what the law makes us keep is kept, the rest goes, and they are told which.

Kept: every submitted application with what hangs off it (timeline, notices about it, requests for documents,
payments, its files) until its retention period ends (``case_closed``, zairyu_shared.retention: 10 years from
the 特定日 after it closed; the bureau's case file under the Public Records Management Act), then the purge
deletes it. The bureau's own case files (review) are not touched by a closing.
Gone at once: the sign-in (password, two-step secret, card login), the e-mail address and the card's details
on the account (with the registration that opened it and any change of address), drafts never submitted and
their files, files not part of an application, links and codes,
data exports, inbox messages not about an application; notify forgets the contact details and the notices
(``applicant.account_closed``). An account with no application left is deleted altogether.

Closing waits while an application is still open: the bureau must be able to tell the decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from intake.adapters.organisation_tables import people
from intake.adapters.store import AttachmentStore
from intake.adapters.tables import (
    applicants,
    applications,
    attachments,
    data_export_parts,
    data_exports,
    drafts,
    email_changes,
    notices,
    registration_links,
    registrations,
    signing_requests,
    tokens,
)
from intake.domain import timeline
from zairyu_shared.db import after_commit
from zairyu_shared.retention import RULES

from .common import aware, now


class StillOpen(Exception):
    """An application is still open: closing would leave the bureau unable to tell its decision."""


@dataclass
class Kept:
    application_id: str
    number: str
    procedure: str
    until: datetime | None  # None: until the application has closed (it never is when closing is allowed)


@dataclass
class ClosingPlan:
    kept: list[Kept] = field(default_factory=list)
    drafts: int = 0
    files: int = 0
    open_applications: list[str] = field(default_factory=list)


def plan(session: Session, applicant_id: str) -> ClosingPlan:
    """What closing would delete and what it keeps (for the page that asks, and the one that confirms)."""
    result = ClosingPlan()
    keep = RULES["case_closed"].keep
    for a in session.execute(
        sa.select(applications).where(applications.c.applicant_id == applicant_id).order_by(applications.c.submitted_at)
    ):
        ended = aware(a.closed_at or a.updated_at)
        final = a.status in timeline.TERMINAL
        if not final:
            result.open_applications.append(a.receipt_number or a.provisional_number)
        result.kept.append(
            Kept(
                a.id,
                a.receipt_number or a.provisional_number,
                a.procedure,
                keep.expires(ended) if final and keep else None,
            )
        )
    result.drafts = session.execute(
        sa.select(sa.func.count())
        .select_from(drafts)
        .where(drafts.c.applicant_id == applicant_id, drafts.c.submitted_application_id.is_(None))
    ).scalar_one()
    result.files = session.execute(
        sa.select(sa.func.count())
        .select_from(attachments)
        .where(attachments.c.applicant_id == applicant_id, attachments.c.application_id.is_(None))
    ).scalar_one()
    return result


def close(runtime, session: Session, applicant_id: str, store: AttachmentStore) -> ClosingPlan:
    result = plan(session, applicant_id)
    if result.open_applications:
        raise StillOpen(", ".join(result.open_applications))
    loose = attachments.c.applicant_id == applicant_id
    loose = sa.and_(loose, attachments.c.application_id.is_(None))
    shas = set(session.execute(sa.select(attachments.c.sha256).where(loose)).scalars())
    session.execute(attachments.delete().where(loose))
    session.execute(
        drafts.delete().where(drafts.c.applicant_id == applicant_id, drafts.c.submitted_application_id.is_(None))
    )
    exports = sa.select(data_exports.c.id).where(data_exports.c.applicant_id == applicant_id)
    session.execute(data_export_parts.delete().where(data_export_parts.c.export_id.in_(exports)))
    session.execute(data_exports.delete().where(data_exports.c.applicant_id == applicant_id))
    session.execute(tokens.delete().where(tokens.c.applicant_id == applicant_id))
    session.execute(email_changes.delete().where(email_changes.c.applicant_id == applicant_id))
    # The registration that opened the account (its id is the account's) holds the address typed at the start.
    session.execute(registration_links.delete().where(registration_links.c.registration_id == applicant_id))
    session.execute(registrations.delete().where(registrations.c.id == applicant_id))
    session.execute(signing_requests.delete().where(signing_requests.c.applicant_id == applicant_id))
    session.execute(notices.delete().where(notices.c.applicant_id == applicant_id, notices.c.application_id.is_(None)))
    if result.kept:
        # The applications refer to the account: keep an empty shell that nobody can sign in to or find.
        shell = f"closed-{applicant_id}"
        session.execute(
            applicants.update()
            .where(applicants.c.id == applicant_id)
            .values(
                email="",
                email_lookup=shell,
                email_verified_at=None,
                name="",
                date_of_birth="",
                sex="",
                address="",
                cert_serial="",
                cert_issuer="",
                holder_lookup=shell,
                auth_subject=None,
                password_hash=None,
                totp_secret=None,
                totp_last_step=None,
                session_epoch=applicants.c.session_epoch + 1,
            )
        )
    else:
        session.execute(applicants.delete().where(applicants.c.id == applicant_id))
        keyring = getattr(runtime, "keyring", None)
        if keyring is not None:
            # Nothing of theirs is kept: destroying their data key makes the backups unreadable for them too.
            keyring.erase(session.connection(), applicant_id)
    runtime.emit(
        session,
        "applicant.account_closed",
        {"applicant_id": applicant_id, "closed_at": now()},
        correlation_id=applicant_id,
    )

    def unlink() -> None:
        with Session(session.get_bind()) as check:
            theirs = sa.and_(attachments.c.sha256.in_(shas), attachments.c.applicant_id == applicant_id)
            kept = set(check.execute(sa.select(attachments.c.sha256).where(theirs)).scalars())
            used = set(check.execute(sa.select(attachments.c.sha256).where(attachments.c.sha256.in_(shas))).scalars())
            used |= set(
                check.execute(
                    sa.select(people.c.consent_document_sha256).where(people.c.consent_document_sha256.in_(shas))
                ).scalars()
            )
        for sha in shas - kept:
            store.delete(sha, applicant_id)  # their sealed copy (a kept application's file stays)
        for sha in shas - used:
            store.delete_plain(sha)  # a copy from before sealing, once nobody's row names it

    if shas:
        after_commit(session, unlink)
    return result
