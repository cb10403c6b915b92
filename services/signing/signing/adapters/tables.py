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
# erasure ledger once that day's rows are purged (adapters/outbox_keys.py): a backup then holds them unreadable;
# and each verdict's personal fields under a key per retention day, the same way (adapters/verdict_keys.py).
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
    # The personal fields are sealed under the key of the day the verdict's retention ends, named in data_key
    # (adapters/verdict_keys.py; issue 20): destroyed through the erasure ledger when that day's verdicts are purged.
    # They read as null once it is destroyed (a restored backup's rows until the next purge).
    sa.Column("data_key", sa.String(80), nullable=True, index=True),  # verdicts-YYYY-MM-DD; null: stored before
    sa.Column("evidence", sa.Text(), nullable=True),  # plain JSON evidence of a verdict stored before data_key
    sa.Column("sealed_evidence", EncryptedText(erased="null"), nullable=True),  # JSON, without the holder attributes
    sa.Column("holder", EncryptedText(erased="null"), nullable=True),  # JSON of the holder attributes: personal data
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
