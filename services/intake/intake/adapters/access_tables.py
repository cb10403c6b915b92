"""What review published about who opened an applicant's file (issue 22): each access with its inclusion
proof, and the signed tree heads it was proven against. On intake's one metadata (migrations and tests see it).

Nothing here names an officer (a pseudonym, role and office only) or holds the applicant's personal data; the
entry is kept byte for byte as review hashed it, so the applicant (or anyone they give it to) can check it.
"""

from __future__ import annotations

import sqlalchemy as sa

from .tables import metadata

access_entries = sa.Table(
    "access_entries",
    metadata,
    sa.Column(
        "leaf_index", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=False
    ),
    sa.Column("application_id", sa.String(36), nullable=False),
    sa.Column("applicant_id", sa.String(36), nullable=False, index=True),
    sa.Column("entry", sa.Text, nullable=False),  # canonical JSON, as hashed into the log
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("tree_size", sa.BigInteger, nullable=False),
    sa.Column("inclusion_proof", sa.Text, nullable=False),  # JSON list of hex hashes
)

access_tree_heads = sa.Table(
    "access_tree_heads",
    metadata,
    sa.Column("tree_size", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=False),
    sa.Column("timestamp", sa.String(40), nullable=False),
    sa.Column("root_hash", sa.String(64), nullable=False),
    sa.Column("kid", sa.String(40), nullable=False),
    sa.Column("signature", sa.String(120), nullable=False),
    sa.Column("public_key", sa.Text, nullable=False),  # base64 SPKI DER, as published
)
