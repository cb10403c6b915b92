"""The intake service's own tables (its database is its alone).

Personal data (names, addresses, dates of birth, e-mail addresses, form contents, filenames)
is stored with EncryptedText. E-mail lookups use a keyed hash, never the clear address.
"""

from __future__ import annotations

import sqlalchemy as sa

from zairyu_shared.crypto import EncryptedText
from zairyu_shared.db import add_messaging_tables
from zairyu_shared.subject_keys import add_subject_key_tables, sealing

metadata = sa.MetaData()
outbox, inbox = add_messaging_tables(metadata)

_ID = lambda: sa.String(36)  # noqa: E731
_TS = lambda: sa.DateTime(timezone=True)  # noqa: E731

# ``cert_issuer`` of an account held by an organisation for a person who consented with a signed document and has
# no account of their own (application/organisation_people.held_account): no card, no password, no sign-in.
HELD_ACCOUNT_ISSUER = "zairyu:held-by-organisation"

applicants = sa.Table(
    "applicants",
    metadata,
    sa.Column("id", _ID(), primary_key=True),
    sa.Column("email", EncryptedText(), nullable=False),
    sa.Column("email_lookup", sa.String(64), nullable=False, unique=True),
    sa.Column("email_verified_at", _TS(), nullable=True),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("name", EncryptedText(), nullable=False),
    sa.Column("date_of_birth", EncryptedText(), nullable=False),
    sa.Column("sex", EncryptedText(), nullable=False),
    sa.Column("address", EncryptedText(), nullable=False),
    sa.Column("cert_serial", sa.String(80), nullable=False),
    sa.Column("cert_issuer", sa.String(400), nullable=False),
    # Keyed hash of (name, date of birth, sex): finds the account again when a renewed card registers.
    sa.Column("holder_lookup", sa.String(64), nullable=False, index=True),
    sa.Column("auth_subject", sa.String(200), nullable=True, unique=True),
    sa.Column("password_hash", sa.String(200), nullable=True),
    sa.Column("totp_secret", EncryptedText(), nullable=True),
    sa.Column("totp_last_step", sa.BigInteger(), nullable=True),  # the last accepted time step (no replay)
    sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
    # Bumped by a password change or reset: sessions carrying an older epoch are no longer valid.
    sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("locked_until", _TS(), nullable=True),
    sa.Column("created_at", _TS(), nullable=False),
)

# One-time server challenges (registration statement, card login nonce); single use.
challenges = sa.Table(
    "challenges",
    metadata,
    sa.Column("nonce", sa.String(64), primary_key=True),
    sa.Column("purpose", sa.String(20), nullable=False),
    sa.Column("created_at", _TS(), nullable=False),
    sa.Column("used_at", _TS(), nullable=True),
)

# E-mail verification and password reset links (only the token's hash is stored).
tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("applicant_id", _ID(), sa.ForeignKey("applicants.id"), nullable=False),
    sa.Column("purpose", sa.String(20), nullable=False),
    sa.Column("expires_at", _TS(), nullable=False),
    sa.Column("used_at", _TS(), nullable=True),
)

# Registration starts with the e-mail address: the link proves the address before the card signs, and it is
# spent only when the password is saved (a mail scanner or a second tap does not use it up).
# registrations.id becomes the account's id once the card has signed.
registrations = sa.Table(
    "registrations",
    metadata,
    sa.Column("id", _ID(), primary_key=True),
    sa.Column("email", EncryptedText(), nullable=False),
    sa.Column("email_lookup", sa.String(64), nullable=False, index=True),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("created_at", _TS(), nullable=False),
    sa.Column("completed_at", _TS(), nullable=True),
)

registration_links = sa.Table(
    "registration_links",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("registration_id", _ID(), sa.ForeignKey("registrations.id"), nullable=False, index=True),
    sa.Column("created_at", _TS(), nullable=False),
    sa.Column("expires_at", _TS(), nullable=False),
    sa.Column("used_at", _TS(), nullable=True),
)

# A change of the account's e-mail address (APPI art. 65, accuracy; art. 90, correction): the new address waits
# here until the link sent to it is used; nothing on the account changes before. The confirmed row stays as the
# account's record of the change (when asked, when confirmed; not the old address); an unconfirmed one goes a day
# after its expiry (login_token) or when a newer request replaces it.
email_changes = sa.Table(
    "email_changes",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("applicant_id", _ID(), sa.ForeignKey("applicants.id"), nullable=False, index=True),
    sa.Column("email", EncryptedText(), nullable=False),  # the new address
    sa.Column("email_lookup", sa.String(64), nullable=False),
    sa.Column("requested_at", _TS(), nullable=False),
    sa.Column("expires_at", _TS(), nullable=False),
    sa.Column("confirmed_at", _TS(), nullable=True),
)

drafts = sa.Table(
    "drafts",
    metadata,
    sa.Column("id", _ID(), primary_key=True),
    sa.Column("applicant_id", _ID(), sa.ForeignKey("applicants.id"), nullable=False, index=True),
    sa.Column("procedure", sa.String(40), nullable=False),
    sa.Column("bundled", sa.String(80), nullable=False, server_default=""),
    sa.Column("data", EncryptedText(), nullable=False),  # JSON of the raw form fields
    sa.Column("step", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("updated_at", _TS(), nullable=False),
    sa.Column("submitted_application_id", _ID(), nullable=True),
    # Set by "delete": the draft is hidden and can be restored for drafting.UNDO_WINDOW, then removed.
    sa.Column("deleted_at", _TS(), nullable=True),
)

attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("id", _ID(), primary_key=True),
    sa.Column("applicant_id", _ID(), sa.ForeignKey("applicants.id"), nullable=False, index=True),
    sa.Column("draft_id", _ID(), nullable=True, index=True),
    sa.Column("application_id", _ID(), nullable=True, index=True),
    sa.Column("request_id", sa.String(80), nullable=True),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("media_type", sa.String(40), nullable=False),
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("filename", EncryptedText(), nullable=True),
    sa.Column("created_at", _TS(), nullable=False),
)

applications = sa.Table(
    "applications",
    metadata,
    sa.Column("id", _ID(), primary_key=True),
    sa.Column("applicant_id", _ID(), sa.ForeignKey("applicants.id"), nullable=False, index=True),
    sa.Column("idempotency_key", sa.String(80), nullable=False),
    sa.Column("provisional_number", sa.String(40), nullable=False, unique=True),
    sa.Column("receipt_number", sa.String(40), nullable=True, unique=True),
    sa.Column("procedure", sa.String(40), nullable=False),
    sa.Column("bundled", sa.String(80), nullable=False, server_default=""),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("bureau", sa.String(20), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("fee_yen", sa.Integer(), nullable=False),
    sa.Column("form", EncryptedText(), nullable=False),
    sa.Column("signed_content", EncryptedText(), nullable=False),  # base64 of the signed bytes
    sa.Column("content_sha256", sa.String(64), nullable=False),
    sa.Column("signature_cms", sa.Text(), nullable=False),
    sa.Column("submitted_at", _TS(), nullable=False),
    sa.Column("received_at", _TS(), nullable=True),
    sa.Column("closed_at", _TS(), nullable=True),
    sa.Column("updated_at", _TS(), nullable=False),
    sa.UniqueConstraint("applicant_id", "idempotency_key", name="uq_applications_idempotency"),
)

# A one-time signing code: the desktop signer fetches the bytes and posts the detached CMS.
signing_requests = sa.Table(
    "signing_requests",
    metadata,
    sa.Column("code", sa.String(20), primary_key=True),
    sa.Column("applicant_id", _ID(), nullable=True, index=True),  # none yet while registering
    sa.Column("idempotency_key", sa.String(80), nullable=True, unique=True),
    sa.Column("purpose", sa.String(20), nullable=False),  # register | submit | correction | withdrawal | rebind
    sa.Column("subject_id", _ID(), nullable=True),  # draft or application
    sa.Column("content", EncryptedText(), nullable=False),  # base64 of the bytes to sign
    sa.Column("content_sha256", sa.String(64), nullable=False),
    sa.Column("description", EncryptedText(), nullable=False),
    sa.Column("extra", EncryptedText(), nullable=True),  # JSON: what the purpose needs afterwards
    sa.Column("signature_cms", sa.Text(), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),  # pending | signed | done | failed | expired
    sa.Column("result", sa.Text(), nullable=True),  # JSON outcome for the waiting page
    sa.Column("created_at", _TS(), nullable=False),
    sa.Column("expires_at", _TS(), nullable=False),
)

timeline_entries = sa.Table(
    "timeline_entries",
    metadata,
    sa.Column("id", sa.Integer().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("application_id", _ID(), nullable=False, index=True),
    sa.Column("applicant_id", _ID(), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("detail", sa.Text(), nullable=False, server_default="{}"),  # JSON, no personal data
    sa.Column("occurred_at", _TS(), nullable=False),
    sa.Column("event_id", sa.String(36), nullable=True, unique=True),
)

notices = sa.Table(
    "notices",
    metadata,
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("applicant_id", _ID(), nullable=False, index=True),
    sa.Column("application_id", _ID(), nullable=True),
    sa.Column("notice_type", sa.String(60), nullable=False),
    sa.Column("subject", EncryptedText(), nullable=False),
    sa.Column("body", EncryptedText(), nullable=False),
    sa.Column("created_at", _TS(), nullable=False),
    sa.Column("read_at", _TS(), nullable=True),
)

document_requests = sa.Table(
    "document_requests",
    metadata,
    sa.Column("request_id", sa.String(80), primary_key=True),
    sa.Column("application_id", _ID(), nullable=False, index=True),
    sa.Column("applicant_id", _ID(), nullable=False),
    sa.Column("items", sa.Text(), nullable=False),  # JSON list of {code, description}
    sa.Column("message", EncryptedText(), nullable=True),
    sa.Column("deadline", sa.Date(), nullable=False),
    sa.Column("answered_at", _TS(), nullable=True),
)

# Online fee payments: one row per attempt; at most one paid per application (partial unique index).
payments = sa.Table(
    "payments",
    metadata,
    sa.Column("id", _ID(), primary_key=True),
    sa.Column("application_id", _ID(), sa.ForeignKey("applications.id"), nullable=False, index=True),
    sa.Column("applicant_id", _ID(), nullable=False),
    sa.Column("idempotency_key", sa.String(80), nullable=False),
    sa.Column("amount_yen", sa.Integer(), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("provider", sa.String(20), nullable=False),
    sa.Column("provider_session", sa.String(80), nullable=True, unique=True),
    sa.Column("checkout_url", sa.String(400), nullable=True),
    sa.Column("provider_reference", sa.String(80), nullable=True),
    sa.Column("method", sa.String(20), nullable=True),
    sa.Column("failure", sa.String(200), nullable=True),
    sa.Column("paid_at", _TS(), nullable=True),
    sa.Column("created_at", _TS(), nullable=False),
    sa.Column("updated_at", _TS(), nullable=False),
    sa.UniqueConstraint("application_id", "idempotency_key", name="uq_payments_attempt"),
    sa.Index(
        "uq_payments_one_paid",
        "application_id",
        unique=True,
        postgresql_where=sa.text("state = 'paid'"),
        sqlite_where=sa.text("state = 'paid'"),
    ),
)

# Every provider notification seen, by its event id: a replayed one has no second effect.
payment_notifications = sa.Table(
    "payment_notifications",
    metadata,
    sa.Column("event_id", sa.String(80), primary_key=True),
    sa.Column("payment_id", _ID(), nullable=True),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("effect", sa.String(40), nullable=False),  # applied | ignored_final | unknown_payment | ...
    sa.Column("received_at", _TS(), nullable=False),
)

# The DEMO provider's own sessions (a real PSP keeps these on its side; no card data is stored).
demo_psp_sessions = sa.Table(
    "demo_psp_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("merchant_reference", _ID(), nullable=False),
    sa.Column("amount_yen", sa.Integer(), nullable=False),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("return_url", sa.String(400), nullable=False),
    sa.Column("notify_url", sa.String(400), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # open | succeeded | failed | cancelled
    sa.Column("psp_reference", sa.String(40), nullable=True),
    sa.Column("created_at", _TS(), nullable=False),
    sa.Column("completed_at", _TS(), nullable=True),
)

# A person's request for everything the system holds about them (APPI art. 76): intake asks every service
# (personal_data.export_requested) and keeps each service's answer until all have come; kept 30 days.
data_exports = sa.Table(
    "data_exports",
    metadata,
    sa.Column("id", _ID(), primary_key=True),
    sa.Column("applicant_id", _ID(), sa.ForeignKey("applicants.id"), nullable=False, index=True),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("requested_at", _TS(), nullable=False),
    sa.Column("completed_at", _TS(), nullable=True),
)

data_export_parts = sa.Table(
    "data_export_parts",
    metadata,
    sa.Column("export_id", _ID(), sa.ForeignKey("data_exports.id"), primary_key=True),
    sa.Column("service", sa.String(20), primary_key=True),
    sa.Column("applicant_id", _ID(), nullable=False),
    sa.Column("content", EncryptedText(), nullable=False),  # JSON of the service's records
    sa.Column("received_at", _TS(), nullable=False),
)

# Each applicant's personal data is encrypted under their own data key (zairyu_shared.subject_keys):
# destroying that key erases them everywhere, backups included. ``info["subject"]`` names the column
# holding whose data a row is; rotate-keys moves older rows (under the service key) to those keys.
subject_key_tables = add_subject_key_tables(metadata)
for _table, _subject in (
    (applicants, "id"),
    (registrations, "id"),  # becomes the account's id: the address typed at the start is theirs too
    (email_changes, "applicant_id"),
    (drafts, "applicant_id"),
    (attachments, "applicant_id"),
    (applications, "applicant_id"),
    (signing_requests, "applicant_id"),
    (notices, "applicant_id"),
    (document_requests, "applicant_id"),
):
    _table.info["subject"] = _subject


def personal(db, applicant_id: str):
    """``with personal(session, applicant_id):`` the personal data written inside goes under their key."""
    return sealing(db, metadata, applicant_id)


# Tables declared in modules of their own join this one metadata here, so every user of it (the migrations'
# schema check, rotate-keys, the retention purge) sees them, whichever module was imported first.
from . import access_tables as _access_tables  # noqa: E402, F401
from . import organisation_tables as _organisation_tables  # noqa: E402, F401
