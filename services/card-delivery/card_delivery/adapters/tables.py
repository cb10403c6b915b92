"""The card-delivery service's own tables (its database is its alone)."""

from __future__ import annotations

import sqlalchemy as sa

from zairyu_shared.crypto import EncryptedText
from zairyu_shared.db import add_messaging_tables
from zairyu_shared.subject_keys import add_subject_key_tables

metadata = sa.MetaData()
outbox, inbox = add_messaging_tables(metadata)

TS = sa.DateTime(timezone=True)

delivery_cases = sa.Table(
    "delivery_cases",
    metadata,
    sa.Column("delivery_id", sa.String(36), primary_key=True),
    sa.Column("application_id", sa.String(80), nullable=False, unique=True),
    sa.Column("applicant_id", sa.String(80), nullable=False),
    sa.Column("procedure", sa.String(30), nullable=False),
    sa.Column("fee_yen", sa.Integer, nullable=False),
    sa.Column("approved_at", TS, nullable=False),
    # Personal data: encrypted at rest.
    sa.Column("name", EncryptedText, nullable=False),
    sa.Column("postal_code", EncryptedText, nullable=True),
    sa.Column("mailing_address", EncryptedText, nullable=False),
    sa.Column("certificate_address", EncryptedText, nullable=False),
    sa.Column("old_card_number", sa.String(12), nullable=True),
    sa.Column("state", sa.String(30), nullable=False),
    sa.Column("state_since", TS, nullable=False),
    sa.Column("address_mismatch", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("address_resolved", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("fee_paid_yen", sa.Integer, nullable=True),
    sa.Column("card_number", sa.String(12), nullable=True),
    sa.Column("tracking_number", sa.String(40), nullable=True, index=True),
    sa.Column("dispatch_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("return_reason", sa.Text, nullable=True),
    sa.Column("overdue_reminded_at", TS, nullable=True),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    # Paid online (intake's fee.paid): no revenue stamps expected in the envelope.
    sa.Column("fee_paid_online_yen", sa.Integer, nullable=True),
    sa.Column("fee_payment_reference", sa.String(80), nullable=True),
    sa.Column("fee_paid_online_at", TS, nullable=True),
    # What the card carries besides the decision (application.decided v2).
    sa.Column("specified_card", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("card_remarks", sa.Text, nullable=True),
    # residence_card, or a paper coe / employment_certificate posted by the mailroom (issue 17).
    sa.Column("kind", sa.String(30), nullable=False, server_default="residence_card"),
    # The bureau's receipt number (application.decided v4; None from older decisions): what people quote.
    sa.Column("receipt_number", sa.String(40), nullable=True, index=True),
    # What the decision granted, for the new card's validity at its issue (domain/card_validity.py): the status
    # and period as codes (application.decided v3+; None from text), and the period of stay's expiry before it.
    sa.Column("granted_status", sa.String(40), nullable=True),
    sa.Column("period_of_stay", sa.String(12), nullable=True),
    sa.Column("stay_expiry_before", sa.Date, nullable=True),
    # The holder's date of birth (application.decided v5, ISO), under their key: a card issued under 16 ends on the
    # eve of the 16th birthday. Needed only until the card is issued (cleared then).
    sa.Column("holder_birth_date", EncryptedText, nullable=True),
    sa.Index("ix_delivery_cases_state", "state", "state_since"),
)

# fee.paid that came before application.decided opened the case (separate queues): applied on opening.
early_fee_payments = sa.Table(
    "early_fee_payments",
    metadata,
    sa.Column("application_id", sa.String(80), primary_key=True),
    sa.Column("applicant_id", sa.String(80), nullable=False),
    sa.Column("amount_yen", sa.Integer, nullable=False),
    sa.Column("payment_reference", sa.String(80), nullable=False),
    sa.Column("paid_at", TS, nullable=False),
    sa.Column("received_at", TS, nullable=False),
)

# Every residence card number this service knows: the ones it issued and the old ones named in
# decisions. The primary key is what makes a freshly drawn random number unique.
cards = sa.Table(
    "cards",
    metadata,
    sa.Column("card_number", sa.String(12), primary_key=True),
    sa.Column("status", sa.String(10), nullable=False),  # valid | invalid
    sa.Column("origin", sa.String(10), nullable=False),  # issued | decision
    sa.Column("delivery_id", sa.String(36), nullable=True),
    sa.Column("recorded_at", TS, nullable=False),
    sa.Column("invalidated_at", TS, nullable=True),
    # An issued card's last valid day (art. 19-5(1)); None: not known (an old card, an uncoded decision), valid
    # until replaced. runs_to_stay_expiry: the special period may keep it valid past that day (art. 19-5(2)).
    sa.Column("valid_until", sa.Date, nullable=True),
    sa.Column("runs_to_stay_expiry", sa.Boolean, nullable=False, server_default=sa.false()),
)

case_history = sa.Table(
    "case_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("delivery_id", sa.String(36), nullable=False, index=True),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("from_state", sa.String(30), nullable=False),
    sa.Column("to_state", sa.String(30), nullable=False),
    sa.Column("officer", sa.String(80), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("at", TS, nullable=False),
)

officers = sa.Table(
    "officers",
    metadata,
    sa.Column("officer_id", sa.String(36), primary_key=True),
    sa.Column("username", sa.String(80), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("totp_secret", EncryptedText, nullable=False),
    # The last accepted TOTP time step: a code is accepted once (no replay within its window).
    sa.Column("last_totp_step", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", TS, nullable=True),  # zairyu_shared.credentials' lockout
    sa.Column("created_at", TS, nullable=False),
    # Raised on sign-out: every session cookie carrying an older value is dead (cookies are client-side).
    sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"),
)

# Each applicant's name and addresses are encrypted under their own data key (zairyu_shared.subject_keys):
# destroying it erases them here and in every backup. ``info["subject"]``: whose data a row is.
subject_key_tables = add_subject_key_tables(metadata)
delivery_cases.info["subject"] = "applicant_id"
