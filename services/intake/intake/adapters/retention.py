"""What intake's retention purge deletes (the periods: zairyu_shared.retention.RULES, README "Retention").

- drafts never submitted, 180 days after their last change, with their uploads: an applicant's own, and those an
  organisation prepared for a person and never signed (made, or corrected on the draft's page);
- registrations that never opened an account (signing codes of purpose ``register`` that failed or
  expired), 30 days after expiry; used or expired login challenges and e-mail/reset links after a day, and
  changes of address never confirmed a day after their link expired;
- uploads whose draft is gone (neither an applicant's nor an organisation's draft names them), 180 days after upload;
- closed applications (terminal status) 10 years from the 特定日 after they closed, with everything
  hanging off them (timeline, inbox copies of notices, document requests, payments, signing codes, the copies of
  the access log's leaves about them);
- copies of the access log's leaves (who at the bureau opened the file) whose application is gone otherwise, 10
  years from the 特定日 after the access (``access_entry``); the signed tree heads stay (no personal data);
- inbox copies of notices not tied to an application, a year after they were created;
- a person's data exports (each service's answer) 30 days after the request;
- an organisation whose use was refused, or whose approval ended, 5 years from the 特定日 after that, with its
  staff, roster, drafts, reminders, API tokens and webhooks (``organisation_use``); a roster entry removed or
  whose consent was withdrawn, 90 days after (its drafts never filed go too; those filed keep their
  application, only the link to the roster row goes); a staff member switched off, 90 days after.
Files in the content-addressed store are unlinked after the commit, once no row refers to them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from intake.domain.timeline import TERMINAL
from zairyu_shared.db import after_commit
from zairyu_shared.japan_time import JAPAN
from zairyu_shared.retention import PurgeStep

from .access_tables import access_entries
from .organisation_tables import (
    api_tokens,
    org_drafts,
    organisation_staff,
    organisations,
    people,
    reminders,
    staff_invitations,
    webhook_deliveries,
    webhook_events,
    webhooks,
)
from .store import AttachmentStore
from .tables import (
    HELD_ACCOUNT_ISSUER,
    applicants,
    applications,
    attachments,
    challenges,
    data_export_parts,
    data_exports,
    document_requests,
    drafts,
    email_changes,
    notices,
    payment_notifications,
    payments,
    registration_links,
    registrations,
    signing_requests,
    subject_key_tables,
    timeline_entries,
    tokens,
)


def purge_steps(store: AttachmentStore) -> list[PurgeStep]:
    def unlink_later(session: Session, files: set[tuple[str, str]]) -> None:
        """After the commit, delete the files ``(owner, sha256)`` no row of that owner names any more."""
        if not files:
            return
        shas = {sha for _, sha in files}

        def unlink() -> None:
            with Session(session.get_bind()) as check:
                named = sa.select(attachments.c.applicant_id, attachments.c.sha256).where(
                    attachments.c.sha256.in_(shas)
                )
                consents = sa.select(people.c.id, people.c.consent_document_sha256).where(
                    people.c.consent_document_sha256.in_(shas)
                )
                still = {(str(o), s) for o, s in check.execute(named)} | {
                    (str(o), s) for o, s in check.execute(consents)
                }
            for owner, sha in files - still:
                store.delete(sha, owner)
            for sha in shas - {s for _, s in still}:
                store.delete_plain(sha)  # a copy from before sealing, once nobody's row names it

        after_commit(session, unlink)

    def owned(session: Session, where: sa.ColumnElement[bool]) -> set[tuple[str, str]]:
        rows = session.execute(sa.select(attachments.c.applicant_id, attachments.c.sha256).where(where))
        return {(str(owner), sha) for owner, sha in rows}

    def drop_attachments(session: Session, where: sa.ColumnElement[bool]) -> None:
        files = owned(session, where)
        session.execute(attachments.delete().where(where))
        unlink_later(session, files)

    def before_drafts(session: Session, ids: list[object]) -> None:
        drop_attachments(session, sa.and_(attachments.c.draft_id.in_(ids), attachments.c.application_id.is_(None)))

    def drop_org_drafts(session: Session, where: sa.ColumnElement[bool]) -> None:
        """An organisation's drafts never filed, with their uploads (on the person's own or held account; a filed
        draft's uploads are its application's) and the signing codes still waiting for them, as when staff delete
        one (organisation_filing.delete)."""
        unfiled = sa.and_(where, org_drafts.c.submitted_application_id.is_(None))
        ids = list(session.execute(sa.select(org_drafts.c.id).where(unfiled)).scalars())
        if not ids:
            return
        before_org_drafts(session, ids)
        session.execute(org_drafts.delete().where(org_drafts.c.id.in_(ids)))

    def before_org_drafts(session: Session, ids: list[object]) -> None:
        before_drafts(session, ids)
        session.execute(
            signing_requests.update()
            .where(signing_requests.c.subject_id.in_(ids), signing_requests.c.status == "pending")
            .values(status="expired")
        )

    def before_applications(session: Session, ids: list[object]) -> None:
        drop_attachments(session, attachments.c.application_id.in_(ids))
        pay_ids = list(session.execute(sa.select(payments.c.id).where(payments.c.application_id.in_(ids))).scalars())
        if pay_ids:
            session.execute(payment_notifications.delete().where(payment_notifications.c.payment_id.in_(pay_ids)))
        for table, column in (
            (timeline_entries, timeline_entries.c.application_id),
            (notices, notices.c.application_id),
            (document_requests, document_requests.c.application_id),
            (payments, payments.c.application_id),
            (signing_requests, signing_requests.c.subject_id),
            (drafts, drafts.c.submitted_application_id),
            (access_entries, access_entries.c.application_id),  # who opened its file: goes with it at the latest
        ):
            session.execute(table.delete().where(column.in_(ids)))

    def before_loose_attachments(session: Session, ids: list[object]) -> None:
        unlink_later(session, owned(session, attachments.c.id.in_(ids)))

    def destroy_keys(session: Session, subjects: list[str]) -> None:
        """The data keys of records whose retention ended, destroyed through the erasure ledger (Keyring.erase_many):
        a restored backup, once migrate re-applied the ledger, holds what they sealed unreadable too (issue 20)."""
        if not subjects:
            return
        if store.keyring is not None:  # (this process forgets the keys at once; others within the cache's TTL)
            store.keyring.erase_many(session.connection(), subjects)
        else:
            keys = subject_key_tables.keys
            session.execute(keys.delete().where(keys.c.subject.in_(subjects)))

    def before_registrations(session: Session, ids: list[object]) -> None:
        session.execute(registration_links.delete().where(registration_links.c.registration_id.in_(ids)))
        # The data key made for the address typed (the registration's id would have been the account's): with no
        # account it protects nothing once the row goes.
        keys = subject_key_tables.keys
        unfinished = sa.select(keys.c.subject).where(
            keys.c.subject.in_([str(i) for i in ids]), ~sa.exists().where(applicants.c.id == keys.c.subject)
        )
        destroy_keys(session, list(session.execute(unfinished).scalars()))

    def before_exports(session: Session, ids: list[object]) -> None:
        session.execute(data_export_parts.delete().where(data_export_parts.c.export_id.in_(ids)))

    def before_people(session: Session, ids: list[object]) -> None:
        # A consent given on paper: its scan leaves the store with the row, and the data key of the roster
        # entry (it sealed the scan and the row's personal values) goes too, through the erasure ledger: the
        # scan in a backup of the store, and the row in a backup of the database once restored (migrate
        # re-applies the ledger), are unreadable from then on.
        scans = sa.select(people.c.id, people.c.consent_document_sha256).where(
            people.c.id.in_(ids), people.c.consent_document_sha256.is_not(None)
        )
        unlink_later(session, {(str(person), sha) for person, sha in session.execute(scans)})
        destroy_keys(session, [str(i) for i in ids])
        session.execute(reminders.delete().where(reminders.c.person_id.in_(ids)))
        drop_org_drafts(session, org_drafts.c.person_id.in_(ids))
        session.execute(org_drafts.update().where(org_drafts.c.person_id.in_(ids)).values(person_id=None))

    def before_held_accounts(session: Session, ids: list[object]) -> None:
        # What an organisation prepared on a held account and never filed: its uploads and signing codes; then
        # the account's data key, through the ledger (its sealed files and rows in a restored backup stay unreadable).
        drop_attachments(session, attachments.c.applicant_id.in_(ids))
        session.execute(signing_requests.delete().where(signing_requests.c.applicant_id.in_(ids)))
        destroy_keys(session, [str(i) for i in ids])

    def before_staff(session: Session, ids: list[object]) -> None:
        session.execute(staff_invitations.delete().where(staff_invitations.c.staff_id.in_(ids)))
        session.execute(api_tokens.delete().where(api_tokens.c.staff_id.in_(ids)))

    def before_organisations(session: Session, ids: list[object]) -> None:
        roster = list(session.execute(sa.select(people.c.id).where(people.c.organisation_id.in_(ids))).scalars())
        staff = list(
            session.execute(
                sa.select(organisation_staff.c.id).where(organisation_staff.c.organisation_id.in_(ids))
            ).scalars()
        )
        drop_org_drafts(session, org_drafts.c.organisation_id.in_(ids))
        session.execute(org_drafts.delete().where(org_drafts.c.organisation_id.in_(ids)))
        if roster:
            before_people(session, roster)
            session.execute(people.delete().where(people.c.id.in_(roster)))
        session.execute(api_tokens.delete().where(api_tokens.c.organisation_id.in_(ids)))
        if staff:
            before_staff(session, staff)
            session.execute(organisation_staff.delete().where(organisation_staff.c.id.in_(staff)))
        session.execute(webhook_deliveries.delete().where(webhook_deliveries.c.organisation_id.in_(ids)))
        session.execute(webhook_events.delete().where(webhook_events.c.organisation_id.in_(ids)))
        session.execute(webhooks.delete().where(webhooks.c.organisation_id.in_(ids)))

    def organisation_ended(cutoff) -> sa.ColumnElement[bool]:
        # The approval's last day is a date in Japan: it has "ended before the cutoff" when it is before the
        # cutoff's day there. A pending request, or an approval still running, is never selected.
        last_day = cutoff.astimezone(JAPAN).date()
        return sa.or_(
            sa.and_(organisations.c.status == "refused", organisations.c.decided_at < cutoff),
            sa.and_(organisations.c.status == "approved", organisations.c.approved_until < last_day),
        )

    closed_at = sa.func.coalesce(applications.c.closed_at, applications.c.updated_at)
    return [
        PurgeStep(
            "data_export",
            data_exports,
            data_exports.c.id,
            lambda cutoff: data_exports.c.requested_at < cutoff,
            before=before_exports,
        ),
        PurgeStep(
            "draft_unsubmitted",
            drafts,
            drafts.c.id,
            lambda cutoff: sa.and_(drafts.c.submitted_application_id.is_(None), drafts.c.updated_at < cutoff),
            before=before_drafts,
        ),
        # An organisation's draft never signed is a draft as an applicant's is (RULES draft_unsubmitted: not an
        # administrative document until submitted, APPI art. 61): 180 days after its last change, with its uploads.
        PurgeStep(
            "draft_unsubmitted",
            org_drafts,
            org_drafts.c.id,
            lambda cutoff: sa.and_(
                org_drafts.c.submitted_application_id.is_(None),
                sa.func.coalesce(org_drafts.c.updated_at, org_drafts.c.created_at) < cutoff,
            ),
            before=before_org_drafts,
        ),
        # An upload no live draft names (its draft deleted or purged): the uploads of a live draft, an applicant's or
        # an organisation's, stay as long as the draft does and go with it (above).
        PurgeStep(
            "attachment_unsubmitted",
            attachments,
            attachments.c.id,
            lambda cutoff: sa.and_(
                attachments.c.application_id.is_(None),
                attachments.c.created_at < cutoff,
                ~sa.exists().where(drafts.c.id == attachments.c.draft_id),
                ~sa.exists().where(org_drafts.c.id == attachments.c.draft_id),
            ),
            before=before_loose_attachments,
        ),
        PurgeStep(
            "registration_refused",
            signing_requests,
            signing_requests.c.code,
            lambda cutoff: sa.and_(
                signing_requests.c.purpose == "register",
                signing_requests.c.status.in_(("failed", "expired", "pending", "signed")),
                signing_requests.c.expires_at < cutoff,
            ),
        ),
        # A registration started with an e-mail address that never finished (no account was opened).
        PurgeStep(
            "registration_refused",
            registrations,
            registrations.c.id,
            lambda cutoff: sa.and_(registrations.c.completed_at.is_(None), registrations.c.created_at < cutoff),
            before=before_registrations,
        ),
        PurgeStep(
            "login_token",
            challenges,
            challenges.c.nonce,
            lambda cutoff: sa.func.coalesce(challenges.c.used_at, challenges.c.created_at) < cutoff,
        ),
        PurgeStep(
            "login_token",
            tokens,
            tokens.c.token_hash,
            lambda cutoff: sa.func.coalesce(tokens.c.used_at, tokens.c.expires_at) < cutoff,
        ),
        # A change of address never confirmed (the confirmed ones stay with the account as its record).
        PurgeStep(
            "login_token",
            email_changes,
            email_changes.c.token_hash,
            lambda cutoff: sa.and_(email_changes.c.confirmed_at.is_(None), email_changes.c.expires_at < cutoff),
        ),
        PurgeStep(
            "notice",
            notices,
            notices.c.id,
            lambda cutoff: sa.and_(notices.c.application_id.is_(None), notices.c.created_at < cutoff),
        ),
        # The applicant's copies of the access log's leaves (who opened their file) go with their application
        # (case_closed, above); one whose application is gone otherwise goes when review empties the leaf.
        PurgeStep(
            "access_entry",
            access_entries,
            access_entries.c.leaf_index,
            lambda cutoff: sa.and_(
                access_entries.c.at < cutoff,
                ~sa.exists().where(applications.c.id == access_entries.c.application_id),
            ),
        ),
        PurgeStep(
            "roster_entry_ended",
            people,
            people.c.id,
            lambda cutoff: sa.or_(
                people.c.removed_at < cutoff,
                sa.and_(people.c.consent == "withdrawn", people.c.consent_at < cutoff),
                # An entry a restored backup brought back although this purge had taken it (and its key, through
                # the erasure ledger, which migrate re-applied): unreadable, it goes again (docs/operations.md).
                people.c.id.in_(sa.select(subject_key_tables.erased.c.subject)),
            ),
            before=before_people,
        ),
        # The account held for a person who consented on paper, once their roster entry is gone and no application
        # is on it any more (those keep it for their own retention, case_closed).
        PurgeStep(
            "roster_entry_ended",
            applicants,
            applicants.c.id,
            lambda cutoff: sa.and_(
                applicants.c.cert_issuer == HELD_ACCOUNT_ISSUER,
                applicants.c.created_at < cutoff,
                ~sa.exists().where(people.c.held_applicant_id == applicants.c.id),
                ~sa.exists().where(applications.c.applicant_id == applicants.c.id),
            ),
            before=before_held_accounts,
            label="roster_entry_ended:held_accounts",
        ),
        PurgeStep(
            "organisation_staff_removed",
            organisation_staff,
            organisation_staff.c.id,
            lambda cutoff: organisation_staff.c.removed_at < cutoff,
            before=before_staff,
        ),
        PurgeStep(
            "organisation_use",
            organisations,
            organisations.c.id,
            organisation_ended,
            before=before_organisations,
        ),
        PurgeStep(
            "case_closed",
            applications,
            applications.c.id,
            lambda cutoff: sa.and_(applications.c.status.in_(sorted(TERMINAL)), closed_at < cutoff),
            before=before_applications,
        ),
    ]
