"""The signing service's own tables (its database is its alone)."""

from __future__ import annotations

import sqlalchemy as sa

from zairyu_shared.crypto import EncryptedText
from zairyu_shared.db import add_messaging_tables
from zairyu_shared.subject_keys import add_subject_key_tables

metadata = sa.MetaData()
outbox, inbox = add_messaging_tables(metadata)
# Data keys (zairyu_shared.subject_keys): signing keeps no per-person keys, but seals the outbox bodies of
# personal events (signature.verified carries the whole submission) under a key per day, destroyed through the
# erasure ledger once that day's rows are purged (adapters/outbox_keys.py): a backup then holds them unreadable.
subject_key_tables = add_subject_key_tables(metadata)

# One row per verified or rejected submission: what was decided, why, on what evidence.
verdicts = sa.Table(
    "verdicts",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),  # the application.submitted event
    sa.Column("application_id", sa.String(80), nullable=False, index=True),
    sa.Column("applicant_id", sa.String(80), nullable=False),
    sa.Column("verdict", sa.String(10), nullable=False),  # verified | rejected
    sa.Column("reason", sa.String(60), nullable=True),
    sa.Column("evidence", sa.Text(), nullable=False),  # JSON, without the holder attributes
    sa.Column("holder", EncryptedText(), nullable=True),  # JSON of the holder attributes: personal data
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
