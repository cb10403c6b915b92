"""applicant directory, applications, notices

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

from zairyu_shared.crypto import EncryptedText

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "applicants",
        sa.Column("applicant_id", sa.String(80), primary_key=True),
        sa.Column("email", EncryptedText(), nullable=True),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("display_name", EncryptedText(), nullable=True),
        sa.Column("updated_at", _ts, nullable=False),
    )
    op.create_table(
        "applications",
        sa.Column("application_id", sa.String(80), primary_key=True),
        sa.Column("applicant_id", sa.String(80), nullable=False),
        sa.Column("bureau", sa.String(20), nullable=True),
        sa.Column("procedure", sa.String(40), nullable=True),
        sa.Column("provisional_number", sa.String(40), nullable=True),
        sa.Column("receipt_number", sa.String(40), nullable=True),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("notice_type", sa.String(60), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("recipient", sa.String(120), nullable=False),
        sa.Column("applicant_id", sa.String(80), nullable=True),
        sa.Column("application_id", sa.String(80), nullable=True),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("subject", EncryptedText(), nullable=False),
        sa.Column("body_text", EncryptedText(), nullable=False),
        sa.Column("body_html", EncryptedText(), nullable=False),
        sa.Column("address", EncryptedText(), nullable=True),
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
    op.create_index("ix_notices_due", "notices", ["state", "next_attempt_at"])
    op.create_index("ix_notices_applicant", "notices", ["applicant_id", "channel", "created_at"])


def downgrade() -> None:
    op.drop_table("notices")
    op.drop_table("applications")
    op.drop_table("applicants")
