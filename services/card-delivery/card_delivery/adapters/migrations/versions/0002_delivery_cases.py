"""delivery cases, card registry, history, mailroom officers

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

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "delivery_cases",
        sa.Column("delivery_id", sa.String(36), primary_key=True),
        sa.Column("application_id", sa.String(80), nullable=False, unique=True),
        sa.Column("applicant_id", sa.String(80), nullable=False),
        sa.Column("procedure", sa.String(30), nullable=False),
        sa.Column("fee_yen", sa.Integer, nullable=False),
        sa.Column("approved_at", TS, nullable=False),
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
        sa.Column("tracking_number", sa.String(40), nullable=True),
        sa.Column("dispatch_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("return_reason", sa.Text, nullable=True),
        sa.Column("overdue_reminded_at", TS, nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_delivery_cases_state", "delivery_cases", ["state", "state_since"])
    op.create_index("ix_delivery_cases_tracking_number", "delivery_cases", ["tracking_number"])
    op.create_table(
        "cards",
        sa.Column("card_number", sa.String(12), primary_key=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("origin", sa.String(10), nullable=False),
        sa.Column("delivery_id", sa.String(36), nullable=True),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("invalidated_at", TS, nullable=True),
    )
    op.create_table(
        "case_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", sa.String(36), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("from_state", sa.String(30), nullable=False),
        sa.Column("to_state", sa.String(30), nullable=False),
        sa.Column("officer", sa.String(80), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_case_history_delivery_id", "case_history", ["delivery_id"])
    op.create_table(
        "officers",
        sa.Column("officer_id", sa.String(36), primary_key=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("totp_secret", EncryptedText, nullable=False),
        sa.Column("last_totp_step", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("officers")
    op.drop_table("case_history")
    op.drop_table("cards")
    op.drop_table("delivery_cases")
