"""Organisations' applications for use (issue 21), on review's one metadata.

The organisation's name and address are encrypted like the rest (an agent's office may be a home).
"""

from __future__ import annotations

import sqlalchemy as sa

from zairyu_shared.crypto import EncryptedText

from .tables import metadata

TS = sa.DateTime(timezone=True)

organisation_requests = sa.Table(
    "organisation_requests",
    metadata,
    sa.Column("organisation_id", sa.String(80), primary_key=True),
    sa.Column("bureau", sa.String(20), nullable=False),
    sa.Column("name", EncryptedText, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("corporate_number", sa.String(13), nullable=True),
    sa.Column("agent_qualification", sa.String(20), nullable=True),
    sa.Column("agent_number", sa.String(30), nullable=True),
    sa.Column("address", EncryptedText, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # organisation_use.UseStatus
    sa.Column("requested_at", TS, nullable=False),
    sa.Column("proposed_outcome", sa.String(20), nullable=True),
    sa.Column("proposed_by", sa.String(80), nullable=True),
    sa.Column("proposed_at", TS, nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("decided_by", sa.String(80), nullable=True),
    sa.Column("decided_at", TS, nullable=True),
    sa.Column("approved_from", sa.Date, nullable=True),
    sa.Column("approved_until", sa.Date, nullable=True),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Index("ix_organisation_requests_queue", "bureau", "status", "requested_at"),
)
