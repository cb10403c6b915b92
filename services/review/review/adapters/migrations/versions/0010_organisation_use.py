"""organisation_requests: organisations' applications for use, decided four-eyes (issue 21)

Revision ID: 0010_organisation_use
Revises: 0009_access_log
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_organisation_use"
down_revision = "0009_access_log"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "organisation_requests",
        sa.Column("organisation_id", sa.String(80), primary_key=True),
        sa.Column("bureau", sa.String(20), nullable=False),
        sa.Column("name", sa.LargeBinary, nullable=False),  # EncryptedText
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("corporate_number", sa.String(13), nullable=True),
        sa.Column("agent_qualification", sa.String(20), nullable=True),
        sa.Column("agent_number", sa.String(30), nullable=True),
        sa.Column("address", sa.LargeBinary, nullable=False),  # EncryptedText
        sa.Column("status", sa.String(20), nullable=False),
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
    )
    op.create_index("ix_organisation_requests_queue", "organisation_requests", ["bureau", "status", "requested_at"])


def downgrade() -> None:
    op.drop_index("ix_organisation_requests_queue", "organisation_requests")
    op.drop_table("organisation_requests")
