"""The review service's own tables (its database is its alone).

Personal data (the form, the signer's identity, notes, messages) is encrypted at rest; columns the
queue filters and sorts on are plain, and indexed for keyset pagination (bureau first, then the
sort key, then the primary key as tie-breaker).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from zairyu_shared.crypto import EncryptedText
from zairyu_shared.db import add_messaging_tables
from zairyu_shared.subject_keys import SubjectVia, add_subject_key_tables

metadata = sa.MetaData()
outbox, inbox = add_messaging_tables(metadata)

TS = sa.DateTime(timezone=True)

# e-COEs issued (adapters/coe_documents.py) and every key that signed one (published for verification).
document_keys = sa.Table(
    "document_keys",
    metadata,
    sa.Column("kid", sa.String(40), primary_key=True),
    sa.Column("public_key_der", sa.LargeBinary, nullable=False),
    sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("first_used_at", sa.DateTime(timezone=True), nullable=False),
)
coe_documents = sa.Table(
    "coe_documents",
    metadata,
    sa.Column("document_id", sa.String(40), primary_key=True),
    sa.Column("application_id", sa.String(80), nullable=False, unique=True),
    sa.Column("kid", sa.String(40), nullable=False),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=False),
    sa.Column("sealed", EncryptedText, nullable=False),  # base64 of the signed PDF (personal data: encrypted)
    sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("cancel_reason", sa.Text, nullable=True),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("application_id", sa.String(80), primary_key=True),
    sa.Column("applicant_id", sa.String(80), nullable=False, index=True),
    sa.Column("receipt_number", sa.String(40), nullable=False, unique=True),
    sa.Column("bureau", sa.String(20), nullable=False),
    sa.Column("office", sa.String(40), nullable=True),  # district/branch office holding it; None: the bureau itself
    sa.Column("procedure", sa.String(40), nullable=False),
    sa.Column("bundled", sa.String(200), nullable=False, server_default=""),
    sa.Column("status_of_residence", sa.String(80), nullable=False),
    sa.Column("desired_status", sa.String(80), nullable=True),
    sa.Column("nationality", sa.String(80), nullable=False),
    sa.Column("language", sa.String(10), nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("is_open", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("assignee", sa.String(80), nullable=True),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("submitted_at", TS, nullable=False),
    sa.Column("received_at", TS, nullable=False),
    sa.Column("period_of_stay_expiry", sa.Date, nullable=True),
    sa.Column("card_by_mail", sa.Boolean, nullable=False),
    sa.Column("provisional_number", sa.String(40), nullable=False),
    sa.Column("content_sha256", sa.String(64), nullable=False),
    sa.Column("attachments", sa.Text, nullable=False, server_default="[]"),  # hashes, kinds, media types: no names
    # JSON {sha256: the file's name as the applicant named it}: personal data, so apart and encrypted.
    sa.Column("attachment_names", EncryptedText, nullable=True),
    sa.Column("form", EncryptedText, nullable=False),  # JSON of the signed content
    sa.Column("evidence", EncryptedText, nullable=False),  # JSON of the signature evidence
    sa.Column("withdrawal_requested_at", TS, nullable=True),
    sa.Column("withdrawal_reason", EncryptedText, nullable=True),
    sa.Column("withdrawal_signature", sa.Text, nullable=True),  # JSON verdict from signing
    sa.Column("address_mismatch", EncryptedText, nullable=True),
    sa.Column("outcome", sa.String(20), nullable=True),
    sa.Column("decided_at", TS, nullable=True),
    sa.Column("fee_yen", sa.Integer, nullable=True),
    # JSON of application.submitted's filer (role, organisation, number, name) when someone filed
    # on the applicant's behalf; NULL when the applicant filed themself.
    sa.Column("filer", EncryptedText, nullable=True),
    # Keyed hash of the filing organisation's number (domain/organisation_use.filer_lookup, why it may be in clear):
    # the bureau finds an organisation's applications by it. NULL: nobody filed for the applicant, or a case from
    # before the index until `zairyu-review index-filers` fills it.
    sa.Column("filer_lookup", sa.String(64), nullable=True),
)
# An organisation's applications at a bureau, newest first (organisations.cases_filed_by).
sa.Index("ix_cases_filer_lookup", cases.c.filer_lookup, cases.c.bureau, cases.c.received_at)
# The queue pages: open cases of one bureau by age, by deadline, by procedure, status, nationality.
sa.Index("ix_cases_queue_age", cases.c.bureau, cases.c.is_open, cases.c.received_at, cases.c.application_id)
sa.Index(
    "ix_cases_queue_deadline", cases.c.bureau, cases.c.is_open, cases.c.period_of_stay_expiry, cases.c.application_id
)
sa.Index("ix_cases_queue_status", cases.c.bureau, cases.c.status, cases.c.received_at, cases.c.application_id)
sa.Index(
    "ix_cases_queue_procedure",
    cases.c.bureau,
    cases.c.procedure,
    cases.c.is_open,
    cases.c.received_at,
    cases.c.application_id,
)
sa.Index(
    "ix_cases_queue_nationality",
    cases.c.bureau,
    cases.c.nationality,
    cases.c.is_open,
    cases.c.received_at,
    cases.c.application_id,
)
sa.Index(
    "ix_cases_queue_sor",
    cases.c.bureau,
    cases.c.status_of_residence,
    cases.c.is_open,
    cases.c.received_at,
    cases.c.application_id,
)
sa.Index("ix_cases_assignee", cases.c.bureau, cases.c.assignee, cases.c.is_open)
# An office's queue: only cases held by an office are indexed (office codes are unique across bureaus).
_AT_OFFICE: dict[str, Any] = {
    "postgresql_where": cases.c.office.isnot(None),
    "sqlite_where": cases.c.office.isnot(None),
}
sa.Index(
    "ix_cases_office_age", cases.c.office, cases.c.is_open, cases.c.received_at, cases.c.application_id, **_AT_OFFICE
)
sa.Index(
    "ix_cases_office_deadline",
    cases.c.office,
    cases.c.is_open,
    cases.c.period_of_stay_expiry,
    cases.c.application_id,
    **_AT_OFFICE,
)
sa.Index(
    "ix_cases_office_status", cases.c.office, cases.c.status, cases.c.received_at, cases.c.application_id, **_AT_OFFICE
)
sa.Index(
    "ix_cases_office_procedure",
    cases.c.office,
    cases.c.procedure,
    cases.c.is_open,
    cases.c.received_at,
    cases.c.application_id,
    **_AT_OFFICE,
)
sa.Index(
    "ix_cases_office_nationality",
    cases.c.office,
    cases.c.nationality,
    cases.c.is_open,
    cases.c.received_at,
    cases.c.application_id,
    **_AT_OFFICE,
)
sa.Index(
    "ix_cases_office_sor",
    cases.c.office,
    cases.c.status_of_residence,
    cases.c.is_open,
    cases.c.received_at,
    cases.c.application_id,
    **_AT_OFFICE,
)
sa.Index("ix_cases_decided", cases.c.decided_at)

receipt_serials = sa.Table(
    "receipt_serials",
    metadata,
    sa.Column("bureau", sa.String(20), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("last_serial", sa.Integer, nullable=False),
)

case_history = sa.Table(
    "case_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("application_id", sa.String(80), sa.ForeignKey("cases.application_id"), nullable=False, index=True),
    sa.Column("at", TS, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(80), nullable=False),  # officer id, or "applicant" / "system"
    sa.Column("from_status", sa.String(30), nullable=True),
    sa.Column("to_status", sa.String(30), nullable=True),
    sa.Column("detail", EncryptedText, nullable=True),  # JSON; may quote the applicant
)

notes = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("application_id", sa.String(80), sa.ForeignKey("cases.application_id"), nullable=False, index=True),
    sa.Column("author", sa.String(80), nullable=False),
    sa.Column("at", TS, nullable=False),
    sa.Column("body", EncryptedText, nullable=False),
)

document_requests = sa.Table(
    "document_requests",
    metadata,
    sa.Column("request_id", sa.String(80), primary_key=True),
    sa.Column("application_id", sa.String(80), sa.ForeignKey("cases.application_id"), nullable=False, index=True),
    sa.Column("items", EncryptedText, nullable=False),  # JSON list of {code, description}
    sa.Column("message", EncryptedText, nullable=False),
    sa.Column("deadline", sa.Date, nullable=False),
    sa.Column("requested_by", sa.String(80), nullable=False),
    sa.Column("requested_at", TS, nullable=False),
    sa.Column("answered_at", TS, nullable=True),
    sa.Column("answer_message", EncryptedText, nullable=True),
    sa.Column("answer_attachments", sa.Text, nullable=True),
    sa.Column("answer_attachment_names", EncryptedText, nullable=True),  # as cases.attachment_names
    sa.Column("reminder_sent_at", TS, nullable=True),
)

corrections = sa.Table(
    "corrections",
    metadata,
    sa.Column("correction_id", sa.String(80), primary_key=True),
    sa.Column("application_id", sa.String(80), sa.ForeignKey("cases.application_id"), nullable=False, index=True),
    sa.Column("message", EncryptedText, nullable=False),
    sa.Column("signed_content_b64", EncryptedText, nullable=False),
    sa.Column("signature", sa.Text, nullable=True),  # JSON verdict from signing
    sa.Column("requested_at", TS, nullable=False),
    sa.Column("handled_by", sa.String(80), nullable=True),
    sa.Column("handled_at", TS, nullable=True),
)

proposals = sa.Table(
    "proposals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("application_id", sa.String(80), sa.ForeignKey("cases.application_id"), nullable=False, index=True),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("granted_status", sa.String(80), nullable=True),
    sa.Column("period_of_stay", sa.String(40), nullable=True),
    sa.Column("reason_codes", sa.String(400), nullable=False, server_default=""),
    sa.Column("explanation", EncryptedText, nullable=True),
    sa.Column("proposed_by", sa.String(80), nullable=False),
    sa.Column("proposed_at", TS, nullable=False),
    sa.Column("resolution", sa.String(20), nullable=True),  # confirmed | returned
    sa.Column("resolved_by", sa.String(80), nullable=True),
    sa.Column("resolved_at", TS, nullable=True),
)

signature_rejections = sa.Table(
    "signature_rejections",
    metadata,
    sa.Column("application_id", sa.String(80), primary_key=True),
    sa.Column("reason", sa.String(60), nullable=False),
    sa.Column("at", TS, nullable=False),
)

officers = sa.Table(
    "officers",
    metadata,
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("username", sa.String(80), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("bureau", sa.String(20), nullable=True),
    sa.Column("office", sa.String(40), nullable=True),  # None: bureau-wide
    sa.Column("password_hash", sa.String(200), nullable=False),  # argon2id
    sa.Column("totp_secret", EncryptedText, nullable=False),
    sa.Column("last_totp_step", sa.BigInteger, nullable=True),  # a code is usable once
    sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", TS, nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    # Who the account is and how it came to be (migration 0007): one live account per natural person,
    # a second administrator's approval, the officer's own enrolment (review/domain/enrolment.py).
    sa.Column("staff_id", sa.String(40), nullable=True),  # the person; NULL: the account stands for itself
    sa.Column("enrolment", sa.String(20), nullable=False, server_default="enrolled"),
    sa.Column("created_by", sa.String(80), nullable=True),
    sa.Column("approved_by", sa.String(80), nullable=True),
    sa.Column("approved_at", TS, nullable=True),
    sa.Column("enrolled_at", TS, nullable=True),
    sa.Column("enrolment_token_sha256", sa.String(64), nullable=True),  # the creator's link
    sa.Column("enrolment_expires_at", TS, nullable=True),
    sa.Column("approval_code_sha256", sa.String(64), nullable=True),  # the approver's code
    sa.Column("approval_code_expires_at", TS, nullable=True),
    sa.Column("enrolment_failures", sa.Integer, nullable=False, server_default="0"),
)
_LIVE = sa.text("active OR enrolment IN ('pending_approval', 'approved')")
sa.Index("ux_officers_enrolment_token", officers.c.enrolment_token_sha256, unique=True)
sa.Index("ux_officers_live_staff_id", officers.c.staff_id, unique=True, postgresql_where=_LIVE, sqlite_where=_LIVE)

officer_sessions = sa.Table(
    "officer_sessions",
    metadata,
    sa.Column("token_sha256", sa.String(64), primary_key=True),  # the cookie holds the token, we its hash
    sa.Column("officer_id", sa.String(80), sa.ForeignKey("officers.id"), nullable=False, index=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("last_seen_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False),
    sa.Column("ip", sa.String(64), nullable=True),
)

# Append-only; each row's hash covers the previous hash and the canonical entry (audit.py).
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=False),
    sa.Column("at", sa.String(40), nullable=False),  # ISO text: hashed exactly as stored
    sa.Column("actor", sa.String(80), nullable=False),
    sa.Column("action", sa.String(60), nullable=False, index=True),  # finds the trim anchors (0013)
    sa.Column("bureau", sa.String(20), nullable=True),
    sa.Column("application_id", sa.String(80), nullable=True, index=True),
    sa.Column("target", sa.String(200), nullable=True),
    sa.Column("ip", sa.String(64), nullable=True),
    sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# The access log (issue 22, adapters/access_log.py): an RFC 9162 Merkle tree over ``entry`` (canonical JSON, hashed
# exactly as stored), one leaf per officer's read, decision, hand-over or export of a case; append-only like
# audit_log. Columns beside ``entry`` are what the monitor filters on (never published). Past its retention
# (``access_entry``) a leaf's content is emptied by ``access_log_redact`` (0015): "" and NULL, index, hash and time kept.
access_log = sa.Table(
    "access_log",
    metadata,
    sa.Column(
        "leaf_index", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=False
    ),
    sa.Column("entry", sa.Text, nullable=False),  # "" once its retention ended (access_entry): the leaf hash stays
    sa.Column("leaf_hash", sa.String(64), nullable=False),
    sa.Column("at", TS, nullable=False, index=True),  # finds the expired leaves (0015)
    sa.Column("application_id", sa.String(80), nullable=False, index=True),
    sa.Column("applicant_id", sa.String(80), nullable=True),
    sa.Column("officer_id", sa.String(80), nullable=False),
    sa.Column("officer_bureau", sa.String(20), nullable=True),
    sa.Column("officer_office", sa.String(40), nullable=True),
    sa.Column("case_bureau", sa.String(20), nullable=False),
    sa.Column("case_office", sa.String(40), nullable=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("purpose", sa.String(30), nullable=False),
)

# Signed tree heads, published at intervals (the key: a PKCS#11 token, its own label; adapters/access_log.py).
tree_heads = sa.Table(
    "tree_heads",
    metadata,
    sa.Column("tree_size", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=False),
    sa.Column("timestamp", sa.String(40), nullable=False),  # ISO text: signed exactly as stored
    sa.Column("root_hash", sa.String(64), nullable=False),
    sa.Column("kid", sa.String(40), nullable=False),
    sa.Column("signature", sa.String(120), nullable=False),
    sa.Column("public_key_der", sa.LargeBinary, nullable=False),
)

# The purpose an officer gave for a case, remembered for their sign-in session (a convenience; never a default).
access_purposes = sa.Table(
    "access_purposes",
    metadata,
    sa.Column(
        "token_sha256",
        sa.String(64),
        sa.ForeignKey("officer_sessions.token_sha256", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("application_id", sa.String(80), primary_key=True),
    sa.Column("purpose", sa.String(30), nullable=False),
)

# After review's database is restored to an earlier point: the receipt numbers other services had
# already seen (intake's record; numbers e-mailed to applicants) for applications the restored database
# does not know. A replayed submission gets its number back; the serials move past all of them, so no
# number is ever issued twice (docs/operations.md, "Restoring one service").
receipt_reservations = sa.Table(
    "receipt_reservations",
    metadata,
    sa.Column("application_id", sa.String(36), primary_key=True),
    sa.Column("receipt_number", sa.String(40), nullable=False, unique=True),
    sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=False),
)

# The signed content, evidence and filer of each case are encrypted under the applicant's own data key
# (zairyu_shared.subject_keys): destroying it erases them here and in every backup. Values written
# elsewhere still under the service key move under it with rotate-keys (``info["subject"]``).
subject_key_tables = add_subject_key_tables(metadata)
cases.info["subject"] = "applicant_id"
# The casework written later (history details, notes, requests for documents and their answers, corrections,
# proposals) and the sealed e-COE or certificate PDF are the same person's: under the case's applicant's key too
# (application.casework.case_seal).
for _child in (case_history, notes, document_requests, corrections, proposals, coe_documents):
    _child.info["subject"] = SubjectVia("application_id", "cases", "application_id", "applicant_id")

# Tables declared in modules of their own join this one metadata here, so every user of it (the migrations'
# schema check, rotate-keys, the retention purge) sees them, whichever module was imported first.
from . import organisation_tables as _organisation_tables  # noqa: E402, F401
