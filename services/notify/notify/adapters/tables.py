"""The notify service's own tables (its database is its alone)."""

from __future__ import annotations

import sqlalchemy as sa

from zairyu_shared.crypto import EncryptedText
from zairyu_shared.db import add_messaging_tables
from zairyu_shared.subject_keys import add_subject_key_tables

metadata = sa.MetaData()
outbox, inbox = add_messaging_tables(metadata)

_ts = sa.DateTime(timezone=True)

# Who to write to and in which language, learnt from intake's applicant events.
applicants = sa.Table(
    "applicants",
    metadata,
    sa.Column("applicant_id", sa.String(80), primary_key=True),
    sa.Column("email", EncryptedText(), nullable=True),
    sa.Column("language", sa.String(10), nullable=False),
    sa.Column("display_name", EncryptedText(), nullable=True),
    sa.Column("updated_at", _ts, nullable=False),  # occurred_at of the event that set the row
)

# What later notices quote: provisional and receipt numbers, the bureau (for officers' mail).
applications = sa.Table(
    "applications",
    metadata,
    sa.Column("application_id", sa.String(80), primary_key=True),
    sa.Column("applicant_id", sa.String(80), nullable=False),
    sa.Column("bureau", sa.String(20), nullable=True),
    sa.Column("procedure", sa.String(40), nullable=True),
    sa.Column("provisional_number", sa.String(40), nullable=True),
    sa.Column("receipt_number", sa.String(40), nullable=True),
)

# One row per notice per channel. Email rows carry delivery state; inbox rows are the applicant's
# in-account messages (served by the internal API and announced with notice.created).
notices = sa.Table(
    "notices",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("event_type", sa.String(80), nullable=False),
    sa.Column("notice_type", sa.String(60), nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("recipient", sa.String(120), nullable=False),  # applicant:<id> | bureau:<key>
    sa.Column("applicant_id", sa.String(80), nullable=True),
    sa.Column("application_id", sa.String(80), nullable=True),
    sa.Column("language", sa.String(10), nullable=False),  # as rendered; "ja+en" for the fallback
    sa.Column("subject", EncryptedText(), nullable=False),
    sa.Column("body_text", EncryptedText(), nullable=False),
    sa.Column("body_html", EncryptedText(), nullable=False),
    sa.Column("address", EncryptedText(), nullable=True),  # fixed address; else the applicant's current one
    # A file mailed with the notice (the sealed e-COE): JSON {filename, media_type, b64}, e-mail channel only.
    sa.Column("attachment", EncryptedText(), nullable=True),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("next_attempt_at", _ts, nullable=True),
    sa.Column("claim_token", sa.String(36), nullable=True),
    sa.Column("claimed_at", _ts, nullable=True),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("created_at", _ts, nullable=False),
    sa.Column("updated_at", _ts, nullable=False),
    sa.Column("sent_at", _ts, nullable=True),
    sa.UniqueConstraint("event_id", "channel", "recipient", name="uq_notices_event_channel_recipient"),
)
sa.Index("ix_notices_due", notices.c.state, notices.c.next_attempt_at)
sa.Index("ix_notices_applicant", notices.c.applicant_id, notices.c.channel, notices.c.created_at)

# Each applicant's address, name and mails are encrypted under their own data key (zairyu_shared.subject_keys):
# destroying it erases them here and in every backup. ``info["subject"]``: whose data a row is.
subject_key_tables = add_subject_key_tables(metadata)
applicants.info["subject"] = "applicant_id"
notices.info["subject"] = "applicant_id"
