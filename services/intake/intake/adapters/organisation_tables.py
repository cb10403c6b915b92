"""Organisational users' tables (issue 21): the organisation, its approval and its staff accounts.

On intake's one metadata (so migrations and tests see them); personal data (staff e-mail, the TOTP secret)
and the organisation's address (an agent's office may be a home) are EncryptedText.
"""

from __future__ import annotations

import sqlalchemy as sa

from zairyu_shared.crypto import EncryptedText

from .tables import metadata, subject_key_tables

_ID = lambda: sa.String(36)  # noqa: E731
_TS = lambda: sa.DateTime(timezone=True)  # noqa: E731

organisations = sa.Table(
    "organisations",
    metadata,
    sa.Column("id", _ID(), primary_key=True),
    sa.Column("name", EncryptedText(), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("corporate_number", sa.String(13), nullable=True),
    sa.Column("agent_qualification", sa.String(20), nullable=True),
    sa.Column("agent_number", sa.String(30), nullable=True),
    sa.Column("address", EncryptedText(), nullable=False),
    sa.Column("bureau", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # pending | approved | refused (lapsed: computed)
    sa.Column("requested_at", _TS(), nullable=False),
    sa.Column("decided_at", _TS(), nullable=True),
    sa.Column("approved_from", sa.Date(), nullable=True),
    sa.Column("approved_until", sa.Date(), nullable=True),
    sa.Column("refusal_reason", sa.Text(), nullable=True),
)

organisation_staff = sa.Table(
    "organisation_staff",
    metadata,
    sa.Column("id", _ID(), primary_key=True),
    sa.Column("organisation_id", _ID(), sa.ForeignKey("organisations.id"), nullable=False, index=True),
    sa.Column("email", EncryptedText(), nullable=False),
    sa.Column("email_lookup", sa.String(64), nullable=False, unique=True),
    # The member's name as they (or the administrator inviting them) gave it: it names them to the officer on what
    # they file without a card and on the corrections and withdrawals they send (NULL: not given).
    sa.Column("name", EncryptedText(), nullable=True),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("password_hash", sa.String(200), nullable=True),  # NULL until the invitation is taken up
    sa.Column("totp_secret", EncryptedText(), nullable=True),
    sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
    sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("locked_until", _TS(), nullable=True),
    # Switched off when the person leaves: sessions are checked against it on every request.
    sa.Column("removed_at", _TS(), nullable=True),
    sa.Column("created_at", _TS(), nullable=False),
)

# Invitation links (only the token's hash is stored; single use, time-limited).
staff_invitations = sa.Table(
    "organisation_staff_invitations",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("staff_id", _ID(), sa.ForeignKey("organisation_staff.id"), nullable=False, index=True),
    sa.Column("expires_at", _TS(), nullable=False),
    sa.Column("used_at", _TS(), nullable=True),
)

# The organisation's people (its roster): personal data, encrypted; the expiry too (it is filtered in Python,
# one organisation's roster at a time). Consent: given from the person's own account (applicant_id) or
# recorded with a signed consent document (its SHA-256 in the content-addressed store).
people = sa.Table(
    "organisation_people",
    metadata,
    sa.Column("id", _ID(), primary_key=True),
    sa.Column("organisation_id", _ID(), sa.ForeignKey("organisations.id"), nullable=False, index=True),
    sa.Column("name", EncryptedText(), nullable=False),
    sa.Column("nationality", EncryptedText(), nullable=True),
    sa.Column("date_of_birth", EncryptedText(), nullable=True),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("period_of_stay", EncryptedText(), nullable=True),
    sa.Column("period_expiry", EncryptedText(), nullable=False),  # ISO date
    sa.Column("card_number", EncryptedText(), nullable=False),
    sa.Column("consent", sa.String(20), nullable=False, server_default="none"),  # none | account | document | withdrawn
    sa.Column("consent_at", _TS(), nullable=True),
    sa.Column("consent_applicant_id", _ID(), nullable=True),
    sa.Column("consent_document_sha256", sa.String(64), nullable=True),
    sa.Column("consent_code_hash", sa.String(64), nullable=True, unique=True),  # the link given to the person
    # A consent document: its media type (to open it again) and the last day it covers (domain consent_state).
    sa.Column("consent_document_type", sa.String(40), nullable=True),
    sa.Column("consent_document_until", sa.Date(), nullable=True),
    # The account that holds the applications filed on a consent document (the person has none of their own):
    # no sign-in of any kind; made once per roster entry (organisation_people.held_account).
    sa.Column("held_applicant_id", _ID(), nullable=True),
    sa.Column("created_at", _TS(), nullable=False),
    sa.Column("removed_at", _TS(), nullable=True),
)

# An entry whose data key was destroyed (its retention ended; a restored backup brought the row back before the
# purge took it again) is unreadable: the roster, a person's page, the CSV import, the reminders and the names
# shown beside drafts leave it out, as if it were already gone, rather than break on it (issue 20;
# docs/operations.md, restore). Rows under the service key (never sealed per entry) are never in ``erased``.
readable_people = people.c.id.not_in(sa.select(subject_key_tables.erased.c.subject))
# A roster entry's personal values are under a data key of the entry's own (subject: its id; the person may have
# no account, and their paper consent's scan is sealed under the same key in the store). The purge destroys that
# key with the row, through the erasure ledger, so no backup restored afterwards reads the entry (issue 20);
# rotate-keys moves rows written under the service key.
people.info["subject"] = "id"

# Each reminder (days before expiry) goes once per person and expiry: the unique key makes a second run a no-op.
reminders = sa.Table(
    "organisation_reminders",
    metadata,
    sa.Column("person_id", _ID(), sa.ForeignKey("organisation_people.id"), primary_key=True),
    sa.Column("expiry", sa.Date(), primary_key=True),
    sa.Column("days_before", sa.Integer(), primary_key=True),
    sa.Column("sent_at", _TS(), nullable=False),
)

# Drafts the organisation prepares for its people (one per person and procedure; the filer is the organisation).
org_drafts = sa.Table(
    "organisation_drafts",
    metadata,
    sa.Column("id", _ID(), primary_key=True),
    sa.Column("organisation_id", _ID(), sa.ForeignKey("organisations.id"), nullable=False, index=True),
    sa.Column("person_id", _ID(), sa.ForeignKey("organisation_people.id"), nullable=True),
    sa.Column("procedure", sa.String(40), nullable=False),
    sa.Column("filer_role", sa.String(40), nullable=False),
    # JSON of the form's raw fields, filer section included; under the roster entry's key (below): "{}" once it is gone.
    sa.Column("data", EncryptedText(erased="{}"), nullable=False),
    sa.Column("batch_id", _ID(), nullable=True, index=True),
    sa.Column("created_by", _ID(), nullable=False),
    sa.Column("created_at", _TS(), nullable=False),
    # Its last change (made, or corrected on its page): an unsigned draft goes 180 days after it, with its uploads
    # (draft_unsubmitted, as an applicant's own draft). NULL on drafts made before 0015: their creation counts.
    sa.Column("updated_at", _TS(), nullable=True),
    # Set once a staff member's signature filed it (the application is the person's, filed by the organisation).
    sa.Column("submitted_application_id", _ID(), nullable=True, index=True),
    sa.Column("submitted_by", _ID(), nullable=True),
    sa.Column("submitted_at", _TS(), nullable=True),
)

# A draft's fields (the person's name, passport, address, family, work...) are under the roster entry's data key, as
# the entry's own values are (issue 20): when the entry's retention ends, or the entry is erased, the purge destroys
# that key through the erasure ledger and every copy of the draft, backups included, is unreadable. Unsigned drafts go
# with the entry; a filed one stays (its application is the person's, kept as long as the case: case_closed) with
# its link to the entry cut and its fields reading "{}" (EncryptedText(erased=...)): the list of filed
# applications needs only its procedure and dates. rotate-keys moves drafts written under the service key.
org_drafts.info["subject"] = "person_id"

# API access for the agents' own software: scoped bearer tokens (only their hash is stored).
api_tokens = sa.Table(
    "organisation_api_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("organisation_id", _ID(), sa.ForeignKey("organisations.id"), nullable=False, index=True),
    sa.Column("staff_id", _ID(), sa.ForeignKey("organisation_staff.id"), nullable=False),
    sa.Column("scopes", sa.String(200), nullable=False),
    sa.Column("expires_at", _TS(), nullable=False),
    sa.Column("created_at", _TS(), nullable=False),
)

# Decision webhooks: one endpoint per organisation; each delivery is kept until delivered or 24 h have passed.
webhooks = sa.Table(
    "organisation_webhooks",
    metadata,
    sa.Column("organisation_id", _ID(), sa.ForeignKey("organisations.id"), primary_key=True),
    sa.Column("url", sa.String(500), nullable=False),
    sa.Column("secret", EncryptedText(), nullable=False),
    sa.Column("created_at", _TS(), nullable=False),
)
# What the endpoint receives, per event type (domain/webhooks.EVENT_TYPES): one row each.
webhook_events = sa.Table(
    "organisation_webhook_events",
    metadata,
    sa.Column("organisation_id", _ID(), sa.ForeignKey("organisations.id"), primary_key=True),
    sa.Column("event_type", sa.String(60), primary_key=True),
)
webhook_deliveries = sa.Table(
    "organisation_webhook_deliveries",
    metadata,
    sa.Column("event_id", sa.String(80), primary_key=True),  # the receiver deduplicates by it
    sa.Column("organisation_id", _ID(), sa.ForeignKey("organisations.id"), primary_key=True),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("created_at", _TS(), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("next_attempt_at", _TS(), nullable=False, index=True),
    sa.Column("delivered_at", _TS(), nullable=True),
    sa.Column("given_up_at", _TS(), nullable=True),
    sa.Column("last_error", sa.String(300), nullable=True),
)
